// The scheduler role's stats poll on SQLite and PostgreSQL: it notices every change to a
// backend's reservations, whichever statement made it (placements and their replacement,
// ends, changes, bulk deletes), rebuilds only the backends that changed, and when nothing
// changed reads one row per backend and no report or reservation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { recordCapacityChange } from '../../src/db/repos/capacity-reservations.js';
import type { BackendStats } from '../../src/drivers/interface/stats.js';
import { QuotaEngine, type QuotaDefaults } from '../../src/quota/quota-engine.js';
import { reservePlacement } from '../../src/scheduler/capacity-reservation.js';
import type { Placement, Scheduler } from '../../src/scheduler/scheduler.js';
import { SchedulerRole } from '../../src/service/scheduler-role.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import { logger } from '../../src/util/logger.js';
import { pool, report } from '../support/scheduler-fixtures.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

const BACKENDS = ['h@a', 'h@b'];

for (const kind of DB_KINDS) {
  describe(`scheduler stats poll (${kind})`, () => {
    let db: Db;
    let role: SchedulerRole;
    const schema = `flint_statspoll_${process.pid}`;
    /** What the role handed the scheduler: backend → free GiB per pool, in order. */
    let updates: [string, Record<string, number>][] = [];

    before(async () => {
      db = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
      const scheduler = {
        updateBackend: (backendHost: string, _name: string, _az: string, stats: BackendStats) => {
          updates.push([backendHost, Object.fromEntries(stats.pools.map((p) => [p.poolName, p.capacity.known ? p.capacity.freeGiB : -1]))]);
        },
      } as unknown as Scheduler;
      role = new SchedulerRole({
        db, tasks: new TaskQueue(db), quotas: new QuotaEngine(db, {} as QuotaDefaults), scheduler, owner: 'test', logger,
        statsPollMs: 60_000, leaseMs: 5000, handlers: {},
      });
      for (const b of BACKENDS) {
        const stats = report(b, [pool('p0', { total: 100 }), pool('p1', { total: 100 })]);
        await db.kysely.insertInto('backendStats').values({ backendHost: b, backendName: b, availabilityZone: 'nova', stats: JSON.stringify(stats), problems: '[]', updatedAt: '2026-01-01T00:00:00.000Z' }).execute();
      }
    });
    after(async () => {
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
    });

    /** One poll: what it rebuilt. */
    async function poll(): Promise<[string, Record<string, number>][]> {
      updates = [];
      await role.loadStats();
      return updates;
    }
    const place = (resourceId: string, backendHost: string, poolName: string, sizeGiB: number) => db.kysely.transaction().execute((tx) => reservePlacement(tx, {
      kind: 'volume', resourceId, sizeGiB, thick: false,
      placement: { backendHost, backendName: backendHost, poolName, poolHost: `${backendHost}#${poolName}` } as Placement,
    }));

    test('every change to a backend\'s reservations is noticed, and only that backend is rebuilt', async () => {
      assert.deepEqual(await poll(), [['h@a', { p0: 100, p1: 100 }], ['h@b', { p0: 100, p1: 100 }]], 'the first look takes in every backend');
      assert.deepEqual(await poll(), [], 'nothing changed');
      // Another scheduler's placement (an insert).
      await place('v1', 'h@a', 'p0', 10);
      assert.deepEqual(await poll(), [['h@a', { p0: 90, p1: 100 }]]);
      // It is placed again, same pool, another size (the upsert updates the row).
      await place('v1', 'h@a', 'p0', 12);
      assert.deepEqual(await poll(), [['h@a', { p0: 88, p1: 100 }]]);
      // Moved to the other pool, same size: the backend's total GiB is unchanged.
      await place('v1', 'h@a', 'p1', 12);
      assert.deepEqual(await poll(), [['h@a', { p0: 100, p1: 88 }]]);
      // A plain update of a size.
      await db.kysely.updateTable('capacityReservations').set({ sizeGib: 5 }).where('id', '=', 'v1').execute();
      assert.deepEqual(await poll(), [['h@a', { p0: 100, p1: 95 }]]);
      // Its create failed: the placement ends (a delete).
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: 'h@a#p1', deltaGiB: -5, resourceId: 'v1' }));
      assert.deepEqual(await poll(), [['h@a', { p0: 100, p1: 100 }]]);
      // A delete on the other backend that its report does not show yet (a change row).
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: 'h@b#p0', deltaGiB: -7, resourceId: 'gone' }));
      assert.deepEqual(await poll(), [['h@b', { p0: 100, p1: 100 }]], 'rebuilt (free never exceeds the total)');
      // Two placements and one statement removing both, leaving the GiB where they were.
      await place('v2', 'h@a', 'p0', 3);
      await place('v3', 'h@a', 'p1', 4);
      assert.deepEqual(await poll(), [['h@a', { p0: 97, p1: 96 }]]);
      await db.kysely.deleteFrom('capacityReservations').where('id', 'in', ['v2', 'v3']).execute();
      assert.deepEqual(await poll(), [['h@a', { p0: 100, p1: 100 }]]);
      assert.deepEqual(await poll(), []);
    });

    test('a new report is noticed, and a refusal\'s refresh rebuilds its backend even when nothing moved', async () => {
      await poll();
      await db.kysely.updateTable('backendStats').set({ updatedAt: '2026-01-01T00:01:00.000Z' }).where('backendHost', '=', 'h@b').execute();
      assert.deepEqual(await poll(), [['h@b', { p0: 100, p1: 100 }]]);
      updates = [];
      await role.loadStats('h@a', true);
      assert.deepEqual(updates, [['h@a', { p0: 100, p1: 100 }]]);
    });

    test('a poll that finds nothing changed reads one row per backend, no report and no reservation', async () => {
      await place('v4', 'h@a', 'p0', 1);
      await poll();
      const counter = db.statements;
      counter.trace = [];
      try {
        const { statements } = await counter.during(() => poll());
        assert.equal(statements, 1, counter.trace.join('\n'));
        assert.doesNotMatch(counter.trace.join('\n'), /"stats"|capacity_reservations/, 'reads neither a report nor a reservation');
      } finally {
        counter.trace = null;
      }
    });
  });
}
