// What an operator's probes read: readiness (database reachable, every enabled backend set up
// and reporting) and the gauges refreshed at each /metrics scrape from the database, so every
// process of a cluster reports the same truth about queues and pools.
import type { Db } from '../db/database.js';
import { oldestPendingTaskAge, onScrape, poolCapacityBytes, tasksByState } from '../util/metrics.js';
import { oldestPendingByQueue, unfinishedByQueue } from '../tasks/queue-depths.js';

const GIB = 1024 ** 3;

export interface Readiness {
  ready: boolean;
  /** Why not ready, one line per problem; empty when ready. */
  reasons: string[];
}

export interface ReadinessInput {
  db: Db;
  /** `host@backend` of every backend this deployment enables (all processes). */
  backendHosts: string[];
  /** A backend whose last stats report is older than this is not reporting. */
  staleAfterSeconds: number;
}

export async function checkReadiness(i: ReadinessInput, now = Date.now()): Promise<Readiness> {
  const reasons: string[] = [];
  let rows: { backendHost: string; updatedAt: string }[];
  try {
    rows = await i.db.kysely.selectFrom('backendStats').select(['backendHost', 'updatedAt']).execute();
  } catch (e) {
    return { ready: false, reasons: [`database unreachable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`] };
  }
  const seen = new Map(rows.map((r) => [r.backendHost, new Date(r.updatedAt).getTime()]));
  for (const host of i.backendHosts) {
    const at = seen.get(host);
    if (at === undefined) reasons.push(`backend ${host} has not reported yet (still setting up, or its set-up failed: see its log)`);
    else if (now - at > i.staleAfterSeconds * 1000) {
      reasons.push(`backend ${host} last reported ${Math.round((now - at) / 1000)} s ago (limit ${i.staleAfterSeconds} s)`);
    }
  }
  return { ready: reasons.length === 0, reasons };
}

interface PoolJson { poolName: string; capacity: { known: boolean; totalGiB?: number; freeGiB?: number }; provisionedCapacityGiB?: number; allocatedCapacityGiB?: number }

/** Refresh task and pool gauges from the database before each scrape; returns the unregister function. */
export function registerDatabaseGauges(db: Db): () => void {
  return onScrape(async () => {
    const k = db.kysely;
    const [byState, oldest, stats] = await Promise.all([
      unfinishedByQueue(k).execute(),
      oldestPendingByQueue(k).execute(),
      k.selectFrom('backendStats').select(['backendName', 'stats']).execute(),
    ]);
    tasksByState.reset();
    for (const r of byState) tasksByState.set({ queue: r.queue, state: r.status }, Number(r.n));
    oldestPendingTaskAge.reset();
    for (const r of oldest) oldestPendingTaskAge.set({ queue: r.queue }, Math.max(0, (Date.now() - new Date(r.oldest).getTime()) / 1000));
    poolCapacityBytes.reset();
    for (const row of stats) {
      let pools: PoolJson[];
      try {
        pools = (JSON.parse(row.stats) as { pools?: PoolJson[] }).pools ?? [];
      } catch {
        continue; // a half-written row: the next report replaces it
      }
      for (const p of pools) {
        const labels = { backend: row.backendName, pool: p.poolName };
        if (p.capacity.known) {
          poolCapacityBytes.set({ ...labels, kind: 'total' }, (p.capacity.totalGiB ?? 0) * GIB);
          poolCapacityBytes.set({ ...labels, kind: 'free' }, (p.capacity.freeGiB ?? 0) * GIB);
        }
        poolCapacityBytes.set({ ...labels, kind: 'provisioned' }, (p.provisionedCapacityGiB ?? 0) * GIB);
        poolCapacityBytes.set({ ...labels, kind: 'allocated' }, (p.allocatedCapacityGiB ?? 0) * GIB);
      }
    }
  });
}
