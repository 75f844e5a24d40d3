// The backup API over the real services (API, scheduler, a fake-driver volume manager and the
// backup service with the posix driver) on SQLite and PostgreSQL: validation that changes
// nothing, owner/admin/other-project access, quotas moved with the statuses, the failure path
// (the fake backend's iSCSI export cannot be reached: the backup ends in error with a user
// message and the volume back in its status), export/import of records, dependents refused,
// reset-status and force delete. Bytes moving for real: test/e2e/backup-local.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DB_KINDS, startTestService, userCtx, waitUntil, type TestService } from '../support/test-service.js';
import { getBackup } from '../../src/db/repos/backups.js';
import { NotFound } from '../../src/errors/errors.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';

const MV = '3.64';

for (const kind of DB_KINDS) describe(`backup API (${kind})`, () => {
  let svc: TestService;
  const section = `bkfake${process.pid}`;
  const call = (project: string, method: string, path: string, body?: unknown, mv = MV): Promise<Reply> => apiCall(svc.url!, project, method, path, body, mv);
  const p1 = (method: string, path: string, body?: unknown, mv = MV) => call('p1', method, path, body, mv);

  before(async () => {
    svc = await startTestService({
      db: kind, roles: ['api', 'scheduler', `volume@${section}`, 'backup'],
      defaults: { quota_backups: 3, quota_backup_gigabytes: 10, backup_object_size: 1024 * 1024 },
      backends: { [section]: { volume_driver: 'fake', volume_backend_name: 'fake', fake_capacity_gib: 1000, fake_protocol: 'iscsi' } },
    });
  });
  after(async () => { await svc?.cleanup(); });

  const volumeStatus = (id: string) => waitUntil(async () => {
    const v = (await p1('GET', `/volumes/${id}`)).json.volume;
    return ['creating', 'backing-up', 'restoring-backup'].includes(v.status) ? undefined : v.status as string;
  });
  const newVolume = async (size = 1): Promise<string> => {
    const id = expectStatus(await p1('POST', '/volumes', { volume: { size } }), 202).volume.id as string;
    assert.equal(await volumeStatus(id), 'available');
    return id;
  };
  const backupStatus = (id: string, project = 'p1') => waitUntil(async () => {
    const r = await call(project, 'GET', `/backups/${id}`);
    if (r.status === 404) return 'deleted';
    const s = r.json.backup.status as string;
    return ['creating', 'deleting', 'restoring'].includes(s) ? undefined : s;
  }, 30_000);
  const usage = async () => {
    const q = expectStatus(await p1('GET', '/os-quota-sets/p1?usage=True'), 200).quota_set;
    return { backups: q.backups.in_use as number, gigabytes: q.backup_gigabytes.in_use as number, reserved: q.backups.reserved as number };
  };
  const countRows = async () => Number((await svc.db.kysely.selectFrom('backups').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** A record as export_record makes it, for a backup that never existed here. */
  const record = (o: { id?: string; parentId?: string | null; size?: number } = {}) => {
    const id = o.id ?? randomUUID();
    const volumeId = randomUUID();
    // The posix driver's service metadata for objects that are not there (deleting them is a no-op).
    const prefix = `volume_${volumeId}/backup_${id}`;
    const serviceMetadata = JSON.stringify({
      format: 'flint-chunked/1', container: 'c1', prefix, manifestKey: `${prefix}/manifest.json`, manifestSha256: '0'.repeat(64),
      sizeBytes: (o.size ?? 1) * 2 ** 30, objectSize: 2 ** 20, blockSize: 32768, objectCount: 0, storedBytes: 0,
    });
    return Buffer.from(JSON.stringify({
      v: 1, id, volumeId, name: 'imported', description: null, size: o.size ?? 1, container: 'c1', serviceMetadata, objectCount: 0,
      parentId: o.parentId ?? null, snapshotId: null, availabilityZone: 'nova', dataTimestamp: new Date().toISOString(), metadata: { origin: 'test' },
    })).toString('base64');
  };

  test('bad requests are refused naming what is wrong, and change nothing', async () => {
    const vol = await newVolume();
    const before = await countRows();
    const cases: Array<[Reply, number, RegExp]> = [
      [await p1('POST', '/backups', { backup: { volume_id: randomUUID() } }), 404, /Volume .* could not be found/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, incremental: true } }), 400, /No available backup of volume/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, metadata: { a: 'b' } } }, '3.42'), 400, /metadata needs microversion 3\.43/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, availability_zone: 'nova' } }, '3.50'), 400, /availability_zone needs microversion 3\.51/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, availability_zone: 'elsewhere' } }), 400, /availability_zone elsewhere differs/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, snapshot_id: randomUUID() } }), 404, /Snapshot/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, force: 'maybe' } }), 400, /backup\.force/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, container: '../../etc' } }), 400, /backup\.container: '\.\.\/\.\.\/etc' is not a valid container/],
      [await p1('POST', '/backups', { backup: { volume_id: vol, bogus: 1 } }), 400, /backup\.bogus/],
      [await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 's3', backup_url: record() } }), 400, /backup_service 's3' is not/],
      [await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'cinder.backup.drivers.s3.S3BackupDriver', backup_url: record() } }), 400, /is not this service's backup driver \(cinder\.backup\.drivers\.posix\.PosixBackupDriver\)/],
      [await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: 'not base64!' } }), 400, /not base64/],
      [await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: Buffer.from('{"v":1}').toString('base64') } }), 400, /id must be a string/],
      [await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record({ parentId: randomUUID() }) } }), 400, /import that one first/],
      [await p1('PUT', `/backups/${randomUUID()}`, { backup: { name: 'x' } }, '3.8'), 404, /not support|could not be found/],
      [await p1('POST', `/backups/${randomUUID()}/restore`, { restore: {} }), 404, /Backup .* could not be found/],
    ];
    for (const [r, status, names] of cases) {
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), names);
    }
    assert.equal(await countRows(), before);
    assert.equal((await p1('GET', `/volumes/${vol}`)).json.volume.status, 'available');
    assert.deepEqual(await usage(), { backups: 0, gigabytes: 0, reserved: 0 });
  });

  test('a backup whose export cannot be read ends in error: user message, volume back, the quota counts it until deleted', async () => {
    const vol = await newVolume(2);
    const b = expectStatus(await p1('POST', '/backups', { backup: { volume_id: vol, name: 'doomed', metadata: { k: 'v' } } }), 202).backup;
    assert.equal(b.name, 'doomed');
    assert.ok(b.links[0].href.endsWith(`/backups/${b.id}`));
    assert.equal(await backupStatus(b.id), 'error');
    assert.equal(await volumeStatus(vol), 'available');
    const shown = expectStatus(await p1('GET', `/backups/${b.id}`), 200).backup;
    assert.match(shown.fail_reason, /\S/);
    assert.equal(shown.size, 2);
    assert.deepEqual(shown.metadata, { k: 'v' });
    assert.equal(shown.is_incremental, false);
    assert.equal(shown['os-backup-project-attr:project_id'], 'p1');
    const msgs = expectStatus(await p1('GET', '/messages'), 200).messages as Array<{ resource_uuid: string; user_message: string }>;
    assert.ok(msgs.some((m) => m.resource_uuid === b.id && /Create backup failed/.test(m.user_message)), JSON.stringify(msgs));
    assert.deepEqual(await usage(), { backups: 1, gigabytes: 2, reserved: 0 });
    // Its volume is not held by it: no export left (the fake backend records none).
    assert.equal((await svc.db.kysely.selectFrom('volumes').select('exported').where('id', '=', vol).executeTakeFirstOrThrow()).exported, 0);
    expectStatus(await p1('DELETE', `/backups/${b.id}`), 202);
    assert.equal(await backupStatus(b.id), 'deleted');
    assert.deepEqual(await usage(), { backups: 0, gigabytes: 0, reserved: 0 });
  });

  test('another project sees nothing of a backup; owners list, filter, update', async () => {
    const imported = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record() } }), 201).backup;
    // noauth makes every caller admin: the project rules are checked on the service with member callers.
    const p2 = userCtx('p2');
    const owner = userCtx('p1');
    await assert.rejects(getBackup(svc.db.kysely, p2, imported.id), (e: unknown) => e instanceof NotFound);
    assert.equal((await getBackup(svc.db.kysely, owner, imported.id)).id, imported.id);
    await assert.rejects(svc.backups.delete(p2, imported.id), (e: unknown) => e instanceof NotFound);
    await assert.rejects(svc.backups.update(p2, imported.id, { name: 'x' }), (e: unknown) => e instanceof NotFound);
    await assert.rejects(svc.backups.restore(p2, imported.id, { volumeId: null, name: 'x' }), (e: unknown) => e instanceof NotFound);
    await assert.rejects(svc.backups.exportRecord(p2, imported.id), (e: unknown) => e instanceof NotFound);
    assert.deepEqual(expectStatus(await call('p2', 'GET', '/backups'), 200).backups.filter((x: { id: string }) => x.id === imported.id), []);
    const list = expectStatus(await p1('GET', '/backups/detail?sort=name:asc&limit=5'), 200).backups as Array<{ id: string; status: string }>;
    assert.ok(list.some((x) => x.id === imported.id && x.status === 'available'));
    // Cinder's answer to an update is the summary view (Tempest's schema allows no more), with metadata from 3.43.
    const at39 = await p1('PUT', `/backups/${imported.id}`, { backup: { description: 'd' } }, '3.9');
    assertMatchesTempestSchema('backups.update_backup', '3.9', { status: at39.status, body: at39.json });
    assert.deepEqual(Object.keys(at39.json.backup).sort(), ['id', 'links', 'name']);
    const put = await p1('PUT', `/backups/${imported.id}`, { backup: { name: 'renamed', metadata: { a: '1' } } });
    assertMatchesTempestSchema('backups.update_backup', MV, { status: put.status, body: put.json });
    const updated = expectStatus(put, 200).backup;
    assert.equal(updated.name, 'renamed');
    assert.deepEqual(updated.metadata, { a: '1' });
    const filtered = expectStatus(await p1('GET', '/backups?name=renamed'), 200).backups as Array<{ id: string }>;
    assert.deepEqual(filtered.map((x) => x.id), [imported.id]);
    expectStatus(await p1('DELETE', `/backups/${imported.id}`), 202);
    assert.equal(await backupStatus(imported.id), 'deleted');
  });

  test('export/import round trip; a backup with dependents cannot be deleted; reset-status and force delete', async () => {
    const fullId = randomUUID();
    // backup_service: Cinder's driver class path (what export_record answers) or Flint's short name.
    const full = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'cinder.backup.drivers.posix.PosixBackupDriver', backup_url: record({ id: fullId }) } }), 201).backup;
    const incr = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record({ parentId: fullId }) } }), 201).backup;
    assert.equal(expectStatus(await p1('GET', `/backups/${full.id}`), 200).backup.has_dependent_backups, true);
    assert.equal(expectStatus(await p1('GET', `/backups/${incr.id}`), 200).backup.is_incremental, true);
    assert.deepEqual(await usage(), { backups: 2, gigabytes: 2, reserved: 0 });
    const again = await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record({ id: fullId }) } });
    assert.equal(again.status, 400);
    assert.match(again.json.badRequest.message, /already exists/);
    const refused = await p1('DELETE', `/backups/${full.id}`);
    assert.equal(refused.status, 400);
    assert.match(refused.json.badRequest.message, /dependent incremental/);

    const exported = expectStatus(await p1('GET', `/backups/${incr.id}/export_record`), 200)['backup-record'];
    // Cinder's form: clients (Tempest) check that it starts with cinder.backup.drivers.
    assert.equal(exported.backup_service, 'cinder.backup.drivers.posix.PosixBackupDriver');
    // Quota: a third one fits (3), a fourth does not.
    const third = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record() } }), 201).backup;
    const over = await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record() } });
    assert.equal(over.status, 413, JSON.stringify(over.json));

    const bad = await p1('POST', `/backups/${third.id}/action`, { 'os-reset_status': { status: 'creating' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.badRequest.message, /available, error/);
    expectStatus(await p1('POST', `/backups/${third.id}/action`, { 'os-reset_status': { status: 'error' } }), 202);
    assert.equal(expectStatus(await p1('GET', `/backups/${third.id}`), 200).backup.status, 'error');
    expectStatus(await p1('POST', `/backups/${third.id}/action`, { 'os-force_delete': {} }), 202);
    for (const id of [third.id, incr.id]) {
      if (id === incr.id) expectStatus(await p1('DELETE', `/backups/${id}`), 202);
      assert.equal(await backupStatus(id), 'deleted');
    }
    assert.equal(expectStatus(await p1('GET', `/backups/${full.id}`), 200).backup.has_dependent_backups, false);
    expectStatus(await p1('DELETE', `/backups/${full.id}`), 202);
    assert.equal(await backupStatus(full.id), 'deleted');
    // The exported record brings the incremental back only with its parent present.
    const orphan = await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: exported.backup_service, backup_url: exported.backup_url } });
    assert.equal(orphan.status, 400);
    assert.deepEqual(await usage(), { backups: 0, gigabytes: 0, reserved: 0 });
  });

  test('a restore without a name creates restore_backup_<id>; a record imported under a new id shares the data, so deleting it leaves the original deletable', async () => {
    const url = record();
    const original = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: url } }), 201).backup;
    const restored = await p1('POST', `/backups/${original.id}/restore`, { restore: {} });
    assertMatchesTempestSchema('backups.restore_backup', MV, { status: restored.status, body: restored.json });
    const r = expectStatus(restored, 202).restore;
    assert.equal(r.volume_name, `restore_backup_${original.id}`, 'Cinder\'s name (Tempest\'s schema wants a string)');
    assert.equal(expectStatus(await p1('GET', `/volumes/${r.volume_id}`), 200).volume.name, `restore_backup_${original.id}`);
    assert.equal(await volumeStatus(r.volume_id), 'error_restoring');
    assert.equal(await backupStatus(original.id), 'available');
    // As Tempest's export/import test does: the same record with only its id changed.
    const copyId = randomUUID();
    const decoded = JSON.parse(Buffer.from(url, 'base64').toString('utf8'));
    const copyUrl = Buffer.from(JSON.stringify({ ...decoded, id: copyId })).toString('base64');
    expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: copyUrl } }), 201);
    expectStatus(await p1('DELETE', `/backups/${copyId}`), 202);
    assert.equal(await backupStatus(copyId), 'deleted', 'the copy goes without touching the objects it shares');
    assert.equal(await backupStatus(original.id), 'available');
    expectStatus(await p1('DELETE', `/backups/${original.id}`), 202);
    assert.equal(await backupStatus(original.id), 'deleted');
    expectStatus(await p1('DELETE', `/volumes/${r.volume_id}`), 202);
  });

  test('volume create with backup_id (3.47) restores onto the new volume; the fake export fails it as error_restoring', async () => {
    const b = expectStatus(await p1('POST', '/backups/import_record', { 'backup-record': { backup_service: 'posix', backup_url: record({ size: 2 }) } }), 201).backup;
    const early = await p1('POST', '/volumes', { volume: { backup_id: b.id } }, '3.46');
    assert.equal(early.status, 400);
    assert.match(early.json.badRequest.message, /3\.47/);
    const small = await p1('POST', '/volumes', { volume: { backup_id: b.id, size: 1 } });
    assert.equal(small.status, 400);
    assert.match(small.json.badRequest.message, /at least 2 GiB/);
    const v = expectStatus(await p1('POST', '/volumes', { volume: { backup_id: b.id, name: 'from-backup' } }), 202).volume;
    assert.equal(v.size, 2);
    assert.equal(await volumeStatus(v.id), 'error_restoring');
    const after = expectStatus(await p1('GET', `/backups/${b.id}`), 200).backup;
    assert.equal(after.status, 'available', 'a failed restore leaves the backup usable');
    assert.match(after.fail_reason, /\S/);
    const msgs = expectStatus(await p1('GET', '/messages'), 200).messages as Array<{ resource_uuid: string; user_message: string }>;
    assert.ok(msgs.some((m) => m.resource_uuid === b.id && /Restore backup failed/.test(m.user_message)));
    expectStatus(await p1('DELETE', `/backups/${b.id}`), 202);
    assert.equal(await backupStatus(b.id), 'deleted');
  });
});
