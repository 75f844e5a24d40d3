// Struct-of-arrays views of pool state: hot filters and weighers scan typed arrays, not 10,000 objects.
import type { UsageList } from './usage-list.js';
import type { PoolEntry, PoolUsage } from './backend-state.js';
import { overLimit } from './division-limit.js';
import { setRoomBounds, virtualFreeOf } from './capacity-room.js';

export const KNOWN = 1;
export const THIN = 2;
export const THICK = 4;
export const MULTIATTACH = 8;
/** The pool's filter or goodness function does not parse. */
export const BAD_EXPRESSION = 16;
/** Capacity reported as infinite (not known, and not merely unknown). */
export const INFINITE = 32;

/** Index of the capacity columns for a request that may be placed thin, and for one asking for thick provisioning. */
export const MAY_BE_THIN = 0;
export const THICK_REQUEST = 1;

/** Fields fixed until the next stats report, one column per field, indexed like the pool list. */
export interface PoolColumns {
  readonly updatedAtMs: Float64Array;
  readonly totalGiB: Float64Array;
  readonly reserveGiB: Float64Array;
  readonly ratio: Float64Array;
  /** For thin pools, overLimit(total, ratio): over-subscribed when provisioned + size exceeds it (NaN: divide). */
  readonly thinLimit: Float64Array;
  /** KNOWN | THIN | THICK | MULTIATTACH | BAD_EXPRESSION bits. */
  readonly flags: Uint8Array;
}

/** Usage numbers, one column per field. */
export interface UsageColumns {
  readonly free: Float64Array;
  readonly provisioned: Float64Array;
  readonly allocated: Float64Array;
  readonly volumes: Float64Array;
  /** PoolUsage.version of each pool. */
  readonly version: Float64Array;
  /**
   * CapacityFilter's answer as bounds on the size, per request kind (MAY_BE_THIN,
   * THICK_REQUEST): sizes up to fitsUpTo fit, sizes from failsFrom do not (capacity-room.ts).
   */
  readonly fitsUpTo: readonly [Float64Array, Float64Array];
  readonly failsFrom: readonly [Float64Array, Float64Array];
  /** CapacityWeigher's raw score per request kind. */
  readonly virtualFree: readonly [Float64Array, Float64Array];
  /**
   * Per request kind, at most the smallest fitsUpTo of any pool: a size up to it fits every
   * pool. Lowered as rows change; when the pool that held it gains room it is only stale
   * (still a lower bound) and `floorStale` says to recompute it before trusting a miss.
   */
  readonly fitFloor: Float64Array;
  readonly floorStale: Uint8Array;
  /**
   * The rows changed in place (moveUsageColumns), the last CHANGE_LOG_SIZE of them at
   * changeLog[n % CHANGE_LOG_SIZE] for the n-th change; changeCount counts every change. Lets
   * results remembered for every row be brought up to date by redoing just those rows.
   */
  readonly changeLog: Int32Array;
  changeCount: number;
  /** Per request kind, the few pools with the least room (see TightRows). */
  readonly tight: readonly [TightRows, TightRows];
}

/**
 * The pools that can refuse a size up to `bound`: every other pool has fitsUpTo ≥ bound. At
 * most TIGHT_ROWS of them, so a placement whose size is at most `bound` checks those few
 * instead of every pool. Rows are added as pools lose room; past TIGHT_ROWS it is rebuilt.
 */
export interface TightRows {
  readonly rows: Int32Array;
  count: number;
  bound: number;
  valid: boolean;
}

export const TIGHT_ROWS = 64;

const tightRows = (): TightRows => ({ rows: new Int32Array(TIGHT_ROWS), count: 0, bound: -Infinity, valid: false });

/** The request kind's tight rows, rebuilt if they were given up: the TIGHT_ROWS pools with the least room at most. */
export function tightRowsOf(c: UsageColumns, kind: number): TightRows {
  const t = c.tight[kind];
  if (t.valid) return t;
  const up = c.fitsUpTo[kind];
  const n = up.length;
  // Rows below the (TIGHT_ROWS + 1)-th smallest room: at most TIGHT_ROWS of them.
  t.bound = n <= TIGHT_ROWS ? Infinity : up.slice().sort()[TIGHT_ROWS];
  t.count = 0;
  for (let i = 0; i < n; i++) if (up[i] < t.bound) t.rows[t.count++] = i;
  t.valid = true;
  return t;
}

