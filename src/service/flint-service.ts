// Composes Flint's roles in one process: the API, the scheduler, and one volume manager
// per enabled backend (all of them by default, or those `--role` names).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from '../db/database.js';
import { loadConfig, type BackendConfig, type FlintConfig } from '../config/flint-config.js';
import { driverCatalog, driverRegistration } from '../drivers/registry.js';
import '../drivers/index.js';
import { ShellExecutor } from '../exec/executor.js';
import { ConfigError } from '../errors/errors.js';
import { QuotaEngine, type QuotaDefaults } from '../quota/quota-engine.js';
import { TaskQueue } from '../tasks/task-queue.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { VolumeApi } from '../volume/volume-api.js';
import { VolumeManager } from '../volume/volume-manager.js';
import { SchedulerRole } from './scheduler-role.js';
import { scheduleVolumeHandler } from '../volume/flows/schedule-volume.js';
import { createScheduler } from './create-scheduler.js';
import { buildApiApp } from '../api/app.js';
import type { AuthConfig } from '../api/deps.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { heartbeat } from '../db/repos/services.js';
import { checkRoles, configuredRoles, idleRoleReason, type Role } from './roles.js';
import { ImageStore } from '../volume/image-store.js';
import { manageableVolumesLister } from '../volume/manageable-volumes.js';

export type { Role } from './roles.js';

export interface ServiceOptions {
  configFile?: string | null;
  /** Preloaded configuration (tests); wins over configFile. */
  config?: FlintConfig;
  roles?: Role[];
  /** `addr:port` for the API; overrides the config. Port 0 picks a free one. */
  listen?: string;
  allowInsecureNoauth?: boolean;
  /** PostgreSQL schema (test isolation). */
  databaseSchema?: string;
  logger?: Logger;
}

