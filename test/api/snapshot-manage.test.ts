// Snapshot manage and unmanage through the real services (fake driver, fake-Keystone tokens):
// unmanage leaves the snapshot on the array and releases its quota, manage takes it back and
// counts it again, both are admin-only, and bad input is refused without changing anything.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { DB_KINDS, waitUntil } from '../support/test-service.js';
import { tasksFinished } from '../../src/util/metrics.js';

const TOKENS: FakeTokens = {
  'admin-pa': { project: 'pa', roles: ['admin', 'member', 'reader'] },
  'member-pa': { project: 'pa', roles: ['member', 'reader'] },
};
const NO_VOLUME = 'aaaaaaaa-0000-4000-8000-0000000000a1';

for (const kind of DB_KINDS) describe(`snapshot manage and unmanage (${kind})`, () => {
  let keystone: FakeKeystone;
  let h: Harness;
  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: 'svc' } });
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });

  const call = (token: string, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: method as 'GET', url, headers: { 'x-auth-token': token, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const usage = async () => {
    const q = (await call('admin-pa', 'GET', '/v3/pa/os-quota-sets/pa?usage=True')).json().quota_set;
    return { snapshots: [q.snapshots.in_use, q.snapshots.reserved], gigabytes: [q.gigabytes.in_use, q.gigabytes.reserved] };
  };
  const snapRow = (id: string) => h.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  const newVolume = async (size: number) => {
    const r = await call('member-pa', 'POST', '/v3/pa/volumes', { volume: { size } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().volume.id as string;
    assert.equal(await h.waitVolume(id, ['available', 'error']), 'available');
    return id;
  };
  const newSnapshot = async (volumeId: string) => {
    const r = await call('member-pa', 'POST', '/v3/pa/snapshots', { snapshot: { volume_id: volumeId, name: 'orig' } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().snapshot.id as string;
    assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'available');
    return id;
  };
  const unmanage = async (id: string) => {
    const r = await call('admin-pa', 'POST', `/v3/pa/snapshots/${id}/action`, { 'os-unmanage': {} });
    assertMatchesTempestSchema('snapshots.unmanage_snapshot', null, { status: r.statusCode, body: r.body });
    assert.equal(await h.waitSnapshot(id, ['deleted', 'error_deleting']), 'deleted');
  };

  test('os-unmanage leaves the snapshot on the array and releases its quota; os-snapshot-manage takes it back', async () => {
    const before = await usage();
    const vol = await newVolume(2);
    const snap = await newSnapshot(vol);
    const backendName = h.store.snapshots().get(snap)!.name;
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 4, 0] });

    await unmanage(snap);
    assert.equal((await call('admin-pa', 'GET', `/v3/pa/snapshots/${snap}`)).statusCode, 404);
    assert.equal(h.store.snapshots().has(snap), false);
    assert.equal(h.store.foreignSnapshots().get(backendName)?.size, 2, 'the snapshot stays on the array');
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0], 0], gigabytes: [before.gigabytes[0] + 2, 0] });

    // The backend lists it as manageable (3.8), naming the volume it belongs to.
    const listed = await call('admin-pa', 'GET', `/v3/pa/manageable_snapshots/detail?host=${h.backendHost}`, undefined, MV('3.8'));
    assert.equal(listed.statusCode, 200, listed.body);
    const entry = listed.json()['manageable-snapshots'].find((x: { reference: Record<string, string> }) => x.reference['source-name'] === backendName);
    assert.deepEqual(entry, {
      reference: { 'source-name': backendName }, size: 2, safe_to_manage: true, source_reference: { 'source-name': h.store.volumes().get(vol)!.name },
      reason_not_safe: null, cinder_id: snap, extra_info: null,
    });
    const summary = await call('admin-pa', 'GET', `/v3/pa/manageable_snapshots?host=${h.backendHost}`, undefined, MV('3.8'));
    assert.ok(summary.json()['manageable-snapshots'].every((x: object) => Object.keys(x).sort().join() === 'reference,safe_to_manage,size,source_reference'), summary.body);

    const metadata = { 'manage-snap-meta1': 'value1', 'manage-snap-meta2': 'value2' };
    const m = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', {
      snapshot: { volume_id: vol, ref: { 'source-name': backendName }, name: 'taken-back', description: 'again', metadata },
    });
    assertMatchesTempestSchema('manage_snapshot.manage_snapshot', null, { status: m.statusCode, body: m.body });
    const managed = m.json().snapshot;
    assert.equal(managed.status, 'creating');
    assert.equal(await h.waitSnapshot(managed.id, ['available', 'error']), 'available');
    const shown = (await call('admin-pa', 'GET', `/v3/pa/snapshots/${managed.id}`)).json().snapshot;
    assert.deepEqual([shown.volume_id, shown.size, shown.name, shown.description, shown.metadata], [vol, 2, 'taken-back', 'again', metadata]);
    assert.equal(h.store.foreignSnapshots().has(backendName), false);
    assert.equal(h.store.snapshots().get(managed.id)?.volumeId, vol, 'the array holds it as the new snapshot');
    const relisted = (await call('admin-pa', 'GET', `/v3/pa/manageable_snapshots/detail?host=${h.backendHost}`, undefined, MV('3.8'))).json()['manageable-snapshots'];
    const now = relisted.find((x: { cinder_id: string }) => x.cinder_id === managed.id);
    assert.deepEqual([now?.safe_to_manage, now?.reason_not_safe], [false, 'already managed']);
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 4, 0] });

    // The managed snapshot is an ordinary one: deleting it removes it and its quota.
    assert.equal((await call('member-pa', 'DELETE', `/v3/pa/snapshots/${managed.id}`)).statusCode, 202);
    assert.equal(await h.waitSnapshot(managed.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal(h.store.snapshots().has(managed.id), false);
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0], 0], gigabytes: [before.gigabytes[0] + 2, 0] });
  });

  test('POST /manageable_snapshots manages as os-snapshot-manage does', async () => {
    const vol = await newVolume(1);
    const snap = await newSnapshot(vol);
    const backendName = h.store.snapshots().get(snap)!.name;
    await unmanage(snap);
    const m = await call('admin-pa', 'POST', '/v3/pa/manageable_snapshots', { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
    assertMatchesTempestSchema('manage_snapshot.manage_snapshot', null, { status: m.statusCode, body: m.body });
    assert.equal(await h.waitSnapshot(m.json().snapshot.id, ['available', 'error']), 'available');
  });

  test('a snapshot smaller than its volume (extended since) counts its own size once managed', async () => {
    const vol = await newVolume(1);
    const snap = await newSnapshot(vol);
    const backendName = h.store.snapshots().get(snap)!.name;
    await unmanage(snap);
    const ext = await call('member-pa', 'POST', `/v3/pa/volumes/${vol}/action`, { 'os-extend': { new_size: 3 } });
    assert.equal(ext.statusCode, 202, ext.body);
    assert.equal(await h.waitVolume(vol, ['available', 'error_extending']), 'available');
    const before = await usage();
    const m = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
    assert.equal(m.statusCode, 202, m.body);
    assert.equal(m.json().snapshot.size, 3, 'the volume\'s size until the backend has measured it');
    const id = m.json().snapshot.id;
    assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'available');
    assert.equal((await call('admin-pa', 'GET', `/v3/pa/snapshots/${id}`)).json().snapshot.size, 1);
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 1, 0] });
    assert.equal((await call('admin-pa', 'DELETE', `/v3/pa/snapshots/${id}`)).statusCode, 202);
    assert.equal(await h.waitSnapshot(id, ['deleted', 'error_deleting']), 'deleted');
    assert.deepEqual(await usage(), before);
  });

  test('manage and unmanage are admin-only: a member gets 403 and nothing changes', async () => {
    const vol = await newVolume(1);
    const snap = await newSnapshot(vol);
    const backendName = h.store.snapshots().get(snap)!.name;
    const before = await usage();
    const un = await call('member-pa', 'POST', `/v3/pa/snapshots/${snap}/action`, { 'os-unmanage': {} });
    assert.equal(un.statusCode, 403, un.body);
    assert.equal((await snapRow(snap))?.status, 'available');
    assert.equal(h.store.snapshots().has(snap), true);

    await unmanage(snap);
    for (const path of ['os-snapshot-manage', 'manageable_snapshots']) {
      const m = await call('member-pa', 'POST', `/v3/pa/${path}`, { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
      assert.equal(m.statusCode, 403, `${path}: ${m.body}`);
    }
    const memberList = await call('member-pa', 'GET', `/v3/pa/manageable_snapshots?host=${h.backendHost}`, undefined, MV('3.8'));
    assert.equal(memberList.statusCode, 403, memberList.body);
    assert.equal(h.store.foreignSnapshots().has(backendName), true);
    const rows = await h.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', vol).execute();
    assert.deepEqual(rows, [], 'no snapshot row was made');
    assert.deepEqual((await usage()).snapshots, [before.snapshots[0] - 1, 0]);
  });

  test('bad input: unknown volume 404, malformed ref or body 400, none of them makes a row', async () => {
    const vol = await newVolume(1);
    const before = await usage();
    const count = async () => (await h.db.kysely.selectFrom('snapshots').select('id').execute()).length;
    const rowsBefore = await count();
    const cases: Array<[unknown, number, RegExp]> = [
      [{ snapshot: { volume_id: NO_VOLUME, ref: { 'source-name': 'x' } } }, 404, /Volume/],
      [{ snapshot: { volume_id: 'not-a-uuid', ref: { 'source-name': 'x' } } }, 404, /Volume/],
      [{ snapshot: { volume_id: vol } }, 400, /ref/],
      [{ snapshot: { volume_id: vol, ref: {} } }, 400, /ref/],
      [{ snapshot: { volume_id: vol, ref: 'snapshot-1' } }, 400, /ref/],
      [{ snapshot: { ref: { 'source-name': 'x' } } }, 400, /volume_id/],
      [{ snapshot: { volume_id: vol, ref: { 'source-name': 'x' }, size: 3 } }, 400, /size/],
      [{ snapshot: { volume_id: vol, ref: { 'source-name': 'x' }, name: 'n'.repeat(256) } }, 400, /name/],
    ];
    for (const [body, code, message] of cases) {
      const r = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', body);
      assert.equal(r.statusCode, code, `${JSON.stringify(body)}: ${r.body}`);
      assert.match(r.body, message);
    }
    assert.equal(await count(), rowsBefore);
    assert.deepEqual(await usage(), before);

    const noHost = await call('admin-pa', 'GET', '/v3/pa/manageable_snapshots', undefined, MV('3.8'));
    assert.equal(noHost.statusCode, 400, noHost.body);
    assert.match(noHost.body, /host/);
    const unknownHost = await call('admin-pa', 'GET', '/v3/pa/manageable_snapshots?host=nohost@nothing', undefined, MV('3.8'));
    assert.equal(unknownHost.statusCode, 404, unknownHost.body);
    const tooOld = await call('admin-pa', 'GET', `/v3/pa/manageable_snapshots?host=${h.backendHost}`, undefined, MV('3.7'));
    assert.equal(tooOld.statusCode, 404, tooOld.body);
  });

  test('a ref naming nothing on the array, or another volume\'s snapshot, ends in error; deleting it returns its quota', async () => {
    const vol = await newVolume(1);
    const other = await newVolume(1);
    const snap = await newSnapshot(other);
    const backendName = h.store.snapshots().get(snap)!.name;
    await unmanage(snap);
    const before = await usage();
    for (const ref of [{ 'source-name': 'no-such-snapshot' }, { 'source-name': backendName }]) {
      const m = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', { snapshot: { volume_id: vol, ref } });
      assert.equal(m.statusCode, 202, m.body);
      const id = m.json().snapshot.id;
      assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'error');
      assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 1, 0] });
      // The failed snapshot is deleted like any other, returning its count.
      assert.equal((await call('admin-pa', 'DELETE', `/v3/pa/snapshots/${id}`)).statusCode, 202);
      assert.equal(await h.waitSnapshot(id, ['deleted', 'error_deleting']), 'deleted');
      assert.deepEqual(await usage(), before);
    }
    assert.equal(h.store.foreignSnapshots().has(backendName), true, 'another volume\'s snapshot stays unmanaged');
  });

  test('manage beyond the snapshot or gigabytes quota is 413; unmanage from a busy status is refused', async () => {
    const vol = await newVolume(1);
    const snap = await newSnapshot(vol);
    const backendName = h.store.snapshots().get(snap)!.name;
    await unmanage(snap);
    const used = (await usage()).snapshots[0];
    assert.equal((await call('admin-pa', 'PUT', '/v3/pa/os-quota-sets/pa', { quota_set: { snapshots: used } })).statusCode, 200);
    const over = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
    assert.equal(over.statusCode, 413, over.body);
    assert.equal(h.store.foreignSnapshots().has(backendName), true);
    assert.equal((await call('admin-pa', 'PUT', '/v3/pa/os-quota-sets/pa', { quota_set: { snapshots: 100 } })).statusCode, 200);
    const gb = (await usage()).gigabytes[0];
    assert.equal((await call('admin-pa', 'PUT', '/v3/pa/os-quota-sets/pa', { quota_set: { gigabytes: gb } })).statusCode, 200);
    const overGb = await call('admin-pa', 'POST', '/v3/pa/os-snapshot-manage', { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
    assert.equal(overGb.statusCode, 413, overGb.body);
    assert.match(overGb.body, /gigabytes/);
    assert.equal((await call('admin-pa', 'PUT', '/v3/pa/os-quota-sets/pa', { quota_set: { gigabytes: 1000 } })).statusCode, 200);
    assert.deepEqual((await h.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', vol).execute()).length, 0);

    const again = await newSnapshot(vol);
    assert.equal((await call('admin-pa', 'POST', `/v3/pa/snapshots/${again}/action`, { 'os-reset_status': { status: 'deleting' } })).statusCode, 202);
    const busy = await call('admin-pa', 'POST', `/v3/pa/snapshots/${again}/action`, { 'os-unmanage': {} });
    assert.equal(busy.statusCode, 409, busy.body);
    assert.equal((await snapRow(again))?.status, 'deleting');
    assert.equal(h.store.snapshots().has(again), true);
  });
});

for (const kind of DB_KINDS) describe(`snapshot manage superseded by reset-status (${kind})`, () => {
  let h: Harness;
  // Each backend operation takes 800 ms, so the manage is still running when the admin acts.
  before(async () => { h = await makeHarness({ db: kind, backend: { fake_delay_ms: 800 } }); });
  after(async () => { await h?.close(); });
  const call = (method: string, url: string, payload?: unknown) =>
    h.app.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const usage = async () => {
    const q = (await call('GET', '/v3/r1/os-quota-sets/r1?usage=True')).json().quota_set;
    return { snapshots: [q.snapshots.in_use, q.snapshots.reserved], gigabytes: [q.gigabytes.in_use, q.gigabytes.reserved] };
  };
  /** Manage tasks whose worker found its claim gone when it finished (flint_tasks_total). */
  const lostManages = async () => (await tasksFinished.get()).values
    .find((v) => v.labels.kind === 'manage_snapshot' && v.labels.outcome === 'lost')?.value ?? 0;
  const task = (id: string) => h.db.kysely.selectFrom('tasks').select(['status', 'lastError']).where('resourceId', '=', id).where('kind', '=', 'manage_snapshot').executeTakeFirst();

  test('reset-status during a manage: the snapshot counts in quota, nothing stays reserved', async () => {
    const v = await call('POST', '/v3/r1/volumes', { volume: { size: 2 } });
    const vol = v.json().volume.id as string;
    assert.equal(await h.waitVolume(vol, ['available', 'error']), 'available');
    const s = await call('POST', '/v3/r1/snapshots', { snapshot: { volume_id: vol } });
    const snap = s.json().snapshot.id as string;
    assert.equal(await h.waitSnapshot(snap, ['available', 'error']), 'available');
    const backendName = h.store.snapshots().get(snap)!.name;
    assert.equal((await call('POST', `/v3/r1/snapshots/${snap}/action`, { 'os-unmanage': {} })).statusCode, 202);
    assert.equal(await h.waitSnapshot(snap, ['deleted', 'error_deleting']), 'deleted');
    const before = await usage();

    const m = await call('POST', '/v3/r1/os-snapshot-manage', { snapshot: { volume_id: vol, ref: { 'source-name': backendName } } });
    assert.equal(m.statusCode, 202, m.body);
    const id = m.json().snapshot.id as string;
    await waitUntil(async () => ((await task(id))?.status === 'running' ? true : undefined));
    const lost = await lostManages();
    assert.equal((await call('POST', `/v3/r1/snapshots/${id}/action`, { 'os-reset_status': { status: 'available' } })).statusCode, 202);
    // Settled at once, not only when (or if) the superseded flow gets to its end.
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 2, 0] });
    // The flow ends on its own: its worker finds its claim superseded and drops its result.
    await waitUntil(async () => ((await lostManages()) > lost ? true : undefined));
    assert.equal((await task(id))?.lastError, 'superseded by reset-status', 'the admin\'s record of the task stands');
    assert.equal((await h.db.kysely.selectFrom('snapshots').select('status').where('id', '=', id).executeTakeFirst())?.status, 'available', 'the admin\'s status stands');
    assert.deepEqual(await usage(), { snapshots: [before.snapshots[0] + 1, 0], gigabytes: [before.gigabytes[0] + 2, 0] });
    assert.equal((await call('DELETE', `/v3/r1/snapshots/${id}`)).statusCode, 202);
    assert.equal(await h.waitSnapshot(id, ['deleted', 'error_deleting']), 'deleted');
    assert.deepEqual(await usage(), before);
  });
});
