// Typed settings, built once from a loaded configuration: one object per role (API,
// scheduler, volume managers) and one per backend, so the service composition hands each
// role what it needs instead of the [DEFAULT] bag. Every value is read through its option's
// declared type; asking for a number from a string option is a programming error caught
// when the settings are built, not a cast that lies.
import { ConfigError } from '../errors/errors.js';
import { BACKEND_OPTIONS } from './driver-options.js';
import { DEFAULT_OPTIONS, type BackendConfig, type FlintConfig } from './flint-config.js';
import type { OptionSpec, OptionType, OptionValues } from './options.js';

/** Reads values of one section, checking each against its spec's declared type. */
class TypedReader {
  private readonly specs: Map<string, OptionSpec>;
  constructor(private readonly values: OptionValues, specs: readonly OptionSpec[], private readonly section: string) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
  }

  private raw(name: string, types: readonly OptionType[]): OptionValue {
    const spec = this.specs.get(name);
    if (!spec || !types.includes(spec.type)) {
      throw new ConfigError(`Option ${name} of section [${this.section}] is not declared as ${types.join(' or ')}.`);
    }
    return this.values[name] ?? null;
  }

  number(name: string): number {
    const v = this.raw(name, ['int', 'float']);
    if (typeof v !== 'number') throw new ConfigError(`Option ${name} in section [${this.section}] has no value.`);
    return v;
  }

  /** A number option with no default; null when unset. */
  optionalNumber(name: string): number | null {
    const v = this.raw(name, ['int', 'float']);
    return typeof v === 'number' ? v : null;
  }

  /** A string option; null when unset (an empty value stays empty, as written). */
  string(name: string): string | null {
    const v = this.raw(name, ['string', 'enum']);
    return v === null ? null : String(v);
  }

  list(name: string): string[] {
    const v = this.raw(name, ['list']);
    return Array.isArray(v) ? [...v] : [];
  }
}

type OptionValue = OptionValues[string];

export interface KeystoneSettings {
  url: string | null;
  serviceToken: string | null;
  username: string | null;
  password: string | null;
  project: string;
  tokenCacheSeconds: number;
}

export interface ApiSettings {
  listenAddress: string;
  listenPort: number;
  authStrategy: 'noauth' | 'keystone';
  keystone: KeystoneSettings;
  /** Zone of volumes created without one (default_availability_zone, else storage_availability_zone). */
  defaultAvailabilityZone: string;
  defaultVolumeType: string | null;
  defaultGroupType: string | null;
  rpcTimeoutMs: number;
  maxVolumeSizeGiB: number;
  imageDir: string | null;
  /** Largest image upload in bytes; undefined for no limit. */
  maxImageUploadBytes: number | undefined;
  serviceDownTime: number;
  shares: ShareApiSettings;
}

/** What the share API checks a request against. */
export interface ShareApiSettings {
  defaultShareType: string | null;
  enabledProtocols: string[];
  maxShareSizeGiB: number;
}

export interface SchedulerSettings {
  filters: string[];
  weighers: string[];
  multipliers: {
    CapacityWeigher: number;
    AllocatedCapacityWeigher: number;
    GoodnessWeigher: number;
    VolumeNumberWeigher: number;
  };
  maxAttempts: number;
  serviceDownTime: number;
  leaseMs: number;
  /** Zone the scheduler's service row reports. */
  availabilityZone: string;
}

/** What every volume manager of this process shares. */
export interface ManagerSettings {
  statsIntervalMs: number;
  concurrency: number;
  leaseMs: number;
  schedulerMaxAttempts: number;
}

export interface BackendSettings {
  section: string;
  config: BackendConfig;
  /** volume_backend_name (share_backend_name), else the section name. */
  backendName: string;
  availabilityZone: string;
  numShellTries: number;
  filterFunction: string | null;
  goodnessFunction: string | null;
  /** Volume backends only: backend object name templates. */
  templates: { volume: string; snapshot: string } | null;
}

export interface QuotaSettings {
  volumes: number;
  gigabytes: number;
  snapshots: number;
  backups: number;
  backup_gigabytes: number;
  groups: number;
  per_volume_gigabytes: number;
}

export interface Settings {
  host: string;
  /** `addr:port` of the probes-only listener for processes without the api role; null for none. */
  metricsListen: string | null;
  statePath: string;
  storageAvailabilityZone: string;
  /** database_max_connections; null: sized from the process's roles. */
  databaseMaxConnections: number | null;
  api: ApiSettings;
  scheduler: SchedulerSettings;
  manager: ManagerSettings;
  quotas: QuotaSettings;
  /** Manila's defaults, by its resource names. */
  shareQuotas: Record<string, number>;
  backends: BackendSettings[];
}

