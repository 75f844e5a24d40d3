// Pins what POST /volumes costs the database: statement counts are deterministic (unlike
// timings), so a change that adds round trips to the create path fails here. The service runs
// the API role alone, so every statement counted belongs to the request.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, DB_KINDS, type TestService } from '../support/test-service.js';

/** Issue 15's budget for one create request, transaction control and wake-ups included. */
const CREATE_STATEMENT_BUDGET = 12;

for (const kind of DB_KINDS) describe(`create statements (${kind})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ db: kind, roles: ['api'], backends: { fake: { volume_driver: 'fake' } }, defaults: { quota_volumes: 10, quota_gigabytes: 1000 } });
  });
  after(async () => { await svc.cleanup(); });

  /** Sends one create and returns its answer with the statements it cost and their texts. */
  async function countedCreate(project: string, volume: Record<string, unknown>) {
    const counter = svc.db.statements;
    counter.trace = [];
    try {
      const { result, statements } = await counter.during(() => svc.app!.inject({ method: 'POST', url: `/v3/${project}/volumes`, payload: { volume } }));
      assert.equal(result.statusCode, 202, result.body);
      return { volume: result.json().volume as Record<string, any>, statements, trace: counter.trace.join('\n') };
    } finally {
      counter.trace = null;
    }
  }

  test('a plain create stays within the budget and leaves the volume, its reservation and its task', async () => {
    // The first create of the deployment makes the __DEFAULT__ type; that is not the steady state.
    await countedCreate('warm', { size: 1 });
    const { volume, statements, trace } = await countedCreate('p1', { size: 3 });
    assert.ok(statements <= CREATE_STATEMENT_BUDGET, `${statements} statements:\n${trace}`);

    const k = svc.db.kysely;
    const row = await k.selectFrom('volumes').selectAll().where('id', '=', volume.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'creating');
    assert.equal(row.size, 3);
    const usage = Object.fromEntries((await k.selectFrom('quotaUsages').selectAll().where('projectId', '=', 'p1').execute()).map((u) => [u.resource, u]));
    assert.equal(usage.volumes?.reserved, 1);
    assert.equal(usage.gigabytes?.reserved, 3);
    assert.equal(usage.volumes___DEFAULT__?.reserved, 1);
    assert.equal(usage.gigabytes___DEFAULT__?.reserved, 3);
    const task = await k.selectFrom('tasks').selectAll().where('resourceId', '=', volume.id).executeTakeFirstOrThrow();
    assert.equal(task.kind, 'schedule_volume');
    assert.equal(task.status, 'pending');
    const reservation = (JSON.parse(task.payload) as { reservation: string }).reservation;
    const reserved = await k.selectFrom('reservations').select(['resource', 'delta']).where('groupId', '=', reservation).orderBy('resource').execute();
    assert.deepEqual(reserved.map((r) => [r.resource, r.delta]), [['gigabytes', 3], ['gigabytes___DEFAULT__', 3], ['volumes', 1], ['volumes___DEFAULT__', 1]]);
  });

  test('the answer built from the insert is what a read of the volume renders', async () => {
    await svc.app!.inject({ method: 'POST', url: '/v3/p2/types', payload: { volume_type: { name: 'silver', extra_specs: { multiattach: '<is> True' } } } });
    const { volume, statements, trace } = await countedCreate('p2', { size: 2, name: 'n', description: 'd', volume_type: 'silver', metadata: { a: '1', b: '2' }, bootable: true });
    assert.ok(statements <= CREATE_STATEMENT_BUDGET, `${statements} statements:\n${trace}`);
    assert.equal(volume.multiattach, true, 'the type\'s extra specs were read with it');
    const shown = await svc.app!.inject({ method: 'GET', url: `/v3/p2/volumes/${volume.id}` });
    const read = shown.json().volume as Record<string, unknown>;
    for (const [key, value] of Object.entries(volume)) assert.deepEqual(value, read[key], `${key} differs from a read`);
  });

  test('an encrypted type is still refused, with nothing created', async () => {
    const t = await svc.app!.inject({ method: 'POST', url: '/v3/p3/types', payload: { volume_type: { name: 'secret' } } });
    const typeId = t.json().volume_type.id as string;
    const e = await svc.app!.inject({ method: 'POST', url: `/v3/p3/types/${typeId}/encryption`, payload: { encryption: { provider: 'luks', control_location: 'front-end' } } });
    assert.equal(e.statusCode, 200, e.body);
    const r = await svc.app!.inject({ method: 'POST', url: '/v3/p3/volumes', payload: { volume: { size: 1, volume_type: 'secret' } } });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().badRequest.message, /encryption/);
    assert.equal((await svc.db.kysely.selectFrom('volumes').select('id').where('projectId', '=', 'p3').execute()).length, 0);
    assert.equal((await svc.db.kysely.selectFrom('quotaUsages').select('reserved').where('projectId', '=', 'p3').where('reserved', '>', 0).execute()).length, 0);
  });

  test('the limits the reservation reads agree with the project\'s full limits', async () => {
    const quotas = svc.quotas;
    await svc.app!.inject({ method: 'POST', url: '/v3/p4/types', payload: { volume_type: { name: 'bronze' } } });
    await quotas.setClassLimits('default', { gigabytes: 500, volumes_bronze: 4 });
    await quotas.setLimits('p4', { volumes: 7, volumes_bronze: 2 });
    try {
      const all = await quotas.limits('p4');
      const names = ['volumes', 'gigabytes', 'snapshots', 'volumes_bronze', 'gigabytes_bronze', 'per_volume_gigabytes'];
      const some = await quotas.limitsOf(svc.db.kysely, 'p4', names);
      assert.deepEqual(some, Object.fromEntries(names.map((n) => [n, all[n]])));
      assert.deepEqual([some.volumes, some.gigabytes, some.volumes_bronze, some.gigabytes_bronze], [7, 500, 2, -1]);
    } finally {
      await quotas.resetLimits('p4');
      await svc.db.kysely.deleteFrom('quotaClasses').execute();
    }
  });

  test('over quota: refused with the resource named, usage unchanged', async () => {
    await svc.quotas.setLimits('p5', { gigabytes: 5 });
    await countedCreate('p5', { size: 4 });
    const r = await svc.app!.inject({ method: 'POST', url: '/v3/p5/volumes', payload: { volume: { size: 2 } } });
    assert.equal(r.statusCode, 413, r.body);
    assert.match(r.body, /gigabytes/);
    const usage = await svc.db.kysely.selectFrom('quotaUsages').select(['resource', 'reserved']).where('projectId', '=', 'p5').where('resource', 'in', ['volumes', 'gigabytes']).orderBy('resource').execute();
    assert.deepEqual(usage.map((u) => [u.resource, u.reserved]), [['gigabytes', 4], ['volumes', 1]]);
    assert.equal((await svc.db.kysely.selectFrom('volumes').select('id').where('projectId', '=', 'p5').execute()).length, 1);
  });
});
