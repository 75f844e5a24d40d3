// Flint's configuration: a Cinder-style INI file ([DEFAULT] plus one section per
// backend), overridable by environment variables, validated at start-up.
import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'ini';
import { ConfigError } from '../errors/errors.js';
import { BACKUP_OPTIONS } from './backup-options.js';
import { DRIVER_KEY, DRIVER_KINDS, type DriverCatalog, type DriverKind } from './driver-options.js';
import { resolveOptions, type OptionSpec, type OptionValues } from './options.js';

export const DEFAULT_OPTIONS: readonly OptionSpec[] = [
  { name: 'enabled_backends', type: 'list', default: ['local'], help: 'Backend sections to run.' },
  { name: 'host', type: 'string', default: null, help: 'Name of this host in `host@backend#pool`; defaults to the machine name.' },
  { name: 'storage_availability_zone', type: 'string', default: 'nova', help: 'Availability zone of this host.' },
  { name: 'default_availability_zone', type: 'string', default: null, help: 'Zone for volumes created without one; defaults to storage_availability_zone.' },
  { name: 'default_volume_type', type: 'string', default: null, help: 'Type of volumes created without one; __DEFAULT__ when unset.' },
  { name: 'default_group_type', type: 'string', default: null, help: 'Group type GET /group_types/default answers; none (404) when unset.' },
  { name: 'auth_strategy', type: 'enum', default: 'noauth', choices: ['noauth', 'keystone'], help: 'How API callers are authenticated.' },
  { name: 'keystone_url', type: 'string', default: null, help: 'Keystone v3 URL (auth_strategy = keystone).' },
  { name: 'keystone_service_token', type: 'string', default: null, secret: true, help: 'Token Flint uses to validate user tokens.' },
  { name: 'keystone_username', type: 'string', default: null, help: 'Service user that obtains the service token.' },
  { name: 'keystone_password', type: 'string', default: null, secret: true, help: 'Password of the service user.' },
  { name: 'keystone_project', type: 'string', default: 'service', help: 'Project of the service user.' },
  {
    name: 'keystone_token_cache_time', type: 'int', default: 300, min: 0,
    help: 'Seconds a validated token is trusted without asking Keystone again, as keystonemiddleware\'s token_cache_time (default 300); '
      + 'a revoked token keeps working for up to this long. Never past the token\'s own expiry.',
  },
  { name: 'osapi_volume_listen', type: 'string', default: '127.0.0.1', help: 'Address the API listens on.' },
  { name: 'osapi_volume_listen_port', type: 'int', default: 8776, min: 0, max: 65535, help: 'Port the API listens on.' },
  { name: 'metrics_listen', type: 'string', default: null, help: 'ADDR:PORT where a process without the api role serves /metrics, /healthz and /readyz (the api role serves them on its own port).' },
  { name: 'state_path', type: 'string', default: './var', help: 'Directory for the embedded database and backend state.' },
  { name: 'image_dir', type: 'string', default: null, help: 'Directory of image files volumes are created from and uploaded to; <state_path>/images by default. Uploaded images are kept under .store/ by id; files put here by hand are for admins only.' },
  { name: 'image_upload_max_gib', type: 'int', default: 0, min: 0, help: 'Largest image accepted by PUT /flint/images in GiB; 0 for no limit.' },
  { name: 'database_connection', type: 'string', default: null, help: 'postgres://… for cluster mode; the embedded SQLite file otherwise.' },
  {
    name: 'database_max_connections', type: 'int', default: null, min: 1,
    help: 'PostgreSQL connections this process may hold; by default sized from its roles (api 10, scheduler 2, backup 2, 3 per backend manager). SQLite has one.',
  },
  { name: 'report_interval', type: 'int', default: 10, min: 1, help: 'Seconds between stats reports and heartbeats.' },
  { name: 'service_down_time', type: 'int', default: 60, min: 1, help: 'Seconds without a report before a backend is considered down.' },
  { name: 'scheduler_max_attempts', type: 'int', default: 3, min: 1, help: 'Backends tried for one volume.' },
  { name: 'scheduler_default_weighers', type: 'list', default: ['CapacityWeigher', 'GoodnessWeigher'], help: 'Weighers applied to pools.' },
  { name: 'capacity_weight_multiplier', type: 'float', default: 1.0, help: 'Multiplier of the capacity weigher (negative stacks).' },
  { name: 'scheduler_default_filters', type: 'list', default: ['AvailabilityZoneFilter', 'CapacityFilter', 'CapabilitiesFilter', 'SameBackendFilter', 'DifferentBackendFilter', 'DriverFilter'], help: 'Filters applied to pools.' },
  { name: 'allocated_capacity_weight_multiplier', type: 'float', default: -1.0, help: 'Multiplier of the allocated capacity weigher.' },
  { name: 'goodness_weight_multiplier', type: 'float', default: 1.0, help: 'Multiplier of the goodness weigher.' },
  { name: 'volume_number_multiplier', type: 'float', default: -1.0, help: 'Multiplier of the volume number weigher.' },
  { name: 'quota_volumes', type: 'int', default: 10, min: -1, help: 'Default volumes per project.' },
  { name: 'quota_snapshots', type: 'int', default: 10, min: -1, help: 'Default snapshots per project.' },
  { name: 'quota_gigabytes', type: 'int', default: 1000, min: -1, help: 'Default GiB per project.' },
  { name: 'quota_backups', type: 'int', default: 10, min: -1, help: 'Default backups per project.' },
  { name: 'quota_backup_gigabytes', type: 'int', default: 1000, min: -1, help: 'Default backup GiB per project.' },
  { name: 'quota_groups', type: 'int', default: 10, min: -1, help: 'Default groups per project.' },
  { name: 'per_volume_size_limit', type: 'int', default: -1, min: -1, help: 'Largest volume in GiB; -1 for no limit.' },
  { name: 'max_volume_size_gib', type: 'int', default: 1048576, min: 1, help: 'Absolute largest volume size accepted by the API.' },
  { name: 'default_share_type', type: 'string', default: null, help: 'Share type of shares created without one (Manila: a create naming none is refused when unset).' },
  { name: 'enabled_share_protocols', type: 'list', default: ['NFS', 'CIFS'], help: 'Share protocols the API accepts.' },
  { name: 'max_share_size_gib', type: 'int', default: 1048576, min: 1, help: 'Absolute largest share size accepted by the API.' },
  { name: 'quota_shares', type: 'int', default: 50, min: -1, help: 'Default shares per project.' },
  { name: 'quota_share_gigabytes', type: 'int', default: 1000, min: -1, help: 'Default share GiB per project (Manila: gigabytes).' },
  { name: 'quota_share_snapshots', type: 'int', default: 50, min: -1, help: 'Default share snapshots per project (Manila: snapshots).' },
  { name: 'quota_snapshot_gigabytes', type: 'int', default: 1000, min: -1, help: 'Default share snapshot GiB per project.' },
  { name: 'quota_share_networks', type: 'int', default: 10, min: -1, help: 'Default share networks per project.' },
  { name: 'manager_concurrency', type: 'int', default: 16, min: 1, max: 256, help: 'Operations one volume manager runs at once.' },
  { name: 'task_lease_seconds', type: 'int', default: 30, min: 2, help: 'Lease on a claimed task; a dead worker loses it after this.' },
  { name: 'rpc_response_timeout', type: 'int', default: 60, min: 1, help: 'Seconds an API call waits for a backend to answer.' },
  ...BACKUP_OPTIONS,
];

