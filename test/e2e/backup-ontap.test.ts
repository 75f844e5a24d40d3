// Backups of netapp_ontap volumes (the ONTAP simulator over ZAPI, its LUNs served by a real
// tgtd with CHAP): the backup service asks the ONTAP driver for the export like any host,
// reads it over iSCSI, and restores through another LUN's export. Full, incremental after
// scattered writes, restore of each into a new volume compared byte for byte, and an
// in-use volume backed up with force from a temporary clone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/executor.js';
import { compareData, copyData } from '../../src/connector/volume-io.js';
import type { VolumeEndpoint } from '../../src/connector/volume-endpoint.js';
import type { ConnectionInfo } from '../../src/drivers/interface/objects.js';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions } from '../sim/ontap/ontap-driver-fixture.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const PROJECT = 'ontap-backup';
const exec = new ShellExecutor({ tries: 1, timeoutMs: 120_000 });

describe('backups of netapp_ontap volumes (simulator, tgtd-backed LUNs)', () => {
  let sim: OntapSimulator;
  let svc: TestService;
  let dir = '';
  const initiator = `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;
  const connector = { initiator, host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };
  const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(svc.url!, PROJECT, method, path, body, '3.51');
  const ok = expectStatus;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ontap-backup-'));
    const portalAddress = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
    sim = await OntapSimulator.start({ mode: 'cmode', tgtDir: join(dir, 'luns'), tgtPortalAddress: portalAddress, tgtChap: true });
    svc = await startTestService({
      defaults: { backup_posix_path: join(dir, 'backups'), backup_object_size: 8 * MiB },
      backends: { ontap: { ...simOptions(sim, 'cmode-zapi'), volume_backend_name: 'ontap-backup', use_chap_auth: true, chap_username: 'flintchap' } },
    });
  });
  after(async () => {
    await svc?.cleanup();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const volumeStatus = (id: string, want: string[]): Promise<any> => waitUntil(async () => {
    const v = ok(await call('GET', `/volumes/${id}`), 200).volume;
    if (!want.includes(v.status) && String(v.status).startsWith('error')) throw new Error(`volume ${id} went to ${v.status}`);
    return want.includes(v.status) ? v : undefined;
  }, 180_000, 100);
  const backupDone = async (id: string): Promise<any> => {
    const b = await waitUntil(async () => {
      const x = ok(await call('GET', `/backups/${id}`), 200).backup;
      return ['available', 'error'].includes(x.status) ? x : undefined;
    }, 300_000, 200);
    assert.equal(b.status, 'available', `backup ${id}: ${b.fail_reason}`);
    return b;
  };
  const createVolume = async (name: string): Promise<string> => {
    const id = ok(await call('POST', '/volumes', { volume: { size: 1, name } }), 202).volume.id as string;
    await volumeStatus(id, ['available']);
    return id;
  };
  const attach = async (volumeId: string): Promise<{ id: string; ep: VolumeEndpoint }> => {
    const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector } }), 200).attachment;
    ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
    await volumeStatus(volumeId, ['in-use']);
    return { id: a.id as string, ep: { kind: 'iscsi', info: a.connection_info as ConnectionInfo, initiator } };
  };
  const detach = async (attachmentId: string, volumeId: string) => {
    ok(await call('DELETE', `/attachments/${attachmentId}`), 200);
    await volumeStatus(volumeId, ['available']);
  };
  const restoredMatches = async (backupId: string, expected: string): Promise<boolean> => {
    const r = ok(await call('POST', `/backups/${backupId}/restore`, { restore: { name: `restored-${backupId.slice(0, 8)}` } }), 202).restore;
    await volumeStatus(r.volume_id, ['available']);
    await backupDone(backupId);
    const a = await attach(r.volume_id);
    try {
      return await compareData(exec, a.ep, { kind: 'file', path: expected, format: 'raw' });
    } finally {
      await detach(a.id, r.volume_id);
    }
  };

  test('full, incremental, restores compared byte for byte, in-use with force', async () => {
    const vol = await createVolume('ontap-src');
    const expectedA = join(dir, 'a.raw');
    writeFileSync(expectedA, '');
    const fa = await open(expectedA, 'r+');
    await fa.truncate(GiB);
    await fa.write(randomBytes(32 * MiB), 0, 32 * MiB, 0);
    await fa.close();
    let a = await attach(vol);
    await copyData(exec, { kind: 'file', path: expectedA, format: 'raw' }, a.ep);
    await detach(a.id, vol);
    const full = ok(await call('POST', '/backups', { backup: { volume_id: vol, name: 'ontap-full' } }), 202).backup;
    await backupDone(full.id);
    assert.equal((await volumeStatus(vol, ['available'])).status, 'available');

    // Scattered 1 MiB writes, through the export, then an incremental backup.
    const expectedB = join(dir, 'b.raw');
    copyFileSync(expectedA, expectedB);
    const fb = await open(expectedB, 'r+');
    for (const off of [3 * MiB, 100 * MiB, 600 * MiB, 1000 * MiB]) await fb.write(randomBytes(MiB), 0, MiB, off);
    await fb.close();
    a = await attach(vol);
    await copyData(exec, { kind: 'file', path: expectedB, format: 'raw' }, a.ep);
    await detach(a.id, vol);
    const incr = ok(await call('POST', '/backups', { backup: { volume_id: vol, name: 'ontap-incr', incremental: true } }), 202).backup;
    assert.equal((await backupDone(incr.id)).is_incremental, true);

    assert.ok(await restoredMatches(full.id, expectedA), 'the full backup restores the first bytes');
    assert.ok(await restoredMatches(incr.id, expectedB), 'the incremental backup restores the later bytes');

    // In use: refused without force, read from a temporary clone with it.
    a = await attach(vol);
    const refused = await call('POST', '/backups', { backup: { volume_id: vol, name: 'ontap-inuse' } });
    assert.equal(refused.status, 400);
    const inuse = ok(await call('POST', '/backups', { backup: { volume_id: vol, name: 'ontap-inuse', force: true } }), 202).backup;
    await backupDone(inuse.id);
    assert.equal((await volumeStatus(vol, ['in-use'])).status, 'in-use');
    await detach(a.id, vol);
    assert.ok(await restoredMatches(inuse.id, expectedB), 'the in-use backup restores the bytes of that moment');
    const exported = await svc.db.kysely.selectFrom('volumes').select(['id', 'exported']).where('exported', '!=', 0).execute();
    assert.deepEqual(exported, []);
  });
});
