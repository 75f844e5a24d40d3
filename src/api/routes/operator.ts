// Probes for operators and their tools, outside the OpenStack APIs and without a token (serve
// them on loopback or behind the network's own policy): /healthz (the process answers),
// /readyz (ready to serve, or why not) and /metrics (Prometheus text format).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { scrapeMetrics } from '../../util/metrics.js';

export type OperatorDeps = Pick<ApiDeps, 'readiness' | 'logger'>;

export function operatorRoutes(app: FastifyInstance, deps: OperatorDeps): void {
  const config = { public: true };
  app.get('/healthz', { config }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config }, async (_req, reply) => {
    const r = deps.readiness ? await deps.readiness() : { ready: true, reasons: [] };
    reply.code(r.ready ? 200 : 503);
    return { status: r.ready ? 'ready' : 'not ready', reasons: r.reasons };
  });

  app.get('/metrics', { config }, async (_req, reply) => {
    const m = await scrapeMetrics();
    for (const e of m.errors) deps.logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'a metrics collector failed; its gauges keep their last values');
    reply.header('content-type', m.contentType);
    return m.body;
  });
}
