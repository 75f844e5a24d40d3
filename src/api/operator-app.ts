// The probes alone, for a process that runs no API role (a volume manager or scheduler in
// cluster mode) but should still be scraped and health-checked: `metrics_listen`.
import Fastify, { type FastifyInstance } from 'fastify';
import { operatorRoutes, type OperatorDeps } from './routes/operator.js';

export function buildOperatorApp(deps: OperatorDeps): FastifyInstance {
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  operatorRoutes(app, deps);
  return app;
}
