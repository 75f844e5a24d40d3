// Running a pool's filter/goodness function, and remembering results across placements by column.
import type { ExpressionSlot, PoolEntry, PoolExpression, PoolUsage, RequestBinding } from './backend-state.js';
import type { RequestContext } from './request-context.js';
import { EvalFailure, type Slot, type Value } from './expression/index.js';

let bindingIds = 0;

function sameSlots(a: readonly Slot[], b: readonly Slot[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The request's variables for one compiled expression, bound once per placement. */
export function bindingFor(slot: ExpressionSlot & { compiled: object }, ctx: RequestContext): RequestBinding {
  let bound = slot.request;
  if (bound === undefined || bound.owner !== ctx) {
    const frame = slot.compiled.bindRequest(ctx.volumeVars, ctx.qosVars, ctx.extraVars);
    // Equal values keep the previous binding's id, so results remembered for it stay valid.
    bound = bound !== undefined && sameSlots(bound.frame, frame) ? { owner: ctx, frame: bound.frame, id: bound.id } : { owner: ctx, frame, id: ++bindingIds };
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
  for (const kind of ['filter', 'goodness'] as const) {
    const from = columns[kind].get(prev);
    if (from === undefined) continue;
    const c = new ExpressionColumn(next, from.pick, { from, changed });
    if (c.slots.length <= MAX_CARRIED_SLOTS) columns[kind].set(next, c);
  }
}
