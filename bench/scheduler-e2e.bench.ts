// The scheduler burst end to end: 500 creates fired at once over HTTP at a Flint child
// process with three thick fake backends that hold 300; timed until every volume has ended.
import { call, startChildService, until } from './service.bench.js';

const SIZE_GIB = 2;
const REQUESTS = 500;
// 100 + 120 + 80 = 300 volumes of 2 GiB fit, as in test/e2e/scheduler-burst.test.ts.
const CAPACITY = [200, 240, 160];
const FITS = CAPACITY.reduce((n, c) => n + c / SIZE_GIB, 0);

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const svc = await startChildService({
    defaults: { report_interval: 1 },
    backends: Object.fromEntries(CAPACITY.map((c, i) => [`burst${i}`, {
      volume_driver: 'fake', fake_thin_provisioning: false, fake_capacity_gib: c, fake_delay_ms: 5,
    }])),
  });
  try {
    const project = 'burst';
    const counts = () => svc.db.prepare(`select sum(status = 'available') as ok, sum(status = 'error') as err, count(*) as n
      from volumes where project_id = ?`).get(project) as { ok: number | null; err: number | null; n: number };
    const t0 = process.hrtime.bigint();
    const replies = await Promise.all(Array.from({ length: REQUESTS }, (_, i) =>
      call(svc.base, project, 'POST', '/volumes', { volume: { size: SIZE_GIB, name: `burst-${i}` } })));
    const accepted = process.hrtime.bigint();
    const refused = replies.filter((r) => r.status !== 202);
    if (refused.length > 0) throw new Error(`${refused.length} creates refused: ${JSON.stringify(refused[0]!.json)}`);
    await until(() => {
      const c = counts();
      return (c.ok ?? 0) + (c.err ?? 0) === REQUESTS;
    }, 120_000, 'burst');
    const end = process.hrtime.bigint();
    const c = counts();
    if (c.ok !== FITS) throw new Error(`${c.ok} volumes available, expected ${FITS}`);
    report('scheduler.burst_500.seconds', Math.round(Number(end - t0) / 1e6) / 1000);
    // How much of it is the API accepting the 500 requests.
    report('scheduler.burst_500.accept_seconds', Math.round(Number(accepted - t0) / 1e6) / 1000);
  } finally {
    await svc.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
