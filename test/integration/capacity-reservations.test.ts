// Capacity reservations on SQLite and PostgreSQL: a placement is refused once the pool's
// report plus every reservation leaves no room; a stats write drops exactly what it counts
// and what no longer needs room; and on PostgreSQL, placements racing from separate
// connection pools (as separate scheduler processes) never reserve more than the pool holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Migrator } from 'kysely';
import { openDatabase, dropSchema, migrate, type Db } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import type { BackendStats } from '../../src/drivers/interface/stats.js';
import { recordCapacityChange, reservedOverReports, settleReservations } from '../../src/db/repos/capacity-reservations.js';
import { PoolTaken, reservePlacement, withReservations } from '../../src/scheduler/capacity-reservation.js';
import type { Placement } from '../../src/scheduler/scheduler.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

const BACKEND = 'h@thick';
const POOL = `${BACKEND}#p0`;

function report(totalGiB: number, freeGiB: number): BackendStats {
  return {
    volumeBackendName: 'thick', vendorName: 'test', driverVersion: '1', storageProtocol: 'iSCSI', operations: [],
    pools: [{
      poolName: 'p0', capacity: { known: true, totalGiB, freeGiB }, allocatedCapacityGiB: totalGiB - freeGiB, provisionedCapacityGiB: totalGiB - freeGiB,
      thinProvisioningSupport: false, thickProvisioningSupport: true, maxOverSubscriptionRatio: 1, reservedPercentage: 0,
      multiattach: false, onlineExtendSupport: false, qosSupport: false, totalVolumes: 0, capabilities: {},
    }],
  };
}

const placement = { backendHost: BACKEND, backendName: 'thick', poolName: 'p0', poolHost: POOL } as Placement;