/** Row i's room for the request kind changed to `up`: it joins the tight rows if below their bound. */
function noteRoom(t: TightRows, i: number, up: number): void {
  if (!t.valid || !(up < t.bound)) return;
  for (let k = 0; k < t.count; k++) if (t.rows[k] === i) return;
  if (t.count < TIGHT_ROWS) t.rows[t.count++] = i;
  else t.valid = false;
}

export const CHANGE_LOG_SIZE = 1024;

const poolCache = new WeakMap<readonly PoolEntry[], PoolColumns>();
const summaryCache = new WeakMap<PoolColumns, PoolSummary>();

/** Facts about a whole pool list, so a filter can tell at once that it rejects nothing. */
export interface PoolSummary {
  /** The oldest stats report among the pools (Infinity for no pools). */
  readonly oldestUpdateMs: number;
  /** How many pools have a filter or goodness function that does not parse. */
  readonly badExpressions: number;
}

/** The summary of a pool list's columns, computed once per list. */
export function poolSummary(c: PoolColumns): PoolSummary {
  let s = summaryCache.get(c);
  if (s === undefined) {
    let oldest = Infinity;
    let bad = 0;
    for (let i = 0; i < c.flags.length; i++) {
      const t = c.updatedAtMs[i];
      if (t !== t) oldest = -Infinity; // an invalid date is never recent enough: the filter must run
      else if (t < oldest) oldest = t;
      if ((c.flags[i] & BAD_EXPRESSION) !== 0) bad++;
    }
    s = { oldestUpdateMs: oldest, badExpressions: bad };
    summaryCache.set(c, s);
  }
  return s;
}
const usageCache = new WeakMap<UsageList, UsageColumns>();

export function poolColumns(pools: readonly PoolEntry[]): PoolColumns {
  let c = poolCache.get(pools);
  if (c !== undefined) return c;
  const n = pools.length;
  c = { updatedAtMs: new Float64Array(n), totalGiB: new Float64Array(n), reserveGiB: new Float64Array(n), ratio: new Float64Array(n), thinLimit: new Float64Array(n), flags: new Uint8Array(n) };
  for (let i = 0; i < n; i++) setPoolRow(c, i, pools[i]);
  poolCache.set(pools, c);
  return c;
}

function setPoolRow(c: PoolColumns, i: number, p: PoolEntry): void {
  c.updatedAtMs[i] = p.updatedAtMs;
  c.totalGiB[i] = p.totalGiB;
  c.reserveGiB[i] = p.reserveGiB;
  c.ratio[i] = p.maxOverSubscriptionRatio;
  c.thinLimit[i] = p.thin ? overLimit(p.totalGiB, p.maxOverSubscriptionRatio) : NaN;
  c.flags[i] = (p.capacityKnown ? KNOWN : 0) | (p.capacity.known === false && p.capacity.reason === 'infinite' ? INFINITE : 0) | (p.thin ? THIN : 0) | (p.thick ? THICK : 0) | (p.multiattach ? MULTIATTACH : 0) | (p.expressionErrors.length > 0 ? BAD_EXPRESSION : 0);
}

/**
 * Columns for `next`, a pool list equal to `prev` but at the `changed` indices (one backend
 * re-reported): `prev`'s columns copied and those rows rewritten, instead of rebuilt from every pool.
 */
export function carryPoolColumns(prev: readonly PoolEntry[], next: readonly PoolEntry[], changed: readonly number[]): void {
  const c = poolCache.get(prev);
  if (c === undefined) return;
  const d: PoolColumns = {
    updatedAtMs: c.updatedAtMs.slice(), totalGiB: c.totalGiB.slice(), reserveGiB: c.reserveGiB.slice(), ratio: c.ratio.slice(), thinLimit: c.thinLimit.slice(), flags: c.flags.slice(),
  };
  for (const i of changed) setPoolRow(d, i, next[i]);
  poolCache.set(next, d);
}

/**
 * Columns for a usage list, whose pools are `pools` (a snapshot's two halves): the live ones if
 * the scheduler handed them over, else rebuilt (explaining an old placement).
 */