export interface BackendConfig {
  section: string;
  /** Which key named the driver: `volume_driver` or `share_driver`. */
  kind: DriverKind;
  driver: string;
  options: OptionValues;
}

export interface FlintConfig {
  defaults: OptionValues;
  backends: BackendConfig[];
  host: string;
  databaseUrl: string;
  statePath: string;
  source: string;
}

type Sections = Record<string, Record<string, string | boolean | number>>;

/** `FLINT__SECTION__option=value` overrides a file value; FLINT_DATABASE_URL the database. */
function applyEnv(sections: Sections, env: NodeJS.ProcessEnv): void {
  for (const [k, v] of Object.entries(env)) {
    const m = /^FLINT__([^_].*?)__(.+)$/.exec(k);
    if (!m || v === undefined) continue;
    const [, section, option] = m as unknown as [string, string, string];
    (sections[section] ??= {})[option] = v;
  }
}

/**
 * Backends the embedded default runs without a file: `local` keeps its pool as a sparse
 * XFS image under the state path; `fake` needs nothing.
 */
function embeddedSection(name: string, statePath: string): Record<string, string> | undefined {
  if (name === 'local') return { volume_driver: 'local', local_pool_image: join(statePath, 'local-pool.img') };
  if (name === 'fake') return { volume_driver: 'fake' };
  return undefined;
}

