// PostgreSQL runs API requests in parallel transactions: a snapshot delete and a cascade
// delete of its volume sent at once must not both take the snapshot (each reserving its
// quota back), and whichever wins, the volume ends deleted and the quota exact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiClient } from '../support/http.js';

const PROJECT = 'cascade-race';
let svc: TestService;
let call: ReturnType<typeof apiClient>;

before(async () => {
  svc = await startTestService({ db: 'postgres', backends: { f: { volume_driver: 'fake', fake_delay_ms: 5 } } });
  call = apiClient(svc.url!, PROJECT, '3.44');
});
after(() => svc?.cleanup());

const until = (path: string, key: 'volume' | 'snapshot', want: string) => waitUntil(async () => {
  const g = await call('GET', path);
  const s = g.status === 404 ? 'gone' : g.json[key].status;
  return s === want || s.startsWith('error') ? s : undefined;
}, 15_000, 20);

test('snapshot delete and cascade volume delete at once: one takes the snapshot, quota stays exact', async () => {
  // A snapshot that stays, so a lost or doubled delta cannot hide behind usage's floor of zero.
  const keep = (await call('POST', '/volumes', { volume: { size: 1 } })).json.volume.id as string;
  assert.equal(await until(`/volumes/${keep}`, 'volume', 'available'), 'available');
  const keepSnap = (await call('POST', '/snapshots', { snapshot: { volume_id: keep } })).json.snapshot.id as string;
  assert.equal(await until(`/snapshots/${keepSnap}`, 'snapshot', 'available'), 'available');

  for (let i = 0; i < 10; i++) {
    const v = (await call('POST', '/volumes', { volume: { size: 1 } })).json.volume.id as string;
    assert.equal(await until(`/volumes/${v}`, 'volume', 'available'), 'available');
    const s = (await call('POST', '/snapshots', { snapshot: { volume_id: v } })).json.snapshot.id as string;
    assert.equal(await until(`/snapshots/${s}`, 'snapshot', 'available'), 'available');
    const [snapDel, volDel] = await Promise.all([call('DELETE', `/snapshots/${s}`), call('DELETE', `/volumes/${v}?cascade=true`)]);
    // Both may be accepted when the snapshot delete finished before the volume delete read the
    // volume's snapshots (a loaded machine can serialise the two). Either way the quota below
    // must be exact: a snapshot taken by both deletes shows as one snapshot too few.
    assert.ok([202, 409].includes(snapDel.status) && [202, 409].includes(volDel.status), `round ${i}: ${snapDel.status} ${volDel.status}`);
    if (volDel.status !== 202) {
      // The snapshot delete won; the volume delete is possible once it is done.
      assert.equal(volDel.status, 409, JSON.stringify(volDel.json));
      assert.equal(await until(`/snapshots/${s}`, 'snapshot', 'gone'), 'gone');
      assert.equal((await call('DELETE', `/volumes/${v}`)).status, 202);
    }
    assert.equal(await until(`/volumes/${v}`, 'volume', 'gone'), 'gone', `round ${i}`);
    const usage = await svc.db.kysely.selectFrom('quotaUsages').select(['resource', 'inUse', 'reserved'])
      .where('projectId', '=', PROJECT).where('resource', 'in', ['snapshots', 'volumes']).orderBy('resource').execute();
    assert.deepEqual(usage, [{ resource: 'snapshots', inUse: 1, reserved: 0 }, { resource: 'volumes', inUse: 1, reserved: 0 }], `round ${i}`);
  }
});

test('snapshot create and cascade volume delete at once: no snapshot outlives its volume, quota stays exact', async () => {
  for (let i = 0; i < 10; i++) {
    const v = (await call('POST', '/volumes', { volume: { size: 1 } })).json.volume.id as string;
    assert.equal(await until(`/volumes/${v}`, 'volume', 'available'), 'available');
    const [snapCreate, volDel] = await Promise.all([
      call('POST', '/snapshots', { snapshot: { volume_id: v } }), call('DELETE', `/volumes/${v}?cascade=true`),
    ]);
    // Both may be accepted when the snapshot was made before the delete read the volume's
    // snapshots (then the cascade takes it); no orphan and an exact quota must hold either way.
    assert.ok([202, 409].includes(snapCreate.status) && [202, 409].includes(volDel.status), `round ${i}: ${snapCreate.status} ${volDel.status}`);
    if (volDel.status !== 202) {
      assert.equal(volDel.status, 409, JSON.stringify(volDel.json));
      assert.equal(await until(`/snapshots/${snapCreate.json.snapshot.id}`, 'snapshot', 'available'), 'available');
      assert.equal((await call('DELETE', `/volumes/${v}?cascade=true`)).status, 202);
    }
    assert.equal(await until(`/volumes/${v}`, 'volume', 'gone'), 'gone', `round ${i}`);
    const orphans = await svc.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', v).execute();
    assert.deepEqual(orphans, [], `round ${i}`);
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute()).length === 0 ? true : undefined), 15_000, 20);
    const usage = await svc.db.kysely.selectFrom('quotaUsages').select(['resource', 'inUse', 'reserved'])
      .where('projectId', '=', PROJECT).where('resource', 'in', ['snapshots', 'volumes']).orderBy('resource').execute();
    assert.deepEqual(usage, [{ resource: 'snapshots', inUse: 1, reserved: 0 }, { resource: 'volumes', inUse: 1, reserved: 0 }], `round ${i}`);
  }
});