export interface RunningService {
  config: FlintConfig;
  db: Db;
  tasks: TaskQueue;
  api: VolumeApi;
  quotas: QuotaEngine;
  app: FastifyInstance | null;
  url: string | null;
  managers: Map<string, VolumeManager>;
  scheduler: Scheduler | null;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function quotaDefaults(cfg: FlintConfig): QuotaDefaults {
  const d = cfg.defaults;
  return {
    volumes: d.quota_volumes as number, gigabytes: d.quota_gigabytes as number, snapshots: d.quota_snapshots as number,
    backups: d.quota_backups as number, backup_gigabytes: d.quota_backup_gigabytes as number, groups: d.quota_groups as number,
    per_volume_gigabytes: d.per_volume_size_limit as number,
  };
}

function authConfig(cfg: FlintConfig): AuthConfig {
  const d = cfg.defaults;
  if (d.auth_strategy === 'noauth') return { strategy: 'noauth' };
  if (!d.keystone_url) throw new ConfigError('Option keystone_url in section [DEFAULT] is required when auth_strategy = keystone.');
  return {
    strategy: 'keystone',
    keystoneUrl: String(d.keystone_url),
    tokenCacheSeconds: d.keystone_token_cache_time as number,
    serviceToken: (d.keystone_service_token as string | null) ?? undefined,
    serviceCredentials: d.keystone_username
      ? { username: String(d.keystone_username), password: String(d.keystone_password ?? ''), projectName: String(d.keystone_project) }
      : undefined,
  };
}

async function buildManager(
  cfg: FlintConfig, b: BackendConfig, db: Db, tasks: TaskQueue, quotas: QuotaEngine, log: Logger, schedulerRole: SchedulerRole | null,
): Promise<VolumeManager> {
  const reg = driverRegistration(b.driver, b.section, b.kind);
  const factory = await reg.load();
  const backendHost = `${cfg.host}@${b.section}`;
  const stateDir = join(cfg.statePath, 'backends', b.section);
  mkdirSync(stateDir, { recursive: true });
  const driverLog = log.child({ backend: backendHost });
  const driver = factory({
    backendName: b.section, host: backendHost, options: b.options, logger: driverLog, stateDir,
    executor: new ShellExecutor({ tries: b.options.num_shell_tries as number, logger: driverLog }),
  });
  const az = (b.options.backend_availability_zone as string | null) ?? String(cfg.defaults.storage_availability_zone);
  const name = (b.options.volume_backend_name as string | null) ?? b.section;
  return new VolumeManager({
    db, tasks, quotas, driver, backendHost, backendName: name, availabilityZone: az, logger: driverLog,
    templates: { volume: String(b.options.volume_name_template), snapshot: String(b.options.snapshot_name_template) },
    statsIntervalMs: (cfg.defaults.report_interval as number) * 1000,
    concurrency: cfg.defaults.manager_concurrency as number,
    leaseMs: (cfg.defaults.task_lease_seconds as number) * 1000,
    schedulerMaxAttempts: cfg.defaults.scheduler_max_attempts as number,
    filterFunction: b.options.filter_function as string | null,
    goodnessFunction: b.options.goodness_function as string | null,
    onStats: schedulerRole ? (stats, _problems, landed, sampledAt) => schedulerRole.onStats(backendHost, name, az, stats, sampledAt, landed) : undefined,
    onCapacityChange: schedulerRole ? (poolHost, delta, volumeId) => schedulerRole.onCapacityChange(poolHost, delta, volumeId) : undefined,
  });
}

/** GET /manageable_volumes from any process (the backend's manager answers through the task queue). */
export { manageableVolumesLister };

export async function startService(opts: ServiceOptions = {}): Promise<RunningService> {
  const cfg = opts.config ?? loadConfig(opts.configFile ?? null, process.env, driverCatalog);
  const log = opts.logger ?? rootLogger;
  const roles = opts.roles ?? configuredRoles(cfg);
  checkRoles(roles, cfg);
  const idle = roles.map(idleRoleReason).filter((r): r is string => r !== null);
  if (idle.length === roles.length) throw new ConfigError(`Nothing to run: ${idle.join('; ')}.`);
  for (const reason of idle) log.warn(reason);
  const listen = opts.listen ?? `${cfg.defaults.osapi_volume_listen}:${cfg.defaults.osapi_volume_listen_port}`;
  const sep = listen.lastIndexOf(':');
  const [addr, port] = [listen.slice(0, sep).replace(/^\[|\]$/g, ''), Number(listen.slice(sep + 1))];
  if (roles.includes('api') && cfg.defaults.auth_strategy === 'noauth' && !LOOPBACK.test(addr) && !opts.allowInsecureNoauth) {
    throw new ConfigError(
      `Refusing to serve noauth on ${addr}: every caller would be admin. Listen on 127.0.0.1, set auth_strategy = keystone, or pass --allow-insecure-noauth.`,
    );
  }
  mkdirSync(cfg.statePath, { recursive: true });
  const db = await openDatabase({ url: cfg.databaseUrl, schema: opts.databaseSchema });
  const tasks = new TaskQueue(db);
  const quotas = new QuotaEngine(db, quotaDefaults(cfg));
  const scheduler = roles.includes('scheduler') ? createScheduler(cfg) : null;
  const owner = `${hostname()}:${process.pid}:scheduler:${Date.now()}`;
  const schedulerRole = scheduler
    ? new SchedulerRole({ db, tasks, quotas, scheduler, owner, logger: log, statsPollMs: 2000, leaseMs: (cfg.defaults.task_lease_seconds as number) * 1000,
      handlers: { schedule_volume: scheduleVolumeHandler },
    })
    : null;

  const managers = new Map<string, VolumeManager>();
  const started: Array<{ stop(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await db.close();
  };
  try {
    for (const b of cfg.backends) {
      if (b.kind !== 'volume' || !roles.includes(`volume@${b.section}`)) continue;
      const m = await buildManager(cfg, b, db, tasks, quotas, log, schedulerRole);
      await m.start();
      started.push(m);
      managers.set(b.section, m);
    }
    if (schedulerRole) {
      await schedulerRole.start();
      started.push(schedulerRole);
      await heartbeat(db, 'flint-scheduler', cfg.host, String(cfg.defaults.storage_availability_zone));
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  const defaultAz = (cfg.defaults.default_availability_zone as string | null) ?? String(cfg.defaults.storage_availability_zone);
  const images = new ImageStore((cfg.defaults.image_dir as string | null) ?? join(cfg.statePath, 'images'));
  const api = new VolumeApi(db, tasks, quotas, () => scheduler, {
    defaultAvailabilityZone: defaultAz,
    defaultVolumeType: cfg.defaults.default_volume_type as string | null,
    rpcTimeoutMs: (cfg.defaults.rpc_response_timeout as number) * 1000,
    maxVolumeSizeGiB: cfg.defaults.max_volume_size_gib as number,
    images,
  });

  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (roles.includes('api')) {
    app = buildApiApp({
      db, volumes: api, quotas, auth: authConfig(cfg), defaultAvailabilityZone: defaultAz, logger: log, images,
      maxImageUploadBytes: (cfg.defaults.image_upload_max_gib as number) > 0 ? (cfg.defaults.image_upload_max_gib as number) * 1024 ** 3 : undefined,
      serviceDownTime: cfg.defaults.service_down_time as number,
      listManageableVolumes: manageableVolumesLister(db, tasks, (cfg.defaults.rpc_response_timeout as number) * 1000),
    });
    try {
      url = await app.listen({ host: addr, port });
    } catch (e) {
      await closeAll();
      throw e;
    }
    await heartbeat(db, 'flint-api', cfg.host, defaultAz);
    log.info({ url, source: cfg.source, backends: cfg.backends.map((b) => b.section) }, 'Flint API listening');
  }

  return {
    config: cfg, db, tasks, api, quotas, app, url, managers, scheduler,
    async close() {
      if (app) await app.close();
      await closeAll();
    },
  };
}
