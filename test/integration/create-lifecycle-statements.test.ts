// Pins what a whole create costs the database in the all-in-one service: the API's request,
// the schedule task and the create task, from the POST until the volume is available.
// Statement counts are deterministic (unlike timings), so a change that adds round trips to
// the worker side of a create fails here; test/api/create-statements.test.ts pins the API's part.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, DB_KINDS, type TestService } from '../support/test-service.js';

/**
 * Issue 15's budget for one create's lifecycle, transaction control and wake-ups included. PostgreSQL
 * was 49 while a process heard the echo of its own NOTIFYs: two empty task claims of four statements.
 */
const LIFECYCLE_STATEMENT_BUDGET = { sqlite: 31, postgres: 41 };

for (const kind of DB_KINDS) describe(`create lifecycle statements (${kind})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ db: kind, backends: { fake: { volume_driver: 'fake' } } });
  });
  after(async () => { await svc.cleanup(); });

  /** One create, counted until the database has been quiet for a while (reads of the status would count too). */
  async function countedLifecycle(name: string) {
    const counter = svc.db.statements;
    counter.trace = [];
    try {
      const before = counter.count;
      const created = await svc.app!.inject({ method: 'POST', url: '/v3/p-life/volumes', payload: { volume: { size: 1, name } } });
      assert.equal(created.statusCode, 202, created.body);
      for (let last = -1; counter.count !== last;) {
        last = counter.count;
        await new Promise((r) => setTimeout(r, 100));
      }
      return { id: created.json().volume.id as string, statements: counter.count - before, trace: counter.trace.join('\n') };
    } finally {
      counter.trace = null;
    }
  }

  test('a create, scheduled and created on the backend, stays within the budget', async () => {
    await countedLifecycle('warm');
    // A worker's idle poll may land inside one run: the least of three is the lifecycle's own count.
    const runs = [await countedLifecycle('a'), await countedLifecycle('b'), await countedLifecycle('c')];
    for (const { id } of runs) {
      const v = await svc.db.kysely.selectFrom('volumes').select(['status', 'host']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(v.status, 'available');
      assert.match(v.host ?? '', /#/);
    }
    const least = runs.reduce((a, b) => (b.statements < a.statements ? b : a));
    assert.ok(least.statements <= LIFECYCLE_STATEMENT_BUDGET[kind], `${least.statements} statements:\n${least.trace}`);
  });
});
