// The operator's dashboard, served by Flint itself: the page, its bundle (built by
// scripts/build-dashboard.mjs into dist/), what auth it should use, and Keystone login.
// The page then talks to the Block Storage API like any client, with the user's token.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../util/project-root.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { FlintError, InvalidInput } from '../../errors/errors.js';
import { keystonePasswordLogin } from '../auth/keystone-login.js';

const ROOT = projectRoot(import.meta.url);
const PAGE = join(ROOT, 'web/dashboard/index.html');
const BUNDLE = join(ROOT, 'dist/dashboard/app.js');
/** Only this origin's script and the page's own inline styles. */
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/** A missing asset: the install step did not run, not a Flint bug. */
class DashboardNotBuilt extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'dashboard_not_built';
  override readonly httpStatus = 503;
}

const Name = Type.String({ minLength: 1, maxLength: 255 });
const LoginBody = Type.Object({ username: Name, password: Type.String({ minLength: 1, maxLength: 4096 }), project: Name, domain: Name }, { additionalProperties: false });

async function asset(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new DashboardNotBuilt('The dashboard is not built on this machine: run `make deps` (scripts/build-dashboard.mjs).');
  }
}

export function dashboardRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const config = { public: true };
  const page = async (_req: unknown, reply: { header(k: string, v: string): unknown; type(t: string): unknown }) => {
    reply.header('content-security-policy', CSP);
    reply.type('text/html; charset=utf-8');
    return asset(PAGE);
  };
  app.get('/dashboard', { config }, page);
  app.get('/dashboard/', { config }, page);
  app.get('/dashboard/app.js', { config }, async (_req, reply) => {
    reply.type('text/javascript; charset=utf-8');
    return asset(BUNDLE);
  });
  app.get('/dashboard/config', { config }, async () => ({ auth: deps.auth.strategy }));
  app.post('/dashboard/login', { config, schema: { body: LoginBody } }, async (req) => {
    if (deps.auth.strategy !== 'keystone') throw new InvalidInput('This Flint runs without Keystone (auth_strategy = noauth): the dashboard needs no login.');
    const r = await keystonePasswordLogin(deps.auth.keystoneUrl, req.body);
    return { token: r.token, project_id: r.projectId, expires_at: r.expiresAt };
  });
}
