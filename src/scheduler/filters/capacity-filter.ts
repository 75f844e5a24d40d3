// Cinder's CapacityFilter: thick pools need free space after reserve; thin pools obey max_over_subscription_ratio.
import type { PoolStats } from '../../drivers/interface/stats.js';
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { fmt, gib, type PoolFilter } from './pool-filter.js';
import { KNOWN, MAY_BE_THIN, THICK_REQUEST, THIN, TIGHT_ROWS, fitFloor, tightRowsOf } from '../pool-columns.js';
import { withoutRows } from '../row-sets.js';
import { roomFor } from '../capacity-room.js';

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
  return u.freeGiB - pool.reserveGiB;
}

/** Whether the request is checked as thin against this pool (Cinder: thin unless provisioning:type is thick). */
export function checksThin(pool: PoolEntry, ctx: RequestContext): boolean {
  return pool.thin && ctx.provisioningType !== 'thick';
}

/** The whole decision on plain numbers, shared by the object path (passes) and the column path (filterAll). */
function judgeNumbers(known: boolean, total: number, reserve: number, ratio: number, thin: boolean, free: number, provisioned: number, size: number): Verdict {
  // Infinite or unknown capacity: assume it fits; if not, the retry sends the volume elsewhere.
  if (!known) return Verdict.CapacityNotReported;
  if (!(total > 0)) return Verdict.NoTotal;
  const usable = free - reserve;
  if (thin) {
    if (!(ratio >= 1)) return Verdict.BadRatio;
    // Exactly at the ratio is allowed; only above it is refused.
    if ((provisioned + size) / total > ratio) return Verdict.OverSubscribed;
    return usable * ratio >= size ? Verdict.Fits : Verdict.NoVirtualFree;
  }
  return usable < size ? Verdict.NoFree : Verdict.Fits;
}

function judge(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): Verdict {
  return judgeNumbers(pool.capacityKnown, pool.totalGiB, pool.reserveGiB, pool.maxOverSubscriptionRatio, checksThin(pool, ctx), u.freeGiB, u.provisionedGiB, ctx.sizeGiB);
}

const fits = (v: Verdict) => v === Verdict.Fits || v === Verdict.CapacityNotReported;

/**
 * The same decision on a pool as reported plus `takenGiB` reserved on top: what a placement
 * re-checks inside its transaction, against the database's latest report and reservations.
 */
export function poolHasRoom(p: PoolStats, takenGiB: number, sizeGiB: number, thickRequest: boolean): boolean {
  const c = p.capacity;
  if (!c.known) return fits(Verdict.CapacityNotReported);
  const reserve = Math.floor((c.totalGiB * p.reservedPercentage) / 100);
  const thin = p.thinProvisioningSupport && !thickRequest;
  return fits(judgeNumbers(true, c.totalGiB, reserve, p.maxOverSubscriptionRatio, thin, c.freeGiB - takenGiB, p.provisionedCapacityGiB + takenGiB, sizeGiB));
}

export class CapacityFilter implements PoolFilter {
  readonly name = 'CapacityFilter';

  passes(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): boolean {
    return fits(judge(pool, u, ctx));
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

  /** Inactive when the size fits every pool (UsageColumns.fitFloor): nothing to reject. */
  active(ctx: RequestContext): boolean {
    return !(ctx.sizeGiB <= fitFloor(ctx.usageCols, requestKind(ctx), ctx.sizeGiB));
  }

  /**
   * Column path: the size against each pool's room, worked out when its usage last changed
   * (UsageColumns.fitsUpTo / failsFrom); roomFor(), the same test as judgeNumbers(), only for
   * a size that falls between the two bounds. A size that only the few pools with the least
   * room can refuse (UsageColumns.tight) checks just those.
   */
  filterAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    const kind = requestKind(ctx);
    const uc = ctx.usageCols;
    const up = uc.fitsUpTo[kind];
    const fail = uc.failsFrom[kind];
    const size = ctx.sizeGiB;
    const tight = tightRowsOf(uc, kind);
    if (size <= tight.bound) {
      // Only the tight rows can refuse this size: drop those that do, copy the rest in blocks.
      let refused = 0;
      for (let k = 0; k < tight.count; k++) {
        const i = tight.rows[k];
        if (!(size <= up[i] || (size < fail[i] && this.fitsExactly(ctx, kind, i)))) refusedScratch[refused++] = i;
      }
      refusedScratch.subarray(0, refused).sort();
      return withoutRows(from, count, refusedScratch, refused, to);
    }
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (size <= up[i] || (size < fail[i] && this.fitsExactly(ctx, kind, i))) to[kept++] = i;
    }
    return kept;
  }

  /** roomFor() on the columns: for a size between a pool's two bounds. */
  private fitsExactly(ctx: RequestContext, kind: number, i: number): boolean {
    const { totalGiB, reserveGiB, ratio, thinLimit, flags } = ctx.poolCols;
    const { free, provisioned } = ctx.usageCols;
    const f = flags[i];
    const thin = (f & THIN) !== 0 && kind === MAY_BE_THIN;
    return roomFor((f & KNOWN) !== 0, totalGiB[i], reserveGiB[i], ratio[i], thinLimit[i], thin, free[i], provisioned[i], ctx.sizeGiB);
  }
}

const refusedScratch = new Int32Array(TIGHT_ROWS);

/** Which of the usage columns' capacity columns answer for this request. */
export function requestKind(ctx: RequestContext): number {
  return ctx.provisioningType === 'thick' ? THICK_REQUEST : MAY_BE_THIN;
}
