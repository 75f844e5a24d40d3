// Composes Flint's roles in one process: the API, the scheduler, and one volume or share
// manager per enabled backend (all of them by default, or those `--role` names).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newLeaseOwner } from '../tasks/lease-owner.js';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from '../db/database.js';
import { loadConfig, type FlintConfig } from '../config/flint-config.js';
import { buildSettings, type ApiSettings, type BackendSettings, type Settings } from '../config/settings.js';
import { driverCatalog, driverRegistration } from '../drivers/registry.js';
import '../drivers/index.js';
import { ShellExecutor } from '../exec/executor.js';
import { ConfigError } from '../errors/errors.js';
import { MANILA_QUOTA_DEFAULTS, QuotaEngine, SHARE_QUOTA_SCOPE } from '../quota/quota-engine.js';
import { TaskQueue } from '../tasks/task-queue.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { VolumeApi } from '../volume/volume-api.js';
import { VolumeManager } from '../volume/volume-manager.js';
import { SchedulerRole } from './scheduler-role.js';
import { scheduleVolumeHandler } from '../volume/flows/schedule-volume.js';
import { scheduleGroupHandler } from '../volume/flows/schedule-group.js';
import { createScheduler } from './create-scheduler.js';
import { BLOCK_STORAGE_API, buildApiApp } from '../api/app.js';
import { SHARED_FILE_SYSTEMS_API } from '../api/share-api-mount.js';
import { ShareApi } from '../share/share-api.js';
import { ShareManager } from '../share/share-manager.js';
import { DEFAULT_SHARE_TEMPLATES } from '../share/driver-objects.js';
import { scheduleShareHandler } from '../share/flows/schedule-share.js';
import type { AuthConfig } from '../api/deps.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { startHeartbeat } from '../db/repos/services.js';
import { checkRoles, configuredRoles, poolSizeFor, type Role } from './roles.js';
import { ImageStore } from '../volume/image-store.js';
import { manageableSnapshotsLister, manageableVolumesLister } from '../volume/manageable-volumes.js';
import { instrumentDriver } from '../drivers/instrumented.js';
import { buildOperatorApp } from '../api/operator-app.js';
import { checkReadiness, registerDatabaseGauges } from './operator-probes.js';
import { BackupApi } from '../backup/backup-api.js';
import { BackupManager } from '../backup/backup-manager.js';
import { createBackupDriver } from '../drivers/backup/index.js';
import { backupDriverOptions } from '../config/backup-options.js';

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
  backups: BackupApi;
  backupManager: BackupManager | null;
  scheduler: Scheduler | null;
  shares: ShareApi;
  shareQuotas: QuotaEngine;
  shareManagers: Map<string, ShareManager>;
  shareScheduler: Scheduler | null;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function authConfig(s: ApiSettings): AuthConfig {
  if (s.authStrategy === 'noauth') return { strategy: 'noauth' };
  const k = s.keystone;
  if (!k.url) throw new ConfigError('Option keystone_url in section [DEFAULT] is required when auth_strategy = keystone.');
  return {
    strategy: 'keystone',
    keystoneUrl: k.url,
    tokenCacheSeconds: k.tokenCacheSeconds,
    serviceToken: k.serviceToken ?? undefined,
    serviceCredentials: k.username
      ? { username: k.username, password: k.password ?? '', projectName: k.project }
      : undefined,
  };
}

/** What a backend's driver is built from: its section's settings, a state directory, a logger and the command runner. */
function driverContext(settings: Settings, b: BackendSettings, log: Logger) {
  const backendHost = `${settings.host}@${b.section}`;
  const stateDir = join(settings.statePath, 'backends', b.section);
  mkdirSync(stateDir, { recursive: true });
  const driverLog = log.child({ backend: backendHost });
  return {
    backendHost, driverLog,
    ctx: {
      backendName: b.section, host: backendHost, options: b.config.options, logger: driverLog, stateDir,
      executor: new ShellExecutor({ tries: b.numShellTries, logger: driverLog }),
    },
  };
}

async function buildManager(
  settings: Settings, b: BackendSettings, db: Db, tasks: TaskQueue, quotas: QuotaEngine, log: Logger, schedulerRole: SchedulerRole | null,
): Promise<VolumeManager> {
  const reg = driverRegistration(b.config.driver, b.section, 'volume');
  if (reg.kind === 'share') throw new ConfigError(`Driver ${reg.name} of section [${b.section}] is a share driver.`);
  const factory = await reg.load();
  const { backendHost, driverLog, ctx } = driverContext(settings, b, log);
  const driver = instrumentDriver(factory(ctx), b.section);
  const { backendName: name, availabilityZone: az } = b;
  return new VolumeManager({
    db, tasks, quotas, driver, backendHost, backendName: name, availabilityZone: az, logger: driverLog,
    templates: b.templates ?? { volume: '', snapshot: '' },
    ...settings.manager,
    filterFunction: b.filterFunction,
    goodnessFunction: b.goodnessFunction,
    // The manager settled the reservations its report counts; the role re-reads that backend.
    onStats: schedulerRole ? () => schedulerRole.onStats(backendHost) : undefined,
    onCapacityChange: schedulerRole ? (poolHost, delta) => schedulerRole.onCapacityChange(poolHost, delta) : undefined,
  });
}

