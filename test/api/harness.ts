// Builds the API over an in-memory database and the stub (or real) volume operations, for route tests.
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../src/api/app.js';
import type { ApiDeps, AuthConfig } from '../../src/api/deps.js';
import { dropSchema, openDatabase, type Db } from '../../src/db/database.js';
import { QuotaEngine } from '../../src/quota/quota-engine.js';
import type { VolumeOperations } from '../../src/volume/operations.js';
import { StubVolumes } from './stub-volumes.js';

export interface Harness {
  app: FastifyInstance;
  db: Db;
  volumes: VolumeOperations;
  quotas: QuotaEngine;
  close(): Promise<void>;
}

export const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function makeHarness(opts: { auth?: AuthConfig; extra?: Partial<ApiDeps>; db?: 'sqlite' | 'postgres' } = {}): Promise<Harness> {
  const schema = opts.db === 'postgres' ? `flint_api_${process.pid}_${Date.now().toString(36)}` : undefined;
  const db = schema ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
  const quotas = new QuotaEngine(db);
  const volumes = new StubVolumes(db, quotas);
  const app = buildApiApp({ db, volumes, quotas, auth: opts.auth ?? { strategy: 'noauth' }, defaultAvailabilityZone: 'nova', ...opts.extra });
  await app.ready();
  return { app, db, volumes, quotas, close: async () => {
    await app.close();
    await db.close();
    if (schema) await dropSchema(PG_URL, schema);
  } };
}

export const MV = (v: string) => ({ 'openstack-api-version': `volume ${v}` });
