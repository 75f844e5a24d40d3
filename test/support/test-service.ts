// Starts a whole Flint in-process for a test: an INI written to a temp dir, the chosen
// database (SQLite file or an isolated PostgreSQL schema), the API on a free port.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'ini';
import { dropSchema } from '../../src/db/database.js';
import { loadConfig } from '../../src/config/flint-config.js';
import { driverCatalog } from '../../src/drivers/registry.js';
import { startService, type RunningService, type Role } from '../../src/service/flint-service.js';
import type { RequestContext } from '../../src/volume/operations.js';
import type { Logger } from '../../src/util/logger.js';

export const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export type DbKind = 'sqlite' | 'postgres';
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];

export interface TestServiceOptions {
  db?: DbKind;
  defaults?: Record<string, string | number | boolean>;
  backends?: Record<string, Record<string, string | number | boolean>>;
  roles?: Role[];
  /** Reuse a state dir (restart tests). */
  dir?: string;
  schema?: string;
  /** Where the service logs (default: the root logger, silent under the test runner). */
  logger?: Logger;
}

export interface TestService extends RunningService {
  dir: string;
  schema: string | undefined;
  /** Stop the service and remove what the test created. */
  cleanup(): Promise<void>;
}

export function writeConfig(dir: string, o: TestServiceOptions): string {
  const backends = o.backends ?? { fake: { volume_driver: 'fake' } };
  const doc: Record<string, unknown> = {
    DEFAULT: {
      enabled_backends: Object.keys(backends).join(','),
      state_path: join(dir, 'var'),
      osapi_volume_listen_port: 0,
      report_interval: 60,
      quota_volumes: -1, quota_gigabytes: -1, quota_snapshots: -1,
      ...(o.db === 'postgres' ? { database_connection: PG_URL } : {}),
      ...o.defaults,
    },
    ...backends,
  };
  const file = join(dir, 'flint.conf');
  writeFileSync(file, stringify(doc));
  return file;
}

export async function startTestService(o: TestServiceOptions = {}): Promise<TestService> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'flint-test-'));
  const schema = o.db === 'postgres' ? (o.schema ?? `flint_t_${process.pid}_${Date.now().toString(36)}`) : undefined;
  const file = writeConfig(dir, o);
  const svc = await startService({ config: loadConfig(file, {}, driverCatalog), roles: o.roles, listen: '127.0.0.1:0', databaseSchema: schema, logger: o.logger });
  return Object.assign(svc, {
    dir,
    schema,
    async cleanup() {
      await svc.close();
      if (schema) await dropSchema(PG_URL, schema);
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  });
}

export const adminCtx: RequestContext = { projectId: 'p-admin', userId: 'u-admin', isAdmin: true, roles: ['admin'], requestId: 'req-test' };
export const userCtx = (projectId: string): RequestContext => ({ projectId, userId: `u-${projectId}`, isAdmin: false, roles: ['member'], requestId: 'req-test' });

/** Poll until `check` returns a value (not undefined) or time runs out; returns the last value. */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export async function waitForVolumeStatus(svc: RunningService, id: string, statuses: string[], timeoutMs = 15_000): Promise<string> {
  return waitUntil(async () => {
    const r = await svc.db.kysely.selectFrom('volumes').select('status').where('id', '=', id).executeTakeFirst();
    const s = r?.status ?? 'deleted';
    return statuses.includes(s) ? s : undefined;
  }, timeoutMs);
}

export async function waitForSnapshotStatus(svc: RunningService, id: string, statuses: string[], timeoutMs = 15_000): Promise<string> {
  return waitUntil(async () => {
    const r = await svc.db.kysely.selectFrom('snapshots').select('status').where('id', '=', id).executeTakeFirst();
    const s = r?.status ?? 'deleted';
    return statuses.includes(s) ? s : undefined;
  }, timeoutMs);
}
