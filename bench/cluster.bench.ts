// Cluster mode on PostgreSQL, every role in its own process (test/support/cluster-deployment.ts),
// each run on a private schema. Two measures:
// - cluster.burst_2000.seconds: 2000 creates of 1 GiB through 2 API processes, 2 schedulers and
//   4 managers whose thick pools hold 1600; timed until every volume has ended. Also prints
//   cluster.placed (volumes available, must be 1600) and cluster.overcommits (pools holding more
//   than their capacity, must be 0).
// - cluster.creates_per_second.apiN: creates that all fit, sent through N of 4 API processes
//   (2 schedulers, 4 managers), per second from the first POST until every one is available.
import { apiCall } from '../test/support/http.js';
import { ClusterDeployment } from '../test/support/cluster-deployment.js';
import { waitUntil } from '../test/support/test-service.js';

const MANAGERS = ['bca', 'bcb', 'bcc', 'bcd'];
/** Requests in flight at once, over all APIs (keeps the client from being the bottleneck's cause). */
const IN_FLIGHT = 64;

async function fire(cluster: ClusterDeployment, apis: number, project: string, count: number, sizeGiB: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = next++; i < count; i = next++) {
      const r = await apiCall(cluster.apiUrls[i % apis]!, project, 'POST', '/volumes', { volume: { size: sizeGiB, name: `${project}-${i}` } });
      if (r.status !== 202) throw new Error(`create refused (${r.status}): ${JSON.stringify(r.json)}`);
      ids.push(r.json.volume.id as string);
    }
  }));
  return ids;
}

async function ended(cluster: ClusterDeployment, project: string, count: number, statuses: string[], timeoutMs: number): Promise<void> {
  await waitUntil(async () => {
    const r = await cluster.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('projectId', '=', project).where('status', 'in', statuses).executeTakeFirstOrThrow();
    return Number(r.n) === count ? true : undefined;
  }, timeoutMs, 250);
}

async function burst(report: (name: string, value: number) => void): Promise<void> {
  const capacity = 400;
  const cluster = await ClusterDeployment.start({
    schema: `flint_bench_burst_${process.pid}`, apis: 2, schedulers: 2, backends: Object.fromEntries(MANAGERS.map((m) => [m, capacity])),
  });
  try {
    const t0 = process.hrtime.bigint();
    await fire(cluster, 2, 'burst', 2000, 1);
    await ended(cluster, 'burst', 2000, ['available', 'error'], 900_000);
    report('cluster.burst_2000.seconds', Math.round(Number(process.hrtime.bigint() - t0) / 1e6) / 1000);
    const placed = await cluster.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('projectId', '=', 'burst').where('status', '=', 'available').executeTakeFirstOrThrow();
    report('cluster.placed', Number(placed.n));
    const over = MANAGERS.filter((m) => cluster.backendVolumes(m).reduce((s, v) => s + v.size, 0) > capacity).length;
    report('cluster.overcommits', over);
  } finally {
    await cluster.stop();
  }
}

async function rates(report: (name: string, value: number) => void): Promise<void> {
  const cluster = await ClusterDeployment.start({
    schema: `flint_bench_rate_${process.pid}`, apis: 4, schedulers: 2, backends: Object.fromEntries(MANAGERS.map((m) => [m, 100_000])),
  });
  try {
    for (const apis of [1, 2, 4]) {
      const project = `rate${apis}`;
      const count = 400;
      const t0 = process.hrtime.bigint();
      await fire(cluster, apis, project, count, 1);
      await ended(cluster, project, count, ['available'], 600_000);
      report(`cluster.creates_per_second.api${apis}`, Math.round((count / (Number(process.hrtime.bigint() - t0) / 1e9)) * 10) / 10);
    }
  } finally {
    await cluster.stop();
  }
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  await burst(report);
  await rates(report);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
