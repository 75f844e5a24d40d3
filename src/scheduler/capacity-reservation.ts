// Placement across several scheduler processes. Each scheduler picks a pool from its own
// view, which may be behind what the others placed; the database has the last word. The
// transaction that records a placement locks the backend's stats row, re-checks the pool's
// room against that report plus every reservation on it (all schedulers' placements not yet
// reported), and writes the placement's reservation; if the room is gone, the transaction
// rolls back and the scheduler places again from a view refreshed from the database. On
// SQLite (one process, one writer) the same code runs; the lock is the database's.
import type { BackendStats } from '../drivers/interface/stats.js';
import type { CapacityReservationRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { lockBackendStats, putPlacement, reservedOnPool, type ReservedKind } from '../db/repos/capacity-reservations.js';
import { FlintError } from '../errors/errors.js';
import { poolHasRoom } from './filters/capacity-filter.js';
import { reportedPool } from './reported-pools.js';
import type { Placement, PlacementRequest } from './scheduler.js';

/** Another scheduler took the room this placement wanted; place again from a fresh view. */
export class PoolTaken extends FlintError {
  override readonly code = 'pool_taken';
  constructor(readonly backendHost: string, poolHost: string) {
    // Retryable: a task that keeps losing the race goes back on the queue rather than failing.
    super(`Pool ${poolHost} no longer has room: other placements took it first.`, { retryable: true });
  }
}

/** Whether the request asks for thick provisioning (extra spec provisioning:type), as the capacity filter reads it. */
export function requestsThick(req: Pick<PlacementRequest, 'extraSpecs'>): boolean {
  return String(req.extraSpecs['provisioning:type'] ?? '').trim().toLowerCase() === 'thick';
}

/**
 * Inside the transaction recording `placement` of `resourceId`: reserve its room, or throw
 * PoolTaken when the pool, as the database knows it, no longer has it.
 */
export async function reservePlacement(
  tx: Tx, r: { kind: ReservedKind; resourceId: string; placement: Placement; sizeGiB: number; thick: boolean },
): Promise<void> {
  const { placement } = r;
  const stats = await lockBackendStats(tx, placement.backendHost);
  const pool = stats ? reportedPool(placement.backendHost, stats, placement.poolName) : undefined;
  if (!pool) throw new PoolTaken(placement.backendHost, placement.poolHost);
  const taken = await reservedOnPool(tx, placement.poolHost, r.resourceId);
  if (!poolHasRoom(pool, taken, r.sizeGiB, r.thick)) throw new PoolTaken(placement.backendHost, placement.poolHost);
  await putPlacement(tx, { resourceId: r.resourceId, kind: r.kind, backendHost: placement.backendHost, poolHost: placement.poolHost, sizeGiB: r.sizeGiB });
}

/**
 * A backend's report with what it does not count yet laid over it: per placement, Cinder's
 * consume_from_volume (free shrinks, allocated and provisioned grow, one more volume); per
 * change, its GiB (a delete's negative GiB gives room back).
 */
export function withReservations(backendHost: string, stats: BackendStats, reservations: readonly CapacityReservationRow[]): BackendStats {
  if (reservations.length === 0) return stats;
  const byPool = new Map<string, { gib: number; count: number }>();
  for (const r of reservations) {
    const acc = byPool.get(r.poolHost) ?? { gib: 0, count: 0 };
    acc.gib += r.sizeGib;
    if (r.reason === 'placement') acc.count += 1;
    byPool.set(r.poolHost, acc);
  }
  return {
    ...stats,
    pools: stats.pools.map((pool) => {
      const extra = byPool.get(`${backendHost}#${pool.poolName}`);
      if (!extra) return pool;
      return {
        ...pool,
        // Never above the total or below zero, as the scheduler's own give-back.
        capacity: pool.capacity.known ? { ...pool.capacity, freeGiB: Math.min(pool.capacity.totalGiB, pool.capacity.freeGiB - extra.gib) } : pool.capacity,
        allocatedCapacityGiB: Math.max(0, pool.allocatedCapacityGiB + extra.gib),
        provisionedCapacityGiB: Math.max(0, pool.provisionedCapacityGiB + extra.gib),
        totalVolumes: (pool.totalVolumes ?? 0) + extra.count,
      };
    }),
  };
}