for (const kind of DB_KINDS) {
  describe(`capacity reservations (${kind})`, () => {
    let db: Db;
    const schema = `flint_capres_${process.pid}`;

    before(async () => {
      db = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
    });
    after(async () => {
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
    });

    async function writeReport(stats: BackendStats, at: string): Promise<void> {
      const row = { backendHost: BACKEND, backendName: 'thick', availabilityZone: 'nova', stats: JSON.stringify(stats), problems: '[]', updatedAt: at };
      await db.kysely.insertInto('backendStats').values(row)
        .onConflict((oc) => oc.column('backendHost').doUpdateSet({ stats: row.stats, updatedAt: row.updatedAt })).execute();
    }

    async function volume(status: string, host: string | null, updatedAt: string): Promise<string> {
      const id = randomUUID();
      await db.kysely.insertInto('volumes').values({
        id, projectId: 'p', userId: 'u', size: 10, status, attachStatus: 'detached', availabilityZone: 'nova', host, createdAt: updatedAt, updatedAt,
      } as never).execute();
      return id;
    }

    const reserve = (resourceId: string, sizeGiB: number) =>
      db.kysely.transaction().execute((tx) => reservePlacement(tx, { kind: 'volume', resourceId, placement, sizeGiB, thick: false }));
    const reservedIds = async () => (await db.kysely.selectFrom('capacityReservations').select('id').where('reason', '=', 'placement').execute()).map((r) => r.id).sort();

    test('room is checked against the report plus every reservation, and a refusal leaves nothing behind', async () => {
      await db.kysely.deleteFrom('capacityReservations').execute();
      await writeReport(report(50, 30), '2026-01-01T00:00:00.000Z');
      await reserve('a', 20);
      await assert.rejects(reserve('b', 20), (e) => e instanceof PoolTaken && /no longer has room/.test(e.message));
      assert.deepEqual(await reservedIds(), ['a']);
      // Placing the same resource again (a reschedule) replaces its reservation, never adds to it.
      await reserve('a', 25);
      const rows = await db.kysely.selectFrom('capacityReservations').selectAll().execute();
      assert.deepEqual(rows.map((r) => [r.id, r.reason, r.sizeGib]), [['a', 'placement', 25]]);
      // The scheduler's view: the report with the reservation laid over it.
      const view = withReservations(BACKEND, report(50, 30), rows);
      assert.deepEqual(view.pools[0]!.capacity, { known: true, totalGiB: 50, freeGiB: 5 });
      assert.equal(view.pools[0]!.totalVolumes, 1);
      // Its create failed: giving its room back ends the placement, nothing else is recorded.
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -25, resourceId: 'a' }));
      assert.deepEqual(await reservedIds(), []);
      await reserve('b', 30);
      await assert.rejects(reserve('c', 1), PoolTaken);
      // A delete the report does not show yet frees room for every scheduler; an extend takes some.
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -10, resourceId: randomUUID() }));
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: 4 }));
      await reserve('c', 6);
      await assert.rejects(reserve('e', 1), PoolTaken);
      // What a refusal's diagnostics say was laid over the report.
      assert.equal(await reservedOverReports(db.kysely, 'volume'),
        `Reserved over the reports: ${POOL}: report sampled 2026-01-01T00:00:00.000Z, changes of -6 GiB, 2 placement(s), 36 GiB.`);
      // A backend that never reported has no room to give.
      await assert.rejects(db.kysely.transaction().execute((tx) => reservePlacement(tx, {
        kind: 'volume', resourceId: 'd', placement: { ...placement, backendHost: 'h@none', poolHost: 'h@none#p0' }, sizeGiB: 1, thick: false,
      })), PoolTaken);
    });

    test('a stats write drops what it counts, what is gone or moved, and what finished before the sample', async () => {
      await db.kysely.deleteFrom('capacityReservations').execute();
      await writeReport(report(1000, 1000), '2026-01-01T00:00:00.000Z');
      const landed = await volume('creating', POOL, '2026-01-01T00:00:05.000Z');
      const inFlight = await volume('creating', POOL, '2026-01-01T00:00:05.000Z');
      const doneBefore = await volume('available', POOL, '2026-01-01T00:00:05.000Z');
      const doneAfter = await volume('available', POOL, '2026-01-01T00:00:20.000Z');
      const moved = await volume('creating', null, '2026-01-01T00:00:05.000Z');
      const gone = randomUUID();
      for (const id of [landed, inFlight, doneBefore, doneAfter, moved, gone]) await reserve(id, 10);
      // A delete finished now: a report sampled before it still shows the volume, one after does not.
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -10, resourceId: gone }));
      const changes = async () => (await db.kysely.selectFrom('capacityReservations').select('id').where('reason', '=', 'change').execute()).length;
      assert.equal(await changes(), 0, 'the gone volume still had its placement: the delete ended it instead');
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -10, resourceId: doneBefore }));
      assert.equal(await changes(), 0);
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: 5 }));
      await db.kysely.transaction().execute((tx) => settleReservations(tx, BACKEND, 'volume', [landed], '2026-01-01T00:00:10.000Z'));
      assert.deepEqual(await reservedIds(), [inFlight, doneAfter].sort());
      assert.equal(await changes(), 1, 'a change made after the sample began was dropped');
      await db.kysely.transaction().execute((tx) => settleReservations(tx, BACKEND, 'volume', [], new Date(Date.now() + 1000).toISOString()));
      assert.equal(await changes(), 0);
    });

    test('a change is dated when the backend changed: a report sampled after it counts it, none is counted twice', async () => {
      await db.kysely.deleteFrom('capacityReservations').execute();
      const changes = async () => db.kysely.selectFrom('capacityReservations').select(['sizeGib', 'createdAt']).where('reason', '=', 'change').execute();
      // A report sampled at :10 already counts a delete that was complete at :05: nothing to record.
      await writeReport(report(1000, 990), '2026-02-01T00:00:10.000Z');
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -10, resourceId: randomUUID(), changedAt: '2026-02-01T00:00:05.000Z' }));
      assert.deepEqual(await changes(), []);
      // A change complete at :15 is newer than that report: recorded, dated :15 (not at its commit)…
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -10, resourceId: randomUUID(), changedAt: '2026-02-01T00:00:15.000Z' }));
      assert.deepEqual((await changes()).map((c) => [c.sizeGib, c.createdAt]), [[-10, '2026-02-01T00:00:15.000Z']]);
      // …so the next report, sampled at :16 and written after the commit, drops it.
      await db.kysely.transaction().execute((tx) => settleReservations(tx, BACKEND, 'volume', [], '2026-02-01T00:00:16.000Z'));
      assert.deepEqual(await changes(), []);
    });

    /** Per pool, the running total next to the sum of its reservations (they must be equal). */
    async function totalsAndSums(): Promise<{ totals: Record<string, number>; sums: Record<string, number> }> {
      const totals = await db.kysely.selectFrom('poolReservationTotals').select(['poolHost', 'gib']).where('gib', '!=', 0).orderBy('poolHost').execute();
      const sums = await db.kysely.selectFrom('capacityReservations').select('poolHost').select((eb) => eb.fn.sum<number>('sizeGib').as('gib'))
        .groupBy('poolHost').orderBy('poolHost').execute();
      const byPool = (rows: { poolHost: string; gib: number }[]) => Object.fromEntries(rows.filter((r) => Number(r.gib) !== 0).map((r) => [r.poolHost, Number(r.gib)]));
      return { totals: byPool(totals), sums: byPool(sums) };
    }

    test("each pool's running total is the sum of its reservations, whichever statement wrote them", async () => {
      await db.kysely.deleteFrom('capacityReservations').execute();
      const twoPools = report(1000, 1000);
      twoPools.pools.push({ ...twoPools.pools[0]!, poolName: 'p1' });
      await writeReport(twoPools, '2026-03-01T00:00:00.000Z');
      const other = { ...placement, poolName: 'p1', poolHost: `${BACKEND}#p1` } as Placement;
      const check = async (expected: Record<string, number>, step: string) => {
        const { totals, sums } = await totalsAndSums();
        assert.deepEqual(sums, expected, `${step}: the reservations`);
        assert.deepEqual(totals, sums, `${step}: the running totals`);
      };
      const a = await volume('creating', POOL, '2026-03-01T00:00:05.000Z');
      await reserve(a, 10);
      await reserve('b', 7);
      await check({ [POOL]: 17 }, 'two placements');
      // A reschedule replaces the placement (an upsert): onto another pool, with another size.
      await db.kysely.transaction().execute((tx) => reservePlacement(tx, { kind: 'volume', resourceId: 'b', placement: other, sizeGiB: 3, thick: false }));
      await check({ [POOL]: 10, [other.poolHost]: 3 }, 'a placement moved to another pool');
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: other.poolHost, deltaGiB: -3, resourceId: 'b' }));
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: -4, resourceId: randomUUID() }));
      await db.kysely.transaction().execute((tx) => recordCapacityChange(tx, { kind: 'volume', poolHost: POOL, deltaGiB: 6 }));
      await check({ [POOL]: 12 }, 'a placement ended, a delete and an extend recorded');
      // Many rows in one statement, as a report's settlement deletes them.
      await db.kysely.insertInto('capacityReservations').values(Array.from({ length: 50 }, (_, i) => ({
        id: `bulk${i}`, reason: 'placement' as const, resourceId: `bulk${i}`, resourceKind: 'volume' as const, backendHost: BACKEND,
        poolHost: i % 2 ? POOL : other.poolHost, sizeGib: 2, createdAt: '2026-03-01T00:00:06.000Z',
      }))).execute();
      await check({ [POOL]: 12 + 50, [other.poolHost]: 50 }, 'fifty placements inserted at once');
      await db.kysely.transaction().execute((tx) => settleReservations(tx, BACKEND, 'volume', [a], '2026-03-01T00:00:10.000Z'));
      await check({ [POOL]: 2 }, 'a report settled all but the two changes (the bulk placements have no volume row)');
      await db.kysely.updateTable('capacityReservations').set({ sizeGib: 9 }).execute();
      await check({ [POOL]: 18 }, 'an update of both sizes');
      await db.kysely.deleteFrom('capacityReservations').execute();
      await check({}, 'all deleted');
    });

    test("the room check reads the pool's running total, not every reservation on it", async () => {
      await db.kysely.deleteFrom('capacityReservations').execute();
      await writeReport(report(50, 50), '2026-03-01T00:00:00.000Z');
      await reserve('r1', 10);
      // Were the rows summed, 40 GiB would still fit; the total (off by 30 here) says 10 do.
      await db.kysely.updateTable('poolReservationTotals').set((eb) => ({ gib: eb('gib', '+', 30) })).where('poolHost', '=', POOL).execute();
      await assert.rejects(reserve('r2', 11), PoolTaken);
      await reserve('r2', 10);
      // Replacing its own placement leaves the placement's own GiB out of what the pool holds.
      await reserve('r2', 10);
      await db.kysely.deleteFrom('capacityReservations').execute();
      await db.kysely.updateTable('poolReservationTotals').set({ gib: 0 }).execute();
    });

    test('migrations 014 and 015 start each pool\'s total from the reservations already there, and 015 goes down to 014', async () => {
      const oldSchema = `${schema}_m14`;
      const old = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema: oldSchema, migrate: false }) : await openDatabase({ url: ':memory:', migrate: false });
      try {
        const migrator = new Migrator({ db: old.kysely, provider: { getMigrations: async () => migrations }, ...(kind === 'postgres' ? { migrationTableSchema: oldSchema } : {}) });
        assert.equal((await migrator.migrateTo('012-drop-volumes-host-index')).error, undefined);
        await old.kysely.insertInto('capacityReservations').values([[POOL, 10], [POOL, -3], [`${BACKEND}#p1`, 4]].map(([poolHost, sizeGib], i) => ({
          id: `m${i}`, reason: 'change' as const, resourceId: null, resourceKind: 'volume' as const, backendHost: BACKEND, poolHost: poolHost as string, sizeGib: sizeGib as number, createdAt: '2026-03-01T00:00:00.000Z',
        }))).execute();
        assert.equal((await migrator.migrateTo('014-pool-reservation-totals')).error, undefined);
        const totals = async () => (await old.kysely.selectFrom('poolReservationTotals').select(['poolHost', 'gib']).orderBy('poolHost').execute())
          .map((t) => [t.poolHost, Number(t.gib)]);
        assert.deepEqual(await totals(), [[POOL, 7], [`${BACKEND}#p1`, 4]]);
        await migrate(old);
        const rows = await old.kysely.selectFrom('poolReservationTotals').select(['poolHost', 'backendHost', 'gib', 'version']).orderBy('poolHost').execute();
        assert.deepEqual(rows.map((t) => [t.poolHost, t.backendHost, Number(t.gib), Number(t.version)]), [[POOL, BACKEND, 7, 1], [`${BACKEND}#p1`, BACKEND, 4, 1]]);
        // Down to 014: its table and triggers again, the totals kept.
        assert.equal((await migrator.migrateTo('014-pool-reservation-totals')).error, undefined);
        await old.kysely.deleteFrom('capacityReservations').where('id', '=', 'm1').execute();
        assert.deepEqual(await totals(), [[POOL, 10], [`${BACKEND}#p1`, 4]]);
        await migrate(old);
        assert.deepEqual(await totals(), [[POOL, 10], [`${BACKEND}#p1`, 4]]);
      } finally {
        await old.close();
        if (kind === 'postgres') await dropSchema(PG_URL, oldSchema);
      }
    });

    if (kind === 'postgres') {
      test('placements racing from separate connection pools reserve exactly what the pool holds', async () => {
        await db.kysely.deleteFrom('capacityReservations').execute();
        await writeReport(report(50, 50), '2026-01-01T00:00:00.000Z');
        // Two more pools on the same schema stand for two more scheduler processes.
        const others = await Promise.all([1, 2].map(() => openDatabase({ url: PG_URL, schema })));
        try {
          const pools = [db, ...others];
          const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => pools[i % 3]!.kysely.transaction().execute((tx) =>
            reservePlacement(tx, { kind: 'volume', resourceId: `r${i}`, placement, sizeGiB: 2, thick: false }))));
          const won = results.filter((r) => r.status === 'fulfilled').length;
          for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof PoolTaken, String(r.reason));
          assert.equal(won, 25);
          const total = await db.kysely.selectFrom('capacityReservations').select((eb) => eb.fn.sum<number>('sizeGib').as('gib')).executeTakeFirstOrThrow();
          assert.equal(Number(total.gib), 50);
        } finally {
          for (const o of others) await o.close();
        }
      });
    }
  });
}
