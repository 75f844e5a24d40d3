// Builds the API over the real services for route tests: VolumeApi, the scheduler and one
// volume manager on the fake driver, over SQLite or an isolated PostgreSQL schema.
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../src/api/app.js';
import type { ApiDeps, AuthConfig } from '../../src/api/deps.js';
import type { Db } from '../../src/db/database.js';
import type { VolumeRow } from '../../src/db/schema.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import type { QuotaEngine } from '../../src/quota/quota-engine.js';
import { manageableSnapshotsLister, manageableVolumesLister } from '../../src/service/flint-service.js';
import type { VolumeApi } from '../../src/volume/volume-api.js';
import { startTestService, waitUntil, type DbKind, type TestService } from '../support/test-service.js';

export { PG_URL } from '../support/test-service.js';

export interface Harness {
  app: FastifyInstance;
  db: Db;
  volumes: VolumeApi;
  quotas: QuotaEngine;
  svc: TestService;
  /** `host@section` of the one fake backend; volumes land in its pool `pool0`. */
  backendHost: string;
  /** The fake backend's store: what really exists on the "array". */
  store: FakeBackendStore;
  /** The volume's row, or undefined once it is gone. */
  row(id: string): Promise<VolumeRow | undefined>;
  /** Waits until the volume's status is one of `statuses` ('deleted' = the row is gone); returns it. */
  waitVolume(id: string, statuses: string[]): Promise<string>;
  waitSnapshot(id: string, statuses: string[]): Promise<string>;
  close(): Promise<void>;
}

let seq = 0;

export async function makeHarness(opts: {
  auth?: AuthConfig; extra?: Partial<ApiDeps>; db?: DbKind; imageDir?: string;
  /** More options of the fake backend (e.g. fake_delay_ms). */
  backend?: Record<string, string | number | boolean>;
} = {}): Promise<Harness> {
  // A section name per harness: the fake driver's store is per backend name and per process.
  const section = `fakeapi${process.pid}x${++seq}`;
  const svc = await startTestService({
    db: opts.db ?? 'sqlite',
    roles: ['scheduler', `volume@${section}`],
    // Cinder's default quotas, as a fresh deployment has them.
    defaults: { quota_volumes: 10, quota_gigabytes: 1000, quota_snapshots: 10, ...(opts.imageDir ? { image_dir: opts.imageDir } : {}) },
    backends: { [section]: { volume_driver: 'fake', volume_backend_name: 'fake', fake_capacity_gib: 1000, fake_protocol: 'iscsi', ...opts.backend } },
  });
  const app = buildApiApp({
    db: svc.db, volumes: svc.api, quotas: svc.quotas, auth: opts.auth ?? { strategy: 'noauth' }, defaultAvailabilityZone: 'nova',
    listManageableVolumes: manageableVolumesLister(svc.db, svc.tasks, 30_000),
    listManageableSnapshots: manageableSnapshotsLister(svc.db, svc.tasks, 30_000), ...opts.extra,
  });
  await app.ready();
  const row = (id: string) => svc.db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  const waitFor = (table: 'volumes' | 'snapshots') => (id: string, statuses: string[]) => waitUntil(async () => {
    const r = await svc.db.kysely.selectFrom(table).select('status').where('id', '=', id).executeTakeFirst();
    const s = r?.status ?? 'deleted';
    return statuses.includes(s) ? s : undefined;
  });
  return {
    app, db: svc.db, volumes: svc.api, quotas: svc.quotas, svc,
    backendHost: `${svc.config.host}@${section}`,
    store: FakeBackendStore.get(section),
    row, waitVolume: waitFor('volumes'), waitSnapshot: waitFor('snapshots'),
    close: async () => {
      await app.close();
      await svc.cleanup();
      FakeBackendStore.reset(section);
    },
  };
}

export const MV = (v: string) => ({ 'openstack-api-version': `volume ${v}` });
