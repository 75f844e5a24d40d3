// Cinder's CapabilitiesFilter: volume-type extra specs (with their operators) against pool capabilities.
import { lookupCapability, type PoolEntry, type PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

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
    const cell = spec.live < 0 ? ctx.specColumns[i][pi] : lookupCapability(pool, u, spec.capability);
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

  // Each filter carries its own copy of this loop so the `this.passes` call is monomorphic and
  // inlined; one shared loop calling eight filter classes would be a megamorphic call per pool.
  filterAll(pools: readonly PoolEntry[], usage: readonly PoolUsage[], ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (this.passes(pools[i], usage[i], ctx, i)) to[kept++] = i;
    }
    return kept;
  }
}