function backendSettings(b: BackendConfig, storageAz: string): BackendSettings {
  const r = new TypedReader(b.options, BACKEND_OPTIONS[b.kind], b.section);
  const nameKey = b.kind === 'volume' ? 'volume_backend_name' : 'share_backend_name';
  return {
    section: b.section,
    config: b,
    backendName: r.string(nameKey) ?? b.section,
    availabilityZone: r.string('backend_availability_zone') ?? storageAz,
    numShellTries: r.number('num_shell_tries'),
    filterFunction: r.string('filter_function'),
    goodnessFunction: r.string('goodness_function'),
    templates: b.kind === 'volume'
      ? { volume: r.string('volume_name_template') ?? '', snapshot: r.string('snapshot_name_template') ?? '' }
      : null,
  };
}

export function buildSettings(cfg: FlintConfig): Settings {
  const d = new TypedReader(cfg.defaults, DEFAULT_OPTIONS, 'DEFAULT');
  const storageAz = d.string('storage_availability_zone') ?? '';
  const leaseMs = d.number('task_lease_seconds') * 1000;
  const serviceDownTime = d.number('service_down_time');
  const uploadGiB = d.number('image_upload_max_gib');
  return {
    host: cfg.host,
    metricsListen: d.string('metrics_listen'),
    statePath: cfg.statePath,
    storageAvailabilityZone: storageAz,
    databaseMaxConnections: d.optionalNumber('database_max_connections'),
    api: {
      listenAddress: d.string('osapi_volume_listen') ?? '',
      listenPort: d.number('osapi_volume_listen_port'),
      authStrategy: d.string('auth_strategy') === 'keystone' ? 'keystone' : 'noauth',
      keystone: {
        url: d.string('keystone_url'),
        serviceToken: d.string('keystone_service_token'),
        username: d.string('keystone_username'),
        password: d.string('keystone_password'),
        project: d.string('keystone_project') ?? '',
        tokenCacheSeconds: d.number('keystone_token_cache_time'),
      },
      defaultAvailabilityZone: d.string('default_availability_zone') ?? storageAz,
      defaultVolumeType: d.string('default_volume_type'),
      defaultGroupType: d.string('default_group_type'),
      rpcTimeoutMs: d.number('rpc_response_timeout') * 1000,
      maxVolumeSizeGiB: d.number('max_volume_size_gib'),
      imageDir: d.string('image_dir'),
      maxImageUploadBytes: uploadGiB > 0 ? uploadGiB * 1024 ** 3 : undefined,
      serviceDownTime,
      shares: {
        defaultShareType: d.string('default_share_type'),
        enabledProtocols: d.list('enabled_share_protocols').map((p) => p.toUpperCase()),
        maxShareSizeGiB: d.number('max_share_size_gib'),
      },
    },
    scheduler: {
      filters: d.list('scheduler_default_filters'),
      weighers: d.list('scheduler_default_weighers'),
      multipliers: {
        CapacityWeigher: d.number('capacity_weight_multiplier'),
        AllocatedCapacityWeigher: d.number('allocated_capacity_weight_multiplier'),
        GoodnessWeigher: d.number('goodness_weight_multiplier'),
        VolumeNumberWeigher: d.number('volume_number_multiplier'),
      },
      maxAttempts: d.number('scheduler_max_attempts'),
      serviceDownTime,
      leaseMs,
      availabilityZone: storageAz,
    },
    manager: {
      statsIntervalMs: d.number('report_interval') * 1000,
      concurrency: d.number('manager_concurrency'),
      leaseMs,
      schedulerMaxAttempts: d.number('scheduler_max_attempts'),
    },
    quotas: {
      volumes: d.number('quota_volumes'),
      gigabytes: d.number('quota_gigabytes'),
      snapshots: d.number('quota_snapshots'),
      backups: d.number('quota_backups'),
      backup_gigabytes: d.number('quota_backup_gigabytes'),
      groups: d.number('quota_groups'),
      per_volume_gigabytes: d.number('per_volume_size_limit'),
    },
    shareQuotas: {
      shares: d.number('quota_shares'),
      gigabytes: d.number('quota_share_gigabytes'),
      snapshots: d.number('quota_share_snapshots'),
      snapshot_gigabytes: d.number('quota_snapshot_gigabytes'),
      share_networks: d.number('quota_share_networks'),
    },
    backends: cfg.backends.map((b) => backendSettings(b, storageAz)),
  };
}
