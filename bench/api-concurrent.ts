// Just the concurrent-create part of api.bench.ts, for profiling the request path: 10 creates in
// flight over real HTTP against the API role alone (`api`), Flint all-in-one (`all`) or the
// do-nothing floor server (`floor`), with the process's CPU time per request beside the p50
// (client and server share the process, as in api.bench.ts; the floor's CPU is the client's and
// HTTP's share). Run: node --import tsx bench/api-concurrent.ts [api|all|floor ...] [--requests N]
// Silent before the logger loads (as bench/run.ts does), hence the imports after it.
process.env.FLINT_LOG_LEVEL ??= 'silent';
const { startTestService } = await import('../test/support/test-service.js');
const { measureLoad, percentile, startFloorServer } = await import('./http-load.js');
type LoadOptions = import('./http-load.js').LoadOptions;
const args = process.argv.slice(2);
const requestsAt = args.indexOf('--requests');
const requests = requestsAt >= 0 ? Number(args[requestsAt + 1]) : 400;
const modes = args.filter((a, i) => !a.startsWith('--') && (requestsAt < 0 || i !== requestsAt + 1));
const load: LoadOptions = { concurrency: 10, requests, warmup: 50, status: 202 };
const create = (i: number) => ({ method: 'POST', path: '/v3/bench-c10/volumes', body: { volume: { size: 1, name: `c${i}` } } });
const backends = { fake: { volume_driver: 'fake', fake_capacity_gib: 10_000_000 } };

async function measure(mode: string, url: string): Promise<void> {
  await measureLoad(url, create, { ...load, requests: 0 });
  const cpu0 = process.cpuUsage();
  const samples = await measureLoad(url, create, { ...load, warmup: 0 });
  const cpu = process.cpuUsage(cpu0);
  const perRequest = (cpu.user + cpu.system) / samples.length;
  process.stdout.write(`${mode}.concurrent10.p50_ms: ${percentile(samples, 0.5).toFixed(3)}\n`);
  process.stdout.write(`${mode}.cpu_us_per_request: ${perRequest.toFixed(0)}\n`);
}

for (const mode of modes.length ? modes : ['api', 'floor']) {
  if (mode === 'floor') {
    const svc = await startTestService({ backends, roles: ['api'] });
    const sample = await svc.app!.inject({ method: 'POST', url: '/v3/bench-c10/volumes', payload: create(0).body });
    await svc.cleanup();
    const floor = await startFloorServer(202, sample.body);
    await measure(mode, floor.url);
    await new Promise((r) => floor.server.close(r));
  } else {
    const svc = await startTestService({ backends, ...(mode === 'api' ? { roles: ['api' as const] } : {}) });
    try {
      await measure(mode, svc.url!);
    } finally {
      await svc.cleanup();
    }
  }
}
