// Flint's Prometheus instruments, one registry per process (prom-client: the client library
// the Prometheus ecosystem maintains for Node, with text-format exposition built in).
// Every layer records into the instruments defined here, so the names live in one place and
// follow Prometheus conventions: `flint_` prefix, base units (seconds, bytes), `_total` counters.
// Values read from the database at scrape time (queue depth, pool capacity) are gauges whose
// collector the service registers with `onScrape`, so a scrape always sees current numbers.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'flint_process_' });

/** Latency buckets for API calls and driver calls: 1 ms … 30 s. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Task and step buckets reach further: a copy can take minutes. */
const SLOW_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

const registers = [metricsRegistry];

export const httpRequests = new Counter({
  name: 'flint_http_requests_total', help: 'HTTP requests answered, by route template, method and status code.',
  labelNames: ['route', 'method', 'status'] as const, registers,
});
export const httpRequestDuration = new Histogram({
  name: 'flint_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route template and method.',
  labelNames: ['route', 'method'] as const, buckets: FAST_BUCKETS, registers,
});

export const tasksFinished = new Counter({
  name: 'flint_tasks_total', help: 'Tasks run to an end by this process, by kind and outcome (done, failed, retried, lost: its claim passed to another).',
  labelNames: ['kind', 'outcome'] as const, registers,
});
export const taskDuration = new Histogram({
  name: 'flint_task_duration_seconds', help: 'Time a task ran in a worker, by kind and outcome.',
  labelNames: ['kind', 'outcome'] as const, buckets: SLOW_BUCKETS, registers,
});
export const tasksByState = new Gauge({
  name: 'flint_tasks', help: 'Tasks in the database by queue and state (pending, running), read at scrape time.',
  labelNames: ['queue', 'state'] as const, registers,
});
export const oldestPendingTaskAge = new Gauge({
  name: 'flint_task_oldest_pending_age_seconds', help: 'Age of the oldest pending task, by queue (0 when none waits).',
  labelNames: ['queue'] as const, registers,
});
export const flowStepDuration = new Histogram({
  name: 'flint_flow_step_duration_seconds', help: 'Time one flow step took, by step name and outcome.',
  labelNames: ['step', 'outcome'] as const, buckets: SLOW_BUCKETS, registers,
});
export const flowStepFailures = new Counter({
  name: 'flint_flow_step_failures_total', help: 'Flow steps that failed (and made their flow revert), by step name.',
  labelNames: ['step'] as const, registers,
});

export const driverCalls = new Counter({
  name: 'flint_driver_calls_total', help: 'Driver calls, by backend, operation and outcome (ok, error).',
  labelNames: ['backend', 'operation', 'outcome'] as const, registers,
});
export const driverCallDuration = new Histogram({
  name: 'flint_driver_call_duration_seconds', help: 'Time a driver call took, by backend and operation.',
  labelNames: ['backend', 'operation'] as const, buckets: FAST_BUCKETS, registers,
});

export const poolCapacityBytes = new Gauge({
  name: 'flint_pool_capacity_bytes',
  help: 'Pool capacity from the latest stats report, by backend, pool and kind (total, free, provisioned, allocated).',
  labelNames: ['backend', 'pool', 'kind'] as const, registers,
});

export const schedulerPlacements = new Counter({
  name: 'flint_scheduler_placements_total', help: 'Placement decisions, by outcome (placed, refused).',
  labelNames: ['outcome'] as const, registers,
});
export const schedulerRefusals = new Counter({
  name: 'flint_scheduler_filter_refusals_total', help: 'Pools a scheduler filter refused while placing, by filter.',
  labelNames: ['filter'] as const, registers,
});
export const schedulerPlacementDuration = new Histogram({
  name: 'flint_scheduler_placement_duration_seconds', help: 'Time one placement decision took.',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1], registers,
});

export const keystoneTokenCache = new Counter({
  name: 'flint_keystone_token_cache_total', help: 'Keystone token validations, by result (hit: answered from cache; miss: asked Keystone).',
  labelNames: ['result'] as const, registers,
});

export const daemonRestarts = new Counter({
  name: 'flint_daemon_restarts_total', help: 'Times a supervised daemon (tgtd, ganesha…) was found dead and started again.',
  labelNames: ['daemon'] as const, registers,
});

type ScrapeHook = () => Promise<void>;
const scrapeHooks = new Set<ScrapeHook>();

/** Run `hook` before each scrape (to refresh gauges read from the database); returns an unregister function. */
export function onScrape(hook: ScrapeHook): () => void {
  scrapeHooks.add(hook);
  return () => scrapeHooks.delete(hook);
}

/** The exposition text; a failing hook leaves its gauges at their last values and is logged by the caller. */
export async function scrapeMetrics(): Promise<{ contentType: string; body: string; errors: unknown[] }> {
  const results = await Promise.allSettled([...scrapeHooks].map((h) => h()));
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics(), errors };
}

/** Time an async call into a histogram and an outcome counter. */
export async function timed<T>(
  record: (seconds: number, outcome: 'ok' | 'error') => void, fn: () => Promise<T>,
): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    const v = await fn();
    record(Number(process.hrtime.bigint() - start) / 1e9, 'ok');
    return v;
  } catch (e) {
    record(Number(process.hrtime.bigint() - start) / 1e9, 'error');
    throw e;
  }
}
