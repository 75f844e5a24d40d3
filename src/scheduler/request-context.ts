// A placement request prepared once (extra specs parsed, variables built) and shared by every filter and weigher.
import type { PlacementRequest } from './scheduler.js';
import { SpecMatcher } from './extra-specs-ops.js';
import { toVariables, type Frame, type Value, type Variables } from './expression/index.js';
import { LIVE_CAPABILITIES, type CapabilityColumn, type PoolEntry } from './backend-state.js';
import { poolColumns, usageColumns, type PoolColumns, type UsageColumns } from './pool-columns.js';
import { UsageList } from './usage-list.js';

/** One `capabilities:`-scoped or unscoped extra spec to check against pool capabilities. */
export interface CapabilitySpec {
  /** The extra spec key as the volume type has it. */
  specKey: string;
  /** The capability name it is matched against (scope stripped). */
  capability: string;
  /** Index in PoolUsage.live when the capability changes with placements (free_capacity_gb…), else -1. */
  live: number;
  matcher: SpecMatcher;
}

export interface RequestContext {
  readonly req: PlacementRequest;
  readonly sizeGiB: number;
  readonly multiattach: boolean;
  /** `provisioning:type` from the extra specs, or null. */
  readonly provisioningType: string | null;
  readonly volumeBackendName: SpecMatcher | null;
  readonly capabilitySpecs: readonly CapabilitySpec[];
  /** Backends (`host@backend`) or pools that already failed this request. */
  readonly excluded: ReadonlySet<string>;
  /** Backends of the volumes named in same_host / different_host; null when no hint. */
  readonly sameBackends: ReadonlyMap<string, string> | null;
  readonly differentBackends: ReadonlyMap<string, string> | null;
  readonly nowMs: number;
  readonly volumeVars: Variables;
  readonly qosVars: Variables;
  readonly extraVars: Variables;
  /**
   * Per capability spec, the capability of every pool in the snapshot being decided (see
   * capabilityColumn); set by decide() so the filter reads an array instead of 10,000 maps.
   */
  specColumns: readonly CapabilityColumn[];
  /** Column views of the snapshot being decided; set by decide(). */
  poolCols: PoolColumns;
  usageCols: UsageColumns;
  /** Reused for every pool: the pool, live and request arrays are set before an expression runs. */
  readonly frame: Frame;
}

/** `host@backend` from `host@backend#pool`. */
export function backendOf(poolHost: string): string {
  const i = poolHost.indexOf('#');
  return i < 0 ? poolHost : poolHost.slice(0, i);
}

function hintBackends(ids: string[] | undefined, hosts: Record<string, string> | undefined): Map<string, string> | null {
  if (!ids || ids.length === 0) return null;
  const out = new Map<string, string>();
  // A volume with no known host maps to '' so the affinity filters can name it.
  for (const id of ids) out.set(id, hosts && Object.hasOwn(hosts, id) ? backendOf(hosts[id]) : '');
  return out;
}

// Placeholders until decide() sets the snapshot's columns: shared, so a request allocates none.
const NO_POOLS: readonly PoolEntry[] = [];
const NO_POOL_COLUMNS = poolColumns(NO_POOLS);
const NO_USAGE_COLUMNS = usageColumns(UsageList.from([]), NO_POOLS);

export function prepareRequest(req: PlacementRequest, nowMs: number): RequestContext {
  const specs = req.extraSpecs ?? {};
  const capabilitySpecs: CapabilitySpec[] = [];
  let volumeBackendName: SpecMatcher | null = null;
  let provisioningType: string | null = null;
  for (const key of Object.keys(specs)) {
    const value = String(specs[key]);
    if (key === 'volume_backend_name') {
      volumeBackendName = new SpecMatcher(value);
      continue;
    }
    if (key === 'provisioning:type') {
      provisioningType = value.trim().toLowerCase();
      continue;
    }
    const colon = key.indexOf(':');
    // Scoped keys other than capabilities: (qos:, hw:, vendor scopes…) are not for this filter.
    if (colon >= 0 && key.slice(0, colon) !== 'capabilities') continue;
    const capability = colon >= 0 ? key.slice(colon + 1) : key;
    if (capability === '') continue;
    capabilitySpecs.push({ specKey: key, capability, live: LIVE_CAPABILITIES.indexOf(capability), matcher: new SpecMatcher(value) });
  }
  const v = req.volume;
  const volume: Record<string, Value> = toVariables({
    id: v.id,
    size: v.size,
    volume_type_id: v.volumeTypeId ?? '',
    availability_zone: v.availabilityZone ?? '',
    multiattach: v.multiattach,
  });
  for (const k of Object.keys(v.metadata ?? {})) volume[`metadata.${k}`] = toVariables({ x: v.metadata[k] }).x ?? '';
  return {
    req,
    sizeGiB: v.size,
    multiattach: v.multiattach === true,
    provisioningType,
    volumeBackendName,
    capabilitySpecs,
    excluded: new Set(req.excludeHosts ?? []),
    sameBackends: hintBackends(req.hints?.sameHost, req.hintHosts),
    differentBackends: hintBackends(req.hints?.differentHost, req.hintHosts),
    nowMs,
    volumeVars: volume,
    qosVars: toVariables(req.qosSpecs),
    extraVars: toVariables(specs),
    specColumns: [],
    poolCols: NO_POOL_COLUMNS,
    usageCols: NO_USAGE_COLUMNS,
    frame: { pool: [], live: [], request: [] },
  };
}
