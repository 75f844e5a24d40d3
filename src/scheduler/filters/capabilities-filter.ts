// Cinder's CapabilitiesFilter: volume-type extra specs (with their operators) against pool capabilities.
import type { UsageList } from '../usage-list.js';
import { capabilityColumn, lookupCapability, type CapabilityColumn, type PoolEntry, type PoolUsage } from '../backend-state.js';
import type { CapabilityCell } from '../extra-specs-ops.js';
import { MULTIATTACH, THICK, THIN, poolColumns } from '../pool-columns.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';
import { absentRows, withoutRows } from '../row-sets.js';

/** Index of the first unmet requirement, or -1. Negative codes below -1 are the special keys. */
const OK = -1;
const NO_MULTIATTACH = -2;
const WRONG_BACKEND = -3;
const NO_PROVISIONING = -4;

function firstMismatch(pool: PoolEntry, u: PoolUsage, ctx: RequestContext, pi: number): number {
  if (ctx.multiattach && !pool.multiattach) return NO_MULTIATTACH;
  if (ctx.volumeBackendName !== null && !ctx.volumeBackendName.matches(pool.capabilities.get('volume_backend_name')!)) return WRONG_BACKEND;
  const pt = ctx.provisioningType;
  if (pt !== null) {
    const ok = pt === 'thin' ? pool.thin : pt === 'thick' ? pool.thick : false;
    if (!ok) return NO_PROVISIONING;
  }
  const specs = ctx.capabilitySpecs;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const cell = spec.live < 0 ? ctx.specColumns[i].cells[pi] : lookupCapability(pool, u, spec.capability);
    if (cell === undefined || !spec.matcher.matches(cell)) return i;
  }
  return OK;
}

export class CapabilitiesFilter implements PoolFilter {
  readonly name = 'CapabilitiesFilter';

  passes(pool: PoolEntry, u: PoolUsage, ctx: RequestContext, pi: number): boolean {
    return firstMismatch(pool, u, ctx, pi) === OK;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext, pi: number): string {
    const i = firstMismatch(pool, u, ctx, pi);
    switch (i) {
      case OK: {
        const n = ctx.capabilitySpecs.length + (ctx.volumeBackendName ? 1 : 0) + (ctx.provisioningType ? 1 : 0);
        return n === 0 ? 'no capability requirements' : `meets all ${n} extra spec requirement(s)`;
      }
      case NO_MULTIATTACH:
        return 'multiattach volume needs a pool that supports multiattach';
      case WRONG_BACKEND:
        return `volume_backend_name '${pool.volumeBackendName}' does not match '${ctx.volumeBackendName!.requirement}'`;
      case NO_PROVISIONING: {
        const pt = ctx.provisioningType!;
        return pt === 'thin' || pt === 'thick'
          ? `provisioning:type ${pt} is not supported (${pt}_provisioning_support is false)`
          : `provisioning:type must be thin or thick, got '${pt}'`;
      }
    }
    const spec = ctx.capabilitySpecs[i];
    const cell = lookupCapability(pool, u, spec.capability);
    if (cell === undefined) return `does not report capability '${spec.capability}' (extra spec ${spec.specKey}='${spec.matcher.requirement}')`;
    const why = spec.matcher.numericMismatch(cell) ? ' (not a number)' : '';
    return `capability ${spec.capability}='${cell.raw}'${why} does not satisfy ${spec.specKey}='${spec.matcher.requirement}'`;
  }

  active(ctx: RequestContext): boolean {
    return ctx.multiattach || ctx.volumeBackendName !== null || ctx.provisioningType !== null || ctx.capabilitySpecs.length > 0;
  }