export function usageColumns(usage: UsageList, pools: readonly PoolEntry[]): UsageColumns {
  let c = usageCache.get(usage);
  if (c !== undefined) return c;
  const n = usage.length;
  const f64 = () => new Float64Array(n);
  c = {
    free: f64(), provisioned: f64(), allocated: f64(), volumes: f64(), version: f64(),
    fitsUpTo: [f64(), f64()], failsFrom: [f64(), f64()], virtualFree: [f64(), f64()],
    fitFloor: new Float64Array(2), floorStale: new Uint8Array(2),
    changeLog: new Int32Array(CHANGE_LOG_SIZE), changeCount: 0,
    tight: [tightRows(), tightRows()],
  };
  const pc = poolColumns(pools);
  for (let i = 0; i < n; i++) setUsageRow(c, pc, i, usage.get(i));
  for (let m = 0; m < 2; m++) c.fitFloor[m] = smallest(c.fitsUpTo[m]);
  usageCache.set(usage, c);
  return c;
}

function smallest(a: Float64Array): number {
  let min = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < min) min = a[i];
  return min;
}

/** A size up to which every pool fits, for the request kind (recomputed if stale): see UsageColumns.fitFloor. */
export function fitFloor(c: UsageColumns, kind: number, size: number): number {
  if (size > c.fitFloor[kind] && c.floorStale[kind] === 1) {
    c.fitFloor[kind] = smallest(c.fitsUpTo[kind]);
    c.floorStale[kind] = 0;
  }
  return c.fitFloor[kind];
}

function setUsageRow(c: UsageColumns, pc: PoolColumns, i: number, u: PoolUsage): void {
  c.free[i] = u.freeGiB;
  c.provisioned[i] = u.provisionedGiB;
  c.allocated[i] = u.allocatedGiB;
  c.volumes[i] = u.volumes;
  c.version[i] = u.version;
  const f = pc.flags[i];
  const known = (f & KNOWN) !== 0;
  for (let m = 0; m < 2; m++) {
    const thin = (f & THIN) !== 0 && m === MAY_BE_THIN;
    setRoomBounds(c.fitsUpTo[m], c.failsFrom[m], i, known, pc.totalGiB[i], pc.reserveGiB[i], pc.ratio[i], pc.thinLimit[i], thin, u.freeGiB, u.provisionedGiB);
    c.virtualFree[m][i] = virtualFreeOf(known, (f & INFINITE) !== 0, pc.totalGiB[i], pc.reserveGiB[i], pc.ratio[i], thin, u.freeGiB, u.provisionedGiB);
  }
}

/**
 * Hand the columns of `from` to its successor `to` (whose pools are `pools`), which differs at
 * the `changed` indices only: updated in place instead of copied, so a placement costs O(1)
 * here. `from` loses them and would rebuild them if an old explanation is ever read.
 */
export function moveUsageColumns(from: UsageList, to: UsageList, changed: number | readonly number[], pools: readonly PoolEntry[]): void {
  const c = usageCache.get(from);
  if (c === undefined) return;
  usageCache.delete(from);
  const pc = poolColumns(pools);
  const move = (i: number) => {
    const before0 = c.fitsUpTo[0][i];
    const before1 = c.fitsUpTo[1][i];
    setUsageRow(c, pc, i, to.get(i));
    lowerFloor(c, 0, before0, c.fitsUpTo[0][i]);
    lowerFloor(c, 1, before1, c.fitsUpTo[1][i]);
    noteRoom(c.tight[0], i, c.fitsUpTo[0][i]);
    noteRoom(c.tight[1], i, c.fitsUpTo[1][i]);
    c.changeLog[c.changeCount++ % CHANGE_LOG_SIZE] = i;
  };
  if (typeof changed === 'number') move(changed);
  else for (const i of changed) move(i);
  usageCache.set(to, c);
}

function lowerFloor(c: UsageColumns, kind: number, before: number, after: number): void {
  if (after < c.fitFloor[kind]) c.fitFloor[kind] = after;
  // The pool that may have held the smallest room gained some: the floor may now be too low.
  else if (after > before && before <= c.fitFloor[kind]) c.floorStale[kind] = 1;
}
