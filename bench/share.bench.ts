// Share service benchmark over HTTP against a Flint child process with the fake share driver:
// 50 shares created with 10 requests in flight, timed until every one is available.
import { performance } from 'node:perf_hooks';
import { pool, startChildService } from './service.bench.js';

const N = 50;

async function v2(base: string, project: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${base}/v2/${project}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-openstack-manila-api-version': '2.73' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const svc = await startChildService({
    backends: { benchnas: { share_driver: 'fake', fake_share_capacity_gib: 100000 } },
    defaults: { default_share_type: 'bench', quota_shares: -1, quota_share_gigabytes: -1 },
  });
  const project = 'share-bench';
  try {
    const t = await v2(svc.base, project, 'POST', '/types', { share_type: { name: 'bench', extra_specs: { driver_handles_share_servers: 'False' } } });
    if (t.status !== 200) throw new Error(`type create: ${t.status} ${JSON.stringify(t.json)}`);
    const t0 = performance.now();
    const ids = await pool(N, 10, async (i) => {
      const r = await v2(svc.base, project, 'POST', '/shares', { share: { size: 1, share_proto: 'NFS', name: `b${i}` } });
      if (r.status !== 200) throw new Error(`share create: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json.share.id as string;
    });
    // Read from the child's database, so the wait does not load the API it measures.
    const stmt = svc.db.prepare(`SELECT count(*) AS n FROM shares WHERE status = 'available' AND id IN (${ids.map(() => '?').join(',')})`);
    const errors = svc.db.prepare(`SELECT count(*) AS n FROM shares WHERE status LIKE '%error%'`);
    for (;;) {
      if ((stmt.get(...ids) as { n: number }).n === N) break;
      if ((errors.get() as { n: number }).n > 0) throw new Error('a benchmark share went to error');
      if (performance.now() - t0 > 120_000) throw new Error('shares not available within 120 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    report('share.create_50_available.seconds', (performance.now() - t0) / 1000);
  } finally {
    await svc.stop();
  }
}
