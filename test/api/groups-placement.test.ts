// Where a group lands: the scheduler places it on a pool that every one of its volume types
// accepts (two fake backends, each volume type pinned to one by volume_backend_name), and a
// group no pool can take ends in error with a user message, its quota still counted.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminCtx, startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { newId } from '../../src/util/ids.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`group placement (${kind})`, () => {
  let svc: TestService;
  const a = `gpa${process.pid}`;
  const b = `gpb${process.pid}`;
  before(async () => {
    svc = await startTestService({
      db: kind, roles: ['scheduler', `volume@${a}`, `volume@${b}`],
      backends: {
        [a]: { volume_driver: 'fake', volume_backend_name: 'back-a', fake_capacity_gib: 100 },
        [b]: { volume_driver: 'fake', volume_backend_name: 'back-b', fake_capacity_gib: 100 },
      },
    });
  });
  after(async () => {
    await svc.cleanup();
    FakeBackendStore.reset(a);
    FakeBackendStore.reset(b);
  });
  const k = () => svc.db.kysely;
  const type = async (name: string, backend: string) => {
    const id = newId();
    await k().insertInto('volumeTypes').values({ id, name: `${name}-${kind}`, description: null, isPublic: 1, qosSpecsId: null, createdAt: new Date().toISOString() }).execute();
    await k().insertInto('volumeTypeExtraSpecs').values({ volumeTypeId: id, key: 'volume_backend_name', value: backend }).execute();
    return id;
  };
  const settled = (id: string) => waitUntil(async () => {
    const g = await k().selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    return g && g.status !== 'creating' ? g : undefined;
  });

  test('on the backend its types pin, or in error when no pool takes them all', async () => {
    const ta = await type('ta', 'back-a');
    const tb = await type('tb', 'back-b');
    const onB = await svc.api.createGroup(adminCtx, { name: 'b', groupType: 'default_cgsnapshot_type', volumeTypes: [tb] });
    const placed = await settled(onB.id);
    assert.equal(placed.status, 'available');
    assert.match(placed.host!, new RegExp(`@${b}#`));
    assert.ok(FakeBackendStore.get(b).groups().has(onB.id), 'created on backend b');
    assert.ok(!FakeBackendStore.get(a).groups().has(onB.id));

    const split = await svc.api.createGroup(adminCtx, { name: 'split', groupType: 'default_cgsnapshot_type', volumeTypes: [ta, tb] });
    const failed = await settled(split.id);
    assert.deepEqual([failed.status, failed.host], ['error', null]);
    const msg = await k().selectFrom('messages').selectAll().where('resourceUuid', '=', split.id).executeTakeFirst();
    assert.match(msg?.userMessage ?? '', /No valid backend was found for group/);
    const usage = await k().selectFrom('quotaUsages').selectAll().where('projectId', '=', adminCtx.projectId).where('resource', '=', 'groups').executeTakeFirstOrThrow();
    assert.deepEqual([usage.inUse, usage.reserved], [2, 0], 'a group in error still counts');
    for (const g of [onB, split]) await svc.api.deleteGroup(adminCtx, g.id, true);
    await waitUntil(async () => ((await k().selectFrom('groups').select('id').execute()).length === 0 ? true : undefined));
    assert.ok(!FakeBackendStore.get(b).groups().has(onB.id), 'deleted on the backend');
  });
});
