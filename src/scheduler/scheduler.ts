// The scheduler interface: pick a pool for a new volume, and say why.
import type { BackendStats, PoolStats } from '../drivers/interface/stats.js';

/** One pool as the scheduler sees it. */
export interface PoolState {
  /** `host@backend` */
  backendHost: string;
  backendName: string;
  availabilityZone: string;
  /** `host@backend#pool` */
  poolHost: string;
  stats: PoolStats;
  backend: Omit<BackendStats, 'pools'>;
  /** When the manager last reported; stale backends are skipped. */
  updatedAt: Date;
  /** Why this pool's filter_function/goodness_function cannot be used (the pool is filtered out). */
  expressionErrors?: string[];
}

export interface PlacementRequest {
  /** Volume being placed; the id is known before placement. */
  volume: {
    id: string;
    size: number;
    volumeTypeId: string | null;
    availabilityZone: string | null;
    multiattach: boolean;
    metadata: Record<string, string>;
  };
  extraSpecs: Record<string, string>;
  qosSpecs: Record<string, string>;
  /** same_host / different_host hints: lists of volume ids, resolved to hosts by the caller. */
  hints: { sameHost?: string[]; differentHost?: string[] };
  /** Backends (`host@backend`) that already failed this request (retry filter). */
  excludeHosts: string[];
  /** Hosts of volumes named in hints, resolved by the caller: volume id → poolHost. */
  hintHosts?: Record<string, string>;
}

export interface FilterVerdict {
  filter: string;
  passed: boolean;
  reason: string;
}

/** One weigher's contribution to a pool's total weight. */
export interface WeightDetail {
  weigher: string;
  /** The weigher's own measure (GiB free, goodness rating, volume count…). */
  raw: number;
  /** raw scaled to 0..1 across the pools that passed every filter. */
  normalized: number;
  multiplier: number;
  /** normalized × multiplier; the pool's totalWeight is the sum. */
  score: number;
  reason: string;
}

export interface PoolExplanation {
  poolHost: string;
  verdicts: FilterVerdict[];
  /** Weigher name → score (normalized × multiplier). */
  weights?: Record<string, number>;
  totalWeight?: number;
  weightDetails?: WeightDetail[];
}

export interface Explanation {
  chosen: string | null;
  pools: PoolExplanation[];
  /** One line a user can read: which filters rejected how many pools, and why. */
  summary: string;
}

export interface Placement {
  poolHost: string;
  backendHost: string;
  backendName: string;
  poolName: string;
  explanation: Explanation;
}

export interface Scheduler {
  /** Replace the known state of one backend (from a stats report). */
  updateBackend(backendHost: string, backendName: string, availabilityZone: string, stats: BackendStats, at: Date): void;
  /** Pick a pool and consume its capacity locally; throws NoValidBackend with the explanation. */
  place(req: PlacementRequest): Placement;
  /** What place() would decide, without consuming anything. */
  explain(req: PlacementRequest): Explanation;
  /** Take capacity a placed volume grew by (extend), until the next stats report says so. */
  grow(poolHost: string, sizeGiB: number): void;
  /** Give back capacity consumed by a placement that failed or a volume deleted. */
  release(poolHost: string, sizeGiB: number): void;
  pools(): PoolState[];
}