/** The backup service: the driver [DEFAULT] backup_driver names, set up and checked here. */
async function buildBackupManager(cfg: FlintConfig, settings: Settings, db: Db, tasks: TaskQueue, quotas: QuotaEngine, log: Logger): Promise<BackupManager> {
  const stateDir = join(settings.statePath, 'backup-service');
  mkdirSync(stateDir, { recursive: true });
  const backupLog = log.child({ service: 'backup' });
  const driver = await createBackupDriver({ options: backupDriverOptions(cfg.defaults), logger: backupLog, stateDir: settings.statePath });
  return new BackupManager({
    db, tasks, quotas, driver, executor: new ShellExecutor({ tries: 1, logger: backupLog }), host: settings.host,
    availabilityZone: settings.api.defaultAvailabilityZone, runDir: join(stateDir, 'run'), logger: backupLog,
    concurrency: 4, leaseMs: settings.manager.leaseMs, heartbeatMs: 10_000, callTimeoutMs: Math.max(600_000, settings.api.rpcTimeoutMs),
  });
}

async function buildShareManager(
  settings: Settings, b: BackendSettings, db: Db, tasks: TaskQueue, quotas: QuotaEngine, log: Logger, schedulerRole: SchedulerRole | null,
): Promise<ShareManager> {
  const reg = driverRegistration(b.config.driver, b.section, 'share');
  if (reg.kind !== 'share') throw new ConfigError(`Driver ${reg.name} of section [${b.section}] is not a share driver.`);
  const factory = await reg.load();
  const { backendHost, driverLog, ctx } = driverContext(settings, b, log);
  return new ShareManager({
    db, tasks, quotas, driver: instrumentDriver(factory(ctx), b.section), backendHost, backendName: b.backendName, availabilityZone: b.availabilityZone, logger: driverLog,
    templates: DEFAULT_SHARE_TEMPLATES, ...settings.manager, filterFunction: b.filterFunction, goodnessFunction: b.goodnessFunction,
    // The role reads the row the manager just wrote, with the placements not yet landed on top.
    onStats: schedulerRole ? () => schedulerRole.onStats(backendHost) : undefined,
    onCapacityChange: schedulerRole ? (poolHost, delta) => schedulerRole.onCapacityChange(poolHost, delta, 'share') : undefined,
  });
}

/** GET /manageable_volumes from any process (the backend's manager answers through the task queue). */
export { manageableSnapshotsLister, manageableVolumesLister };

