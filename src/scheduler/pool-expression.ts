// Running a pool's filter/goodness function, and remembering results across placements by column.
import type { ExpressionSlot, PoolEntry, PoolExpression, PoolUsage, RequestBinding } from './backend-state.js';
import type { RequestContext } from './request-context.js';
import { BATCH, EvalFailure, type ColumnInputs, type Slot, type Value } from './expression/index.js';
import { carryVariableColumns, liveColumns, variableColumn } from './column-inputs.js';
import { CHANGE_LOG_SIZE, type UsageColumns } from './pool-columns.js';

let bindingIds = 0;

/** How a column value becomes an outcome: a filter's verdict (truthy, 1/0) or a goodness rating (0..100, else 0). */
export const enum OutcomeKind {
  Truthy,
  Rating,
}

function sameSlots(a: readonly Slot[], b: readonly Slot[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Text that tells frames apart: equal for equal values (-0 and 0 differ, as results may). */
function frameKey(frame: readonly Slot[]): string {
  let key = '';
  for (const v of frame) key += `${typeof v}:${typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v)}\u0001`;
  return key;
}

/** Past this many distinct request frames per expression, ids are handed out afresh. */
const MAX_BINDING_IDS = 256;

/** The request's variables for one compiled expression, bound once per placement. */
export function bindingFor(slot: ExpressionSlot & { compiled: object }, ctx: RequestContext): RequestBinding {
  let bound = slot.request;
  if (bound === undefined || bound.owner !== ctx) {
    const frame = slot.compiled.bindRequest(ctx.volumeVars, ctx.qosVars, ctx.extraVars);
    if (bound !== undefined && sameSlots(bound.frame, frame)) bound = { owner: ctx, frame: bound.frame, id: bound.id };
    else {
      // Equal values get the id they had before (a volume size seen again), so results remembered for it stay valid.
      const ids = slot.bindingIds ?? (slot.bindingIds = new Map());
      const key = frameKey(frame);
      let id = ids.get(key);
      if (id === undefined) {
        if (ids.size >= MAX_BINDING_IDS) ids.clear();
        ids.set(key, (id = ++bindingIds));
      }
      bound = { owner: ctx, frame, id };
    }
    slot.request = bound;
  }
  return bound;
}

/** Run a pool's compiled expression: pool variables bound per report, request variables once per placement. */
export function runPoolExpression(expr: PoolExpression, u: PoolUsage, ctx: RequestContext): Value | EvalFailure {
  const slot = expr.slot;
  if (slot.compiled === undefined) return new EvalFailure(`it is invalid: ${slot.error}`);
  const f = ctx.frame;
  f.pool = expr.poolFrame;
  f.live = u.live;
  f.request = bindingFor(slot, ctx).frame;
  return slot.compiled.tryRun(f);
}

/**
 * One expression kind (filter or goodness) across a pool list, with the last numeric outcome
 * per pool and what it was computed from (usage version, request binding id). Evaluation is
 * pure, so the same inputs give the same outcome: a goodness function reading only pool stats
 * runs once per pool per change instead of once per pool per placement.
 */
export class ExpressionColumn {
  /** Index into `slots` per pool, or -1 for a pool without this expression. */
  readonly slotIndex: Int32Array;
  readonly slots: ExpressionSlot[] = [];
  /** Each pool's bound pool variables (PoolExpression.poolFrame), so the batch path skips the pool object. */
  readonly poolFrames: (readonly Slot[])[];
  /** Request variables per slot for the current request; filled by bindingIds(). */
  readonly requestFrames: (readonly Slot[])[] = [];
  readonly memoVersion: Float64Array;
  readonly memoBinding: Float64Array;
  readonly memoValue: Float64Array;
  private readonly ids: Float64Array;
  /** Per slot, its pool variables' columns (variableColumn), looked up on first use. */
  private readonly slotVariables: (readonly Float64Array[])[] = [];
  /** The slot every pool of the list has, or -1 (several expressions, or pools without one). */
  private readonly onlySlot: number;
  /**
   * When every pool has one expression: per binding id, the outcome of every row (not only of
   * candidates) and how far into the usage columns' change log it is up to date, so a
   * placement redoes just the rows changed since and reads the rest. Few: the bindings used most lately.
   */
  private wholes = new Map<number, WholeOutcomes>();
  /** How many times each binding id was asked for (bounded), to tell a recurring request from a one-off. */
  private uses = new Map<number, number>();
  constructor(
    readonly pools: readonly PoolEntry[],
    readonly pick: (p: PoolEntry) => PoolExpression | null,
    /** The column of a pool list equal to this one but at `changed`: copied, remembered outcomes kept. */
    carry?: { from: ExpressionColumn; changed: readonly number[] },
  ) {
    const n = pools.length;
    if (carry !== undefined) {
      const f = carry.from;
      this.slotIndex = f.slotIndex.slice();
      this.memoVersion = f.memoVersion.slice();
      this.memoBinding = f.memoBinding.slice();
      this.memoValue = f.memoValue.slice();
      this.poolFrames = f.poolFrames.slice();
      this.slots = f.slots.slice();
      const index = new Map<ExpressionSlot, number>(this.slots.map((s, k) => [s, k]));
      for (const i of carry.changed) {
        this.memoVersion[i] = -1;
        this.memoBinding[i] = -1;
        this.bindPool(i, index);
      }
      this.ids = new Float64Array(this.slots.length);
      this.onlySlot = sharedSlot(this.slotIndex);
      // The rows changed here were logged by the usage columns too, so outcomes for every row
      // stay valid once those rows are redone: taken over (the old list only explains old snapshots,
      // whose usage columns are rebuilt, so it never reads them).
      this.wholes = f.wholes;
      this.uses = f.uses;
      f.wholes = new Map();
      f.uses = new Map();
      return;
    }
    this.slotIndex = new Int32Array(n);
    this.memoVersion = new Float64Array(n).fill(-1);
    this.memoBinding = new Float64Array(n).fill(-1);
    this.memoValue = new Float64Array(n);
    this.poolFrames = new Array(n);
    const index = new Map<ExpressionSlot, number>();
    for (let i = 0; i < n; i++) this.bindPool(i, index);
    this.ids = new Float64Array(this.slots.length);
    this.onlySlot = sharedSlot(this.slotIndex);
  }

  /** Pool i's expression: its pool frame, and its slot (shared by pools with the same expression). */
  private bindPool(i: number, index: Map<ExpressionSlot, number>): void {
    const e = this.pick(this.pools[i]!);
    this.poolFrames[i] = e === null ? [] : e.poolFrame;
    if (e === null) {
      this.slotIndex[i] = -1;
      return;
    }
    let k = index.get(e.slot);
    if (k === undefined) index.set(e.slot, (k = this.slots.push(e.slot) - 1));
    this.slotIndex[i] = k;
  }

  /**
   * Every candidate's outcome: out[k] for pool rows[k]. A pool without this expression gets
   * `none`; one whose usage and request binding are those of its remembered outcome gets that;
   * the others are computed together by the column form of their expression (expression/
   * columns.ts), its value made an outcome as `kind` says, and where the column form leaves a
   * pool undecided, `evaluate(i)` runs the evaluator. New outcomes are remembered.
   */
  outcomes(ctx: RequestContext, rows: Int32Array, count: number, out: Float64Array, kind: OutcomeKind, none: number, evaluate: (i: number) => number): void {
    const before = bindingIds;
    const ids = this.bindingIds(ctx);
    const { slotIndex, memoVersion, memoBinding, memoValue } = this;
    const uc = ctx.usageCols;
    const version = uc.version;
    ensureScratch(Math.max(count, this.pools.length), this.slots.length);
    const only = this.onlySlot;
    const onlyId = only >= 0 ? ids[only] : -1;
    if (onlyId >= 0) {
      const whole = this.wholeOutcomes(ctx, onlyId, kind, evaluate);
      if (whole !== null) {
        for (let k = 0; k < count; k++) out[k] = whole[rows[k]];
        return;
      }
    }
    // A binding made just now (the request's values differ from the last one's) matches nothing
    // remembered: then every pool is computed, without looking.
    let fresh = true;
    for (let s = 0; s < this.slots.length; s++) if (!(ids[s] > before) && this.slots[s].compiled !== undefined) fresh = false;
    if (fresh && only >= 0 && this.freshRun(ctx, rows, count, out, kind, evaluate)) return;
    let missRows = rows;
    let misses = count;
    let missAt: Int32Array | null = null;
    if (!fresh) {
      missRows = pending;
      missAt = pendingAt;
      misses = 0;
      if (only >= 0) {
        // Every pool has this one expression: one binding id to compare with.
        const id = onlyId;
        for (let k = 0; k < count; k++) {
          const i = rows[k];
          if (memoVersion[i] === version[i] && memoBinding[i] === id) out[k] = memoValue[i];
          else {
            missRows[misses] = i;
            missAt[misses++] = k;
          }
        }
      } else {
        for (let k = 0; k < count; k++) {
          const i = rows[k];
          const s = slotIndex[i];
          if (s < 0) out[k] = none;
          else if (memoVersion[i] === version[i] && memoBinding[i] === ids[s]) out[k] = memoValue[i];
          else {
            missRows[misses] = i;
            missAt[misses++] = k;
          }
        }
      }
    }
    if (misses > 0) this.remember(ctx, missRows, misses, ids, kind, none, evaluate, out, missAt);
  }

  /** Compute rows[0..count) (pools with an expression or not), remember the outcomes, and put them in out[at[m]] (out[m] if at is null). */
  private remember(ctx: RequestContext, rows: Int32Array, count: number, ids: Float64Array, kind: OutcomeKind, none: number, evaluate: (i: number) => number, out: Float64Array, at: Int32Array | null): void {
    const { slotIndex, memoVersion, memoBinding, memoValue } = this;
    const version = ctx.usageCols.version;
    const values = columnValues;
    this.evaluateColumns(ctx, rows, count, values);
    for (let m = 0; m < count; m++) {
      const i = rows[m];
      const s = slotIndex[i];
      let o = none;
      if (s >= 0) {
        const v = values[m];
        o = v !== v ? evaluate(i) : kind === OutcomeKind.Truthy ? (v !== 0 ? 1 : 0) : v >= 0 && v <= 100 ? v : 0;
        memoVersion[i] = version[i];
        memoBinding[i] = ids[s];
        memoValue[i] = o;
      }
      out[at === null ? m : at[m]] = o;
    }
  }

  /**
   * Every row's outcome for binding `id` (every pool has this column's one expression), up to
   * date with the usage: redone for the rows changed since it was last asked for, or computed
   * for every row the third time the id is asked for. Null when it is not kept for this id.
   */
  private wholeOutcomes(ctx: RequestContext, id: number, kind: OutcomeKind, evaluate: (i: number) => number): Float64Array | null {
    const uc = ctx.usageCols;
    const n = this.pools.length;
    let whole = this.wholes.get(id);
    let rows: Int32Array = wholeRows;
    let count = 0;
    if (whole !== undefined && whole.usage === uc && uc.changeCount - whole.at <= CHANGE_LOG_SIZE) {
      for (let c = whole.at; c < uc.changeCount; c++) rows[count++] = uc.changeLog[c % CHANGE_LOG_SIZE];
    } else {
      if (whole !== undefined && whole.usage === uc) {
        // Out of date beyond the log (a request seldom seen): asked for again as if new.
        this.wholes.delete(id);
        this.uses.delete(id);
      }
      // Kept for other usage (an old snapshot being explained): this usage is counted as a new request.
      // Without a column form every row would take the evaluator: left to the remembered outcomes.
      if ((this.slots[this.onlySlot].compiled?.columnProgram ?? null) === null) return null;
      const uses = (this.uses.get(id) ?? 0) + 1;
      if (this.uses.size >= MAX_BINDING_IDS) this.uses.clear();
      this.uses.set(id, uses);
      if (uses < 3) return null;
      this.uses.delete(id);
      if (!this.wholes.has(id) && this.wholes.size >= MAX_WHOLES) this.wholes.delete(this.wholes.keys().next().value!);
      whole = { values: new Float64Array(n), usage: uc, at: 0 };
      rows = wholeIdentity(n);
      count = n;
    }
    // Most recently used last, so the first is the one to drop.
    this.wholes.delete(id);
    this.wholes.set(id, whole);
    whole.at = uc.changeCount;
    if (count === 0) return whole.values;
    // A row changed twice is redone twice: harmless, outcomes are pure.
    const values = columnValues;
    this.evaluateColumns(ctx, rows, count, values);
    const out = whole.values;
    for (let m = 0; m < count; m++) {
      const v = values[m];
      out[rows[m]] = v !== v ? evaluate(rows[m]) : kind === OutcomeKind.Truthy ? (v !== 0 ? 1 : 0) : v >= 0 && v <= 100 ? v : 0;
    }
    return out;
  }

  /**
   * outcomes() for a binding made just now when every pool has the same expression: its column
   * form runs over the rows as they are, outcomes straight into `out`. Only what the evaluator
   * decided is remembered: the column form is cheap to run again, and a new binding is usually
   * replaced by the next request's. False (nothing done) when the expression has no column form.
   */
  private freshRun(ctx: RequestContext, rows: Int32Array, count: number, out: Float64Array, kind: OutcomeKind, evaluate: (i: number) => number): boolean {
    const s = this.onlySlot;
    const program = this.slots[s].compiled?.columnProgram ?? null;
    if (program === null) return false;
    const { memoVersion, memoBinding, memoValue } = this;
    const version = ctx.usageCols.version;
    const id = this.ids[s];
    const inputs: ColumnInputs = { pool: this.variableColumns(s), live: liveColumns(ctx.usageCols), request: this.requestFrames[s] };
    for (let b = 0; b < count; b += BATCH) {
      const len = Math.min(BATCH, count - b);
      const v = program.run(inputs, rows, b, len);
      for (let j = 0; j < len; j++) {
        const x = v[j];
        let o: number;
        if (x !== x) {
          const i = rows[b + j];
          o = evaluate(i);
          memoVersion[i] = version[i];
          memoBinding[i] = id;
          memoValue[i] = o;
        } else o = kind === OutcomeKind.Truthy ? (x !== 0 ? 1 : 0) : x >= 0 && x <= 100 ? x : 0;
        out[b + j] = o;
      }
    }
    return true;
  }

  /**
   * The column form's value for pool rows[k] into out[k]: a number (true/false as 1/0), or NaN
   * where the evaluator must decide (no expression, no column form, or a value it leaves to the
   * evaluator). bindingIds(ctx) binds the request first.
   */
  private evaluateColumns(ctx: RequestContext, rows: Int32Array, count: number, out: Float64Array): void {
    const ns = this.slots.length;
    const slotIndex = this.slotIndex;
    // starts[s + 2]: rows of slot s (s = -1, no expression, first); not needed when every pool has one slot.
    const starts = groupStarts;
    if (this.onlySlot < 0) {
      starts.fill(0, 0, ns + 2);
      for (let k = 0; k < count; k++) starts[slotIndex[rows[k]] + 2]++;
    }
    const live = liveColumns(ctx.usageCols);
    // Usually every pool has the same expression: run it over the rows as they are.
    for (let s = 0; s < ns; s++) {
      if (s !== this.onlySlot && starts[s + 2] !== count) continue;
      const program = this.slots[s].compiled?.columnProgram ?? null;
      if (program === null) {
        out.fill(NaN, 0, count);
        return;
      }
      const inputs: ColumnInputs = { pool: this.variableColumns(s), live, request: this.requestFrames[s] };
      for (let b = 0; b < count; b += BATCH) {
        const len = Math.min(BATCH, count - b);
        const v = program.run(inputs, rows, b, len);
        for (let j = 0; j < len; j++) out[b + j] = v[j];
      }
      return;
    }
    // Else group the rows by expression (a counting sort, in order within a group).
    out.fill(NaN, 0, count);
    for (let g = 0; g <= ns; g++) starts[g + 1] += starts[g];
    const next = groupNext;
    next.set(starts.subarray(0, ns + 1));
    for (let k = 0; k < count; k++) {
      const i = rows[k];
      const at = next[slotIndex[i] + 1]++;
      groupRows[at] = i;
      groupPos[at] = k;
    }
    for (let s = 0; s < ns; s++) {
      const begin = starts[s + 1];
      const end = starts[s + 2];
      const program = this.slots[s].compiled?.columnProgram ?? null;
      if (begin === end || program === null) continue;
      const inputs: ColumnInputs = { pool: this.variableColumns(s), live, request: this.requestFrames[s] };
      for (let b = begin; b < end; b += BATCH) {
        const len = Math.min(BATCH, end - b);
        const v = program.run(inputs, groupRows, b, len);
        for (let j = 0; j < len; j++) out[groupPos[b + j]] = v[j];
      }
    }
  }

  /** The pool variables of slot s's expression, one column each over this pool list. */
  private variableColumns(s: number): readonly Float64Array[] {
    let cols = this.slotVariables[s];
    if (cols === undefined) {
      const compiled = this.slots[s].compiled;
      cols = compiled === undefined ? [] : compiled.poolVariables.map((ref) => variableColumn(this.pools, ref));
      this.slotVariables[s] = cols;
    }
    return cols;
  }

  /** Binding id per distinct slot for this request (-1 for an expression that did not compile). */
  bindingIds(ctx: RequestContext): Float64Array {
    for (let k = 0; k < this.slots.length; k++) {
      const s = this.slots[k];
      if (s.compiled === undefined) {
        this.ids[k] = -1;
        this.requestFrames[k] = [];
      } else {
        const b = bindingFor(s, ctx);
        this.ids[k] = b.id;
        this.requestFrames[k] = b.frame;
      }
    }
    return this.ids;
  }
}

/** One binding's outcomes for every row of a pool list (ExpressionColumn.wholes). */
interface WholeOutcomes {
  readonly values: Float64Array;
  usage: UsageColumns;
  /** values are up to date with the usage columns' first `at` changes. */
  at: number;
}

/** Bindings whose every-row outcomes are kept per expression column (a few volume sizes' worth). */
const MAX_WHOLES = 16;

let identityRows = new Int32Array(0);
function wholeIdentity(n: number): Int32Array {
  if (identityRows.length < n) identityRows = Int32Array.from({ length: n }, (_, i) => i);
  return identityRows;
}

/** The slot index every entry has, or -1 if they differ or one is -1 (or there are none). */
function sharedSlot(slotIndex: Int32Array): number {
  if (slotIndex.length === 0) return -1;
  const s = slotIndex[0];
  for (let i = 1; i < slotIndex.length; i++) if (slotIndex[i] !== s) return -1;
  return s;
}

// Scratch for evaluateColumns (placement is synchronous, never re-entered).
let groupStarts = new Int32Array(64);
let groupNext = new Int32Array(64);
let groupRows = new Int32Array(1024);
let groupPos = new Int32Array(1024);
let pending = new Int32Array(1024);
let pendingAt = new Int32Array(1024);
let columnValues = new Float64Array(1024);
let wholeRows = new Int32Array(1024);

function ensureScratch(count: number, slots: number): void {
  if (groupStarts.length < slots + 2) {
    groupStarts = new Int32Array(slots + 2);
    groupNext = new Int32Array(slots + 2);
  }
  if (groupRows.length < count) {
    const size = Math.max(count, groupRows.length * 2);
    groupRows = new Int32Array(size);
    groupPos = new Int32Array(size);
    pending = new Int32Array(size);
    pendingAt = new Int32Array(size);
    columnValues = new Float64Array(size);
    wholeRows = new Int32Array(size);
  }
}

const columns = { filter: new WeakMap<readonly PoolEntry[], ExpressionColumn>(), goodness: new WeakMap<readonly PoolEntry[], ExpressionColumn>() };

export function expressionColumn(pools: readonly PoolEntry[], kind: 'filter' | 'goodness'): ExpressionColumn {
  let c = columns[kind].get(pools);
  if (c === undefined) {
    c = new ExpressionColumn(pools, kind === 'filter' ? (p) => p.filterFunction : (p) => p.goodnessFunction);
    columns[kind].set(pools, c);
  }
  return c;
}

/** Past this many distinct expressions a carried column is rebuilt instead, dropping ones no pool uses any more. */
const MAX_CARRIED_SLOTS = 256;

/** The expression columns of `next`, a pool list equal to `prev` but at the `changed` indices (see ExpressionColumn). */
export function carryExpressionColumns(prev: readonly PoolEntry[], next: readonly PoolEntry[], changed: readonly number[]): void {
  carryVariableColumns(prev, next, changed);
  for (const kind of ['filter', 'goodness'] as const) {
    const from = columns[kind].get(prev);
    if (from === undefined) continue;
    const c = new ExpressionColumn(next, from.pick, { from, changed });
    if (c.slots.length <= MAX_CARRIED_SLOTS) columns[kind].set(next, c);
  }
}