/** The kind of backend a section configures: the one driver key it sets. */
function sectionKind(name: string, raw: Record<string, unknown>): DriverKind {
  const kinds = DRIVER_KINDS.filter((k) => raw[DRIVER_KEY[k]] !== undefined && raw[DRIVER_KEY[k]] !== '');
  const keys = DRIVER_KINDS.map((k) => DRIVER_KEY[k]);
  if (kinds.length > 1) throw new ConfigError(`Section [${name}] sets both ${keys.join(' and ')}; a backend is one kind or the other.`);
  if (kinds.length === 0) throw new ConfigError(`Missing required option volume_driver in section [${name}] (or share_driver for a share backend).`);
  return kinds[0]!;
}

/**
 * Reads and validates the configuration. `drivers` supplies each driver's options (the
 * driver registry, passed in by the service so config does not import drivers).
 */
export function loadConfig(file: string | null, env: NodeJS.ProcessEnv, drivers: DriverCatalog): FlintConfig {
  let sections: Sections = {};
  let source = 'built-in defaults';
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`Configuration file ${file} does not exist.`);
    sections = parse(readFileSync(file, 'utf8')) as Sections;
    source = resolve(file);
  }
  applyEnv(sections, env);
  const rawDefaults = sections.DEFAULT ?? {};
  const defaults = resolveOptions('DEFAULT', rawDefaults, DEFAULT_OPTIONS);
  const enabled = defaults.enabled_backends as string[];
  const statePath = resolve(String(defaults.state_path));
  if (enabled.length === 0) throw new ConfigError('Option enabled_backends in section [DEFAULT] names no backend.');
  const backends: BackendConfig[] = [];
  for (const name of enabled) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConfigError(`Backend name '${name}' in enabled_backends may only use letters, digits, '_', '.', '-'.`);
    let raw = sections[name];
    if (!raw) {
      // The embedded default: a section named after a driver needs no body.
      const builtIn = file ? undefined : embeddedSection(name, statePath);
      if (builtIn) raw = builtIn;
      else throw new ConfigError(`Backend ${name} is in enabled_backends but has no [${name}] section.`);
    }
    const kind = sectionKind(name, raw);
    const driverName = String(raw[DRIVER_KEY[kind]]);
    const options = resolveOptions(name, raw, drivers.optionsFor(kind, driverName, name));
    backends.push({ section: name, kind, driver: driverName, options });
  }
  for (const s of Object.keys(sections)) {
    if (s !== 'DEFAULT' && !enabled.includes(s) && typeof sections[s] !== 'object') {
      throw new ConfigError(`Option ${s} outside any section; put it under [DEFAULT].`);
    }
  }
  const databaseUrl = env.FLINT_DATABASE_URL ?? (defaults.database_connection as string | null) ?? `${statePath}/flint.sqlite`;
  return { defaults, backends, host: (defaults.host as string | null) ?? hostname(), databaseUrl, statePath, source };
}