export async function startService(opts: ServiceOptions = {}): Promise<RunningService> {
  const cfg = opts.config ?? loadConfig(opts.configFile ?? null, process.env, driverCatalog);
  const log = opts.logger ?? rootLogger;
  const roles = opts.roles ?? configuredRoles(cfg);
  checkRoles(roles, cfg);
  const settings = buildSettings(cfg);
  const apiSettings = settings.api;
  const listen = opts.listen ?? `${apiSettings.listenAddress}:${apiSettings.listenPort}`;
  const sep = listen.lastIndexOf(':');
  const [addr, port] = [listen.slice(0, sep).replace(/^\[|\]$/g, ''), Number(listen.slice(sep + 1))];
  if (roles.includes('api') && apiSettings.authStrategy === 'noauth' && !LOOPBACK.test(addr) && !opts.allowInsecureNoauth) {
    throw new ConfigError(
      `Refusing to serve noauth on ${addr}: every caller would be admin. Listen on 127.0.0.1, set auth_strategy = keystone, or pass --allow-insecure-noauth.`,
    );
  }
  mkdirSync(cfg.statePath, { recursive: true });
  const db = await openDatabase({ url: cfg.databaseUrl, schema: opts.databaseSchema, maxConnections: settings.databaseMaxConnections ?? poolSizeFor(roles) });
  const tasks = new TaskQueue(db);
  // Hear other processes' wake-ups before taking or sending any work.
  await tasks.listening();
  const quotas = new QuotaEngine(db, settings.quotas);
  const shareQuotas = new QuotaEngine(db, { ...MANILA_QUOTA_DEFAULTS, ...settings.shareQuotas }, SHARE_QUOTA_SCOPE);
  const scheduler = roles.includes('scheduler') ? createScheduler(settings.scheduler) : null;
  // Shares are placed by the same engine, over the share backends only.
  const shareScheduler = roles.includes('scheduler') ? createScheduler(settings.scheduler) : null;
  const owner = newLeaseOwner('scheduler');
  const schedulerRole = scheduler
    ? new SchedulerRole({ db, tasks, quotas, scheduler, owner, logger: log, statsPollMs: 2000, leaseMs: settings.scheduler.leaseMs,
      handlers: { schedule_volume: scheduleVolumeHandler, schedule_group: scheduleGroupHandler },
      share: { scheduler: shareScheduler!, quotas: shareQuotas, handlers: { schedule_share: scheduleShareHandler } },
    })
    : null;

  const managers = new Map<string, VolumeManager>();
  let backupManager: BackupManager | null = null;
  const shareManagers = new Map<string, ShareManager>();
  const started: Array<{ stop(): Promise<void> }> = [];
  const unregisterGauges = registerDatabaseGauges(db);
  const closeAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    unregisterGauges();
    tasks.close();
    await db.close();
  };
  const readiness = () => checkReadiness({
    db,
    backendHosts: settings.backends.map((b) => `${settings.host}@${b.section}`),
    staleAfterSeconds: apiSettings.serviceDownTime,
  });
  try {
    for (const b of settings.backends) {
      if (b.config.kind !== 'volume' || !roles.includes(`volume@${b.section}`)) continue;
      const m = await buildManager(settings, b, db, tasks, quotas, log, schedulerRole);
      await m.start();
      started.push(m);
      managers.set(b.section, m);
    }
    for (const b of settings.backends) {
      if (b.config.kind !== 'share' || !roles.includes(`share@${b.section}`)) continue;
      const m = await buildShareManager(settings, b, db, tasks, shareQuotas, log, schedulerRole);
      await m.start();
      started.push(m);
      shareManagers.set(b.section, m);
    }
    if (roles.includes('backup')) {
      backupManager = await buildBackupManager(cfg, settings, db, tasks, quotas, log);
      await backupManager.start();
      started.push(backupManager);
    }
    if (schedulerRole) {
      await schedulerRole.start();
      started.push(schedulerRole);
      started.push(await startHeartbeat(db, 'flint-scheduler', cfg.host, settings.scheduler.availabilityZone, settings.manager.statsIntervalMs));
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  const defaultAz = apiSettings.defaultAvailabilityZone;
  const images = new ImageStore(apiSettings.imageDir ?? join(cfg.statePath, 'images'));
  const api = new VolumeApi(db, tasks, quotas, () => scheduler, {
    defaultAvailabilityZone: defaultAz,
    defaultVolumeType: apiSettings.defaultVolumeType,
    rpcTimeoutMs: apiSettings.rpcTimeoutMs,
    maxVolumeSizeGiB: apiSettings.maxVolumeSizeGiB,
    images,
  });

  const backups = new BackupApi(db, tasks, quotas, {
    driverName: String(cfg.defaults.backup_driver ?? 'posix'),
    serviceDownTimeSeconds: apiSettings.serviceDownTime,
    createRestoreVolume: async (ctx, req) => (await api.createVolume(ctx, { size: req.size, name: req.name, description: req.description, availabilityZone: req.availabilityZone })).id,
    volumeWaitMs: apiSettings.rpcTimeoutMs,
  });

  const shareApi = new ShareApi(db, tasks, shareQuotas, {
    defaultAvailabilityZone: defaultAz,
    defaultShareType: apiSettings.shares.defaultShareType,
    enabledProtocols: apiSettings.shares.enabledProtocols,
    maxShareSizeGiB: apiSettings.shares.maxShareSizeGiB,
  });

  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (roles.includes('api')) {
    app = buildApiApp({
      db, volumes: api, backups, quotas, shares: shareApi, shareQuotas, defaultShareType: apiSettings.shares.defaultShareType, auth: authConfig(apiSettings), defaultAvailabilityZone: defaultAz, logger: log, images,
      maxImageUploadBytes: apiSettings.maxImageUploadBytes,
      defaultGroupType: apiSettings.defaultGroupType,
      serviceDownTime: apiSettings.serviceDownTime,
      listManageableVolumes: manageableVolumesLister(db, tasks, apiSettings.rpcTimeoutMs),
      listManageableSnapshots: manageableSnapshotsLister(db, tasks, apiSettings.rpcTimeoutMs),
      readiness,
    }, [BLOCK_STORAGE_API, SHARED_FILE_SYSTEMS_API]);
    try {
      url = await app.listen({ host: addr, port });
    } catch (e) {
      await closeAll();
      throw e;
    }
    started.push(await startHeartbeat(db, 'flint-api', cfg.host, defaultAz, settings.manager.statsIntervalMs));
    log.info({ url, source: cfg.source, backends: cfg.backends.map((b) => b.section) }, 'Flint API listening');
  }

  // A process without the API still answers probes when asked to (cluster mode).
  let probes: FastifyInstance | null = null;
  if (!app && settings.metricsListen) {
    const at = settings.metricsListen.lastIndexOf(':');
    probes = buildOperatorApp({ readiness, logger: log });
    try {
      const probesUrl = await probes.listen({ host: settings.metricsListen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(settings.metricsListen.slice(at + 1)) });
      log.info({ url: probesUrl }, 'metrics and health probes listening');
    } catch (e) {
      await closeAll();
      throw e;
    }
  }

  return {
    config: cfg, db, tasks, api, quotas, app, url, managers, backups, backupManager, scheduler, shares: shareApi, shareQuotas, shareManagers, shareScheduler,
    async close() {
      if (app) await app.close();
      if (probes) await probes.close();
      await closeAll();
    },
  };
}
