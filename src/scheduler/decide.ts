// One pass of filtering and weighing over a snapshot of pool state; the hot loop of placement.
import type { UsageList } from './usage-list.js';
import { capabilityColumn, type PoolEntry } from './backend-state.js';
import { poolColumns, usageColumns } from './pool-columns.js';
import type { PoolFilter } from './filters/pool-filter.js';
import type { RequestContext } from './request-context.js';
import type { PoolWeigher } from './weighers/pool-weigher.js';

/** Pools and their usage at one moment. Both arrays are replaced, never mutated, so a snapshot stays valid. */
export interface Snapshot {
  readonly pools: readonly PoolEntry[];
  readonly usage: UsageList;
}

/** How many example pools per filter the summary names. */
export const SUMMARY_EXAMPLES = 2;

export interface Decision {
  /** Index of the chosen pool, or -1. */
  chosen: number;
  chosenWeight: number;
  candidates: number;
  /** Per filter: how many pools it rejected, and the first few it rejected. */
  rejected: number[];
  examples: number[][];
}

/** Filled only when an explanation is being built: per pool, the rejecting filter and the weights. */
export interface DecisionRecord {
  /** Index of the filter that rejected the pool, or -1 if it passed every filter. */
  rejectedBy: Int16Array;
  raw: Float64Array[];
  normalized: Float64Array[];
  total: Float64Array;
}

// Scratch buffers reused across placements (placement is synchronous, never re-entered).
let bufA = new Int32Array(1024);
let bufB = new Int32Array(1024);
let totalBuf = new Float64Array(1024);
let rawBuf = new Float64Array(1024);
/** 0, 1, 2, …: the candidates before any filter ran, never written by a filter. */
let identity = Int32Array.from({ length: 1024 }, (_, i) => i);

function ensure(n: number): void {
  if (bufA.length >= n) return;
  const size = Math.max(n, bufA.length * 2);
  bufA = new Int32Array(size);
  bufB = new Int32Array(size);
  totalBuf = new Float64Array(size);
  rawBuf = new Float64Array(size);
  identity = Int32Array.from({ length: size }, (_, i) => i);
}

export function newRecord(n: number, weighers: number): DecisionRecord {
  return {
    rejectedBy: new Int16Array(n).fill(-1),
    raw: Array.from({ length: weighers }, () => new Float64Array(n)),
    normalized: Array.from({ length: weighers }, () => new Float64Array(n)),
    total: new Float64Array(n),
  };
}

/**
 * Filters run one after another over the surviving pools (as Cinder's filter_all chain does),
 * so a pool's verdict is the first filter that rejects it; then every weigher scores the survivors.
 */
export function decide(
  snap: Snapshot,
  ctx: RequestContext,
  filters: readonly PoolFilter[],
  weighers: readonly PoolWeigher[],
  record?: DecisionRecord,
): Decision {
  const { pools, usage } = snap;
  const n = pools.length;
  ensure(n);
  ctx.specColumns = ctx.capabilitySpecs.map((s) => capabilityColumn(pools, s.capability));
  ctx.poolCols = poolColumns(pools);
  ctx.usageCols = usageColumns(usage, pools);
  let from = identity;
  let to = bufA;
  let count = n;
  const nf = filters.length;
  const rejected = new Array<number>(nf).fill(0);
  const examples: number[][] = Array.from({ length: nf }, () => []);
  for (let f = 0; f < nf && count > 0; f++) {
    const filter = filters[f];
    if (filter.active !== undefined && !filter.active(ctx)) continue;
    const kept = filter.filterAll(pools, usage, ctx, from, count, to);
    if (kept < count) {
      rejected[f] = count - kept;
      // Both lists are in pool order: walk them together to find who was dropped.
      const ex = examples[f];
      for (let k = 0, j = 0; k < count; k++) {
        const i = from[k];
        if (j < kept && to[j] === i) j++;
        else {
          if (ex.length < SUMMARY_EXAMPLES) ex.push(i);
          if (record) record.rejectedBy[i] = f;
          else if (ex.length >= SUMMARY_EXAMPLES) break;
        }
      }
    }
    from = to;
    to = from === bufA ? bufB : bufA;
    count = kept;
  }
  const cand = from;
  const c = count;

  const total = totalBuf;
  total.fill(0, 0, c);
  const raw = rawBuf;
  for (let w = 0; w < weighers.length; w++) {
    const weigher = weighers[w];
    weigher.weighAll(pools, usage, ctx, cand, c, raw);
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < c; k++) {
      const r = raw[k];
      if (r < min) min = r;
      if (r > max) max = r;
    }
    if (record) for (let k = 0; k < c; k++) record.raw[w][cand[k]] = raw[k];
    // Cinder's handling of infinite capacity: infinite pools weigh a little above the best finite one.
    if (max === Infinity) {
      let maxFinite = -Infinity;
      for (let k = 0; k < c; k++) if (raw[k] !== Infinity && raw[k] > maxFinite) maxFinite = raw[k];
      if (maxFinite === -Infinity) max = min; // all infinite: all weigh the same
      else {
        const offset = (maxFinite - min) * 0.5;
        max = maxFinite + (offset === 0 ? 1 : offset);
        for (let k = 0; k < c; k++) if (raw[k] === Infinity) raw[k] = max;
      }
    }
    // Min-max normalisation (cinder.scheduler.weights.normalize): equal scores all become 0.
    const range = max - min;
    const m = weigher.multiplier;
    // Equal scores add m × 0 to every total, which changes none (totals start at +0): skipped.
    if (range > 0) for (let k = 0; k < c; k++) total[k] += m * ((raw[k] - min) / range);
    if (record) for (let k = 0; k < c; k++) record.normalized[w][cand[k]] = range > 0 ? (raw[k] - min) / range : 0;
  }

  // Highest total weight wins; ties go to the first pool reported, so placement is deterministic.
  let best = -1;
  let bestWeight = -Infinity;
  for (let k = 0; k < c; k++) {
    if (record) record.total[cand[k]] = total[k];
    if (total[k] > bestWeight) {
      bestWeight = total[k];
      best = cand[k];
    }
  }
  return { chosen: best, chosenWeight: best < 0 ? 0 : bestWeight, candidates: c, rejected, examples };
}
