// Cinder's CapacityFilter: thick pools need free space after reserve; thin pools obey max_over_subscription_ratio.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { fmt, gib, type PoolFilter } from './pool-filter.js';

const enum Verdict {
  Fits,
  CapacityNotReported,
  NoTotal,
  OverSubscribed,
  NoVirtualFree,
  BadRatio,
  NoFree,
}

/** Free GiB after the reserved percentage is set aside (Cinder floors the reserve). */
export function freeAfterReserve(pool: PoolEntry, u: PoolUsage): number {
  return u.freeGiB - Math.floor((pool.totalGiB * pool.reservedPercentage) / 100);
}

/** Whether the request is checked as thin against this pool (Cinder: thin unless provisioning:type is thick). */
export function checksThin(pool: PoolEntry, ctx: RequestContext): boolean {
  return pool.thin && ctx.provisioningType !== 'thick';
}

function judge(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): Verdict {
  // Infinite or unknown capacity: assume it fits; if not, the retry sends the volume elsewhere.
  if (!pool.capacityKnown) return Verdict.CapacityNotReported;
  const total = pool.totalGiB;
  if (!(total > 0)) return Verdict.NoTotal;
  const size = ctx.sizeGiB;
  const free = freeAfterReserve(pool, u);
  const ratio = pool.maxOverSubscriptionRatio;
  if (checksThin(pool, ctx)) {
    if (!(ratio >= 1)) return Verdict.BadRatio;
    // Exactly at the ratio is allowed; only above it is refused.
    if ((u.provisionedGiB + size) / total > ratio) return Verdict.OverSubscribed;
    return free * ratio >= size ? Verdict.Fits : Verdict.NoVirtualFree;
  }
  return free < size ? Verdict.NoFree : Verdict.Fits;
}

export class CapacityFilter implements PoolFilter {
  readonly name = 'CapacityFilter';

  passes(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): boolean {
    const v = judge(pool, u, ctx);
    return v === Verdict.Fits || v === Verdict.CapacityNotReported;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const size = ctx.sizeGiB;
    const s = pool.stats;
    const free = freeAfterReserve(pool, u);
    const reserved = `after ${fmt(s.reservedPercentage)}% reserved`;
    const ratio = s.maxOverSubscriptionRatio;
    switch (judge(pool, u, ctx)) {
      case Verdict.CapacityNotReported:
        return `capacity reported as ${pool.capacity.known ? '' : pool.capacity.reason}; assumed to fit ${gib(size)}`;
      case Verdict.NoTotal:
        return `needs ${gib(size)}, pool reports total capacity ${gib(pool.totalGiB)}`;
      case Verdict.BadRatio:
        return `invalid max_over_subscription_ratio ${fmt(ratio)} for a thin pool (must be at least 1)`;
      case Verdict.OverSubscribed:
        return `needs ${gib(size)} thin: ${gib(u.provisionedGiB)} provisioned + ${gib(size)} would be ${fmt((u.provisionedGiB + size) / pool.totalGiB)}× the ${gib(pool.totalGiB)} total, above max_over_subscription_ratio ${fmt(ratio)}`;
      case Verdict.NoVirtualFree:
        return `needs ${gib(size)} thin, ${gib(free)} free ${reserved} × ratio ${fmt(ratio)} = ${gib(free * ratio)} virtual free`;
      case Verdict.NoFree:
        return `needs ${gib(size)}, ${gib(free)} free ${reserved}`;
      case Verdict.Fits:
        return checksThin(pool, ctx)
          ? `fits ${gib(size)} thin: provisioned ratio ${fmt((u.provisionedGiB + size) / pool.totalGiB)} ≤ ${fmt(ratio)}, ${gib(free * ratio)} virtual free`
          : `fits ${gib(size)}, ${gib(free)} free ${reserved}`;
    }
  }

  // Each filter carries its own copy of this loop so the `this.passes` call is monomorphic and
  // inlined; one shared loop calling eight filter classes would be a megamorphic call per pool.
  filterAll(pools: readonly PoolEntry[], usage: readonly PoolUsage[], ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (this.passes(pools[i], usage[i], ctx)) to[kept++] = i;
    }
    return kept;
  }
}
