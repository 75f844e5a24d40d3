// Scheduler benchmark: one placement across 10,000 pools, each with a filter_function and goodness_function;
// and what recording a placement costs the database (its room re-checked under the backend's lock) on
// SQLite, with none and with 2,000 placements on the pool not yet counted by a report (a burst's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../src/db/database.js';
import { reservePlacement } from '../src/scheduler/capacity-reservation.js';
import type { Placement } from '../src/scheduler/scheduler.js';
import { FilterScheduler } from '../src/scheduler/filter-scheduler.js';
import { ManualClock, pool, report, request } from '../test/support/scheduler-fixtures.js';

const BACKENDS = 100;
const POOLS_PER_BACKEND = 100;

export async function run(report_: (name: string, value: number) => void): Promise<void> {
  const clock = new ManualClock();
  const scheduler = new FilterScheduler({ clock, weighers: ['CapacityWeigher', 'GoodnessWeigher', 'VolumeNumberWeigher'] });
  const now = clock.now();
  // One backend's report; `round` moves its free capacity, as successive reports of a live backend do.
  const backendReport = (b: number, round = 0, fullPool = -1) => {
    const pools = [];
    for (let p = 0; p < POOLS_PER_BACKEND; p++) {
      pools.push(
        pool(`pool${p}`, {
          total: 10_000,
          free: p === fullPool ? 500 : 2_000 + ((b * 37 + p * 101 + round * 13) % 8_000),
          thinProvisioningSupport: p % 2 === 0,
          reservedPercentage: 5,
          totalVolumes: (b + p) % 50,
          capabilities: { speed: (b + p) % 5, tier: p % 3 === 0 ? 'gold' : 'silver', compression: p % 2 === 0 },
          filterFunction: 'capabilities.free_capacity_gb >= volume.size * 2 and capabilities.total_volumes < 1000',
          goodnessFunction: 'min(100, capabilities.free_capacity_gb / 100 + capabilities.speed * 5)',
        }),
      );
    }
    return report(`backend${b}`, pools);
  };
  for (let b = 0; b < BACKENDS; b++) scheduler.updateBackend(`host${b}@backend${b}`, `backend${b}`, 'nova', backendReport(b), now);
  const specs = { 'capabilities:speed': '>= 1', compression: '<is> True', 'qos:maxIOPS': '1000' };
  const place = () => scheduler.place(request(1 + (Math.random() * 10) | 0, { extraSpecs: specs }));

  for (let i = 0; i < 400; i++) place(); // warm up: on a busy machine the optimising compiler needs a while
  const n = 1000;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) place();
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  const cpu = process.cpuUsage(cpu0);
  // CPU time too: on a loaded 2-core machine wall time also counts time spent waiting for a core.
  report_('scheduler.place_10000_pools.cpu_us_per_volume', Math.round(((cpu.user + cpu.system) / n) * 10) / 10);
  report_('scheduler.place_10000_pools.us_per_volume', Math.round(us * 10) / 10);

  // What reading one complete explanation costs (the CLI's `schedule explain`).
  const t0 = process.hrtime.bigint();
  const e = scheduler.explain(request(5, { extraSpecs: specs }));
  if (e.pools.length !== BACKENDS * POOLS_PER_BACKEND) throw new Error('incomplete explanation');
  report_('scheduler.explain_10000_pools.ms', Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100);

  // Cold: the first placement right after one backend's stats report replaced the cached pool
  // view (100 of the 10,000 pools), and what taking in that report cost. Reports are built
  // beforehand: building one is the volume manager's work, not the scheduler's.
  const rounds = 200;
  const reports = Array.from({ length: rounds }, (_, r) => backendReport(r % BACKENDS, 1 + r));
  const ingest: number[] = [];
  const cold: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const b = r % BACKENDS;
    const s0 = process.hrtime.bigint();
    scheduler.updateBackend(`host${b}@backend${b}`, `backend${b}`, 'nova', reports[r]!, clock.now());
    const s1 = process.hrtime.bigint();
    place();
    cold.push(Number(process.hrtime.bigint() - s1) / 1000);
    ingest.push(Number(s1 - s0) / 1000);
  }
  report_('scheduler.place_10000_pools_cold.us', p50(cold));
  report_('scheduler.stats_report_100_of_10000_pools.us', p50(ingest));

  // Warm again with one pool full (free = its 5% reserve): no size fits every pool any more, so
  // CapacityFilter compares the size with every pool's room instead of being skipped.
  scheduler.updateBackend('host0@backend0', 'backend0', 'nova', backendReport(0, 0, 7), clock.now());
  for (let i = 0; i < 400; i++) place();
  const cpu1 = process.cpuUsage();
  const start1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) place();
  const us1 = Number(process.hrtime.bigint() - start1) / 1000 / n;
  const cpuFull = process.cpuUsage(cpu1);
  report_('scheduler.place_10000_pools_one_full.cpu_us_per_volume', Math.round(((cpuFull.user + cpuFull.system) / n) * 10) / 10);
  report_('scheduler.place_10000_pools_one_full.us_per_volume', Math.round(us1 * 10) / 10);
  await reservations(report_);
}

/** CPU per reservePlacement (its own transaction) on a 20-pool backend, with `unreported` placements already on the pool. */
async function reservations(report_: (name: string, value: number) => void): Promise<void> {
  for (const unreported of [0, 2000]) {
    const dir = mkdtempSync(join(tmpdir(), 'flint-bench-reserve-'));
    const db = await openDatabase({ url: join(dir, 'flint.sqlite') });
    try {
      const backendHost = 'host@bench';
      const stats = report('bench', Array.from({ length: 20 }, (_, p) => pool(`pool${p}`, { total: 10_000_000, capabilities: { speed: p % 5 } })));
      await db.kysely.insertInto('backendStats').values({ backendHost, backendName: 'bench', availabilityZone: 'nova', stats: JSON.stringify(stats), problems: '[]', updatedAt: new Date().toISOString() }).execute();
      const placement = { backendHost, backendName: 'bench', poolName: 'pool7', poolHost: `${backendHost}#pool7` } as Placement;
      for (let i = 0; i < unreported; i += 500) {
        await db.kysely.insertInto('capacityReservations').values(Array.from({ length: 500 }, () => {
          const id = randomUUID();
          return { id, reason: 'placement' as const, resourceId: id, resourceKind: 'volume' as const, backendHost, poolHost: placement.poolHost, sizeGib: 1, createdAt: new Date().toISOString() };
        })).execute();
      }
      // Each placement is rolled back, so every one finds the same `unreported` on the pool.
      const rollback = new Error('rollback');
      const place = () => db.kysely.transaction().execute(async (tx) => {
        await reservePlacement(tx, { kind: 'volume', resourceId: randomUUID(), placement, sizeGiB: 1, thick: true });
        throw rollback;
      }).catch((e: unknown) => { if (e !== rollback) throw e; });
      for (let i = 0; i < 500; i++) await place();
      const n = 500;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await place();
      const cpu = process.cpuUsage(cpu0);
      report_(`scheduler.reserve_placement_${unreported}_unreported.cpu_us`, Math.round((cpu.user + cpu.system) / n));
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
