// Scheduler benchmark: one placement across 10,000 pools, each with a filter_function and goodness_function.
import { FilterScheduler } from '../src/scheduler/filter-scheduler.js';
import { ManualClock, pool, report, request } from '../test/support/scheduler-fixtures.js';

const BACKENDS = 100;
const POOLS_PER_BACKEND = 100;

export async function run(report_: (name: string, value: number) => void): Promise<void> {
  const clock = new ManualClock();
  const scheduler = new FilterScheduler({ clock, weighers: ['CapacityWeigher', 'GoodnessWeigher', 'VolumeNumberWeigher'] });
  const now = clock.now();
  for (let b = 0; b < BACKENDS; b++) {
    const pools = [];
    for (let p = 0; p < POOLS_PER_BACKEND; p++) {
      pools.push(
        pool(`pool${p}`, {
          total: 10_000,
          free: 2_000 + ((b * 37 + p * 101) % 8_000),
          thinProvisioningSupport: p % 2 === 0,
          reservedPercentage: 5,
          totalVolumes: (b + p) % 50,
          capabilities: { speed: (b + p) % 5, tier: p % 3 === 0 ? 'gold' : 'silver', compression: p % 2 === 0 },
          filterFunction: 'capabilities.free_capacity_gb >= volume.size * 2 and capabilities.total_volumes < 1000',
          goodnessFunction: 'min(100, capabilities.free_capacity_gb / 100 + capabilities.speed * 5)',
        }),
      );
    }
    scheduler.updateBackend(`host${b}@backend${b}`, `backend${b}`, 'nova', report(`backend${b}`, pools), now);
  }
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
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