  /**
   * Column path: each requirement is matched once per distinct capability value, then every
   * pool is a table lookup, and the verdicts are kept per pool list for each distinct set of
   * requirements (volume types are few, placements many). Requirements on live values
   * (free_capacity_gb…) change with every placement and take the object path.
   */
  filterAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    let kept = 0;
    if (ctx.capabilitySpecs.some((s) => s.live >= 0)) {
      for (let k = 0; k < count; k++) {
        const i = from[k];
        if (this.passes(pools[i], usage.get(i), ctx, i)) to[kept++] = i;
      }
      return kept;
    }
    const verdicts = passMask(pools, ctx);
    // Every pool is a candidate, or all but a few (filters only drop, so from is 0, 1, 2, … with
    // gaps): the answer is the list kept with the mask, less those few.
    const n = pools.length;
    if (n - count <= NEARLY_ALL) {
      const all = verdicts.passing ?? (verdicts.passing = passingRows(verdicts.mask));
      if (count === n) {
        to.set(all);
        return all.length;
      }
      const absent = absentRows(from, count, n, absentScratch);
      return withoutRows(all, all.length, absentScratch, absent, to);
    }
    const mask = verdicts.mask;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      to[kept] = i; // written either way, kept only if it passes: no branch to mispredict
      kept += mask[i];
    }
    return kept;
  }
}

/** At most this many pools dropped by earlier filters, the kept list is used less those pools. */
const NEARLY_ALL = 64;
const absentScratch = new Int32Array(NEARLY_ALL);

/** A request's verdicts on one pool list: 1 per pool that meets its (non-live) requirements, and those pools in order once asked for. */
interface Verdicts {
  readonly mask: Uint8Array;
  passing: Int32Array | null;
}

function passingRows(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const rows = new Int32Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i;
  return rows;
}

/** Verdicts per pool list, by requirement set (requirementKey); a few volume types' worth. */
const masks = new WeakMap<readonly PoolEntry[], Map<string, Verdicts>>();
const MAX_MASKS = 64;

/** What the column path's verdict depends on besides the pools: every requirement, as text. */
function requirementKey(ctx: RequestContext): string {
  const parts: (string | boolean | null)[] = [ctx.multiattach, ctx.provisioningType, ctx.volumeBackendName?.requirement ?? null];
  for (const s of ctx.capabilitySpecs) parts.push(s.capability, s.matcher.requirement);
  return JSON.stringify(parts); // unambiguous whatever the values contain
}

/** 1 for each pool of the list that meets the request's (non-live) requirements. */
function passMask(pools: readonly PoolEntry[], ctx: RequestContext): Verdicts {
  let byKey = masks.get(pools);
  if (byKey === undefined) masks.set(pools, (byKey = new Map()));
  const key = requirementKey(ctx);
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const mask = new Uint8Array(pools.length);
  const verdicts: Verdicts = { mask, passing: null };
  if (byKey.size >= MAX_MASKS) byKey.clear();
  byKey.set(key, verdicts);
  const pt = ctx.provisioningType;
  // An unknown provisioning:type matches no pool.
  if (pt !== null && pt !== 'thin' && pt !== 'thick') return verdicts;
  const columns: Int32Array[] = [];
  const tables: Uint8Array[] = [];
  const add = (col: CapabilityColumn, ok: (c: CapabilityCell) => boolean) => {
    columns.push(col.codes);
    tables.push(Uint8Array.from(col.distinct, (c) => (ok(c) ? 1 : 0)));
  };
  const backendName = ctx.volumeBackendName;
  if (backendName !== null) add(capabilityColumn(pools, 'volume_backend_name'), (c) => backendName.matches(c));
  ctx.capabilitySpecs.forEach((spec, j) => add(ctx.specColumns[j], (c) => spec.matcher.matches(c)));
  // Flags every pool must have (multiattach, thin/thick support).
  const need = (ctx.multiattach ? MULTIATTACH : 0) | (pt === 'thin' ? THIN : pt === 'thick' ? THICK : 0);
  const flags = poolColumns(pools).flags;
  const nt = tables.length;
  outer: for (let i = 0; i < pools.length; i++) {
    if ((flags[i] & need) !== need) continue;
    for (let t = 0; t < nt; t++) {
      const code = columns[t][i];
      if (code < 0 || tables[t][code] === 0) continue outer;
    }
    mask[i] = 1;
  }
  return verdicts;
}
