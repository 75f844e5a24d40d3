// What column programs (expression/columns.ts) read: pool variables and live usage as typed
// columns over a pool list, NaN where a value is not a finite number.
import { LIVE_CAPABILITIES, type PoolEntry } from './backend-state.js';
import type { UsageColumns } from './pool-columns.js';
import { MISSING, columnValue, type Slot, type VariableRef } from './expression/index.js';

const liveCache = new WeakMap<UsageColumns, readonly Float64Array[]>();

/** The usage columns in LIVE_CAPABILITIES order, as column programs read live names. */
export function liveColumns(u: UsageColumns): readonly Float64Array[] {
  let cols = liveCache.get(u);
  if (cols === undefined) {
    cols = LIVE_CAPABILITIES.map((name) => {
      switch (name) {
        case 'free_capacity_gb': return u.free; // NaN when capacity is infinite or unknown: left to the evaluator
        case 'allocated_capacity_gb': return u.allocated;
        case 'provisioned_capacity_gb': return u.provisioned;
        case 'total_volumes': return u.volumes;
      }
      throw new Error(`no usage column for live capability ${name}`);
    });
    liveCache.set(u, cols);
  }
  return cols;
}

const variables = new WeakMap<readonly PoolEntry[], Map<string, Float64Array>>();

/** A pool's capabilities.* or stats.* variable as bindPool resolves it. */
function poolVariable(p: PoolEntry, ref: VariableRef): Slot {
  const vars = ref.namespace === 'capabilities' ? p.exprCapabilities : p.exprStats;
  return Object.hasOwn(vars, ref.key) ? vars[ref.key]! : MISSING;
}

/**
 * One capabilities.* or stats.* variable across a pool list as column programs read it (a
 * finite number, true/false as 1/0, NaN otherwise), built once per pool list and shared by
 * every expression reading it.
 */
export function variableColumn(pools: readonly PoolEntry[], ref: VariableRef): Float64Array {
  let byName = variables.get(pools);
  if (byName === undefined) variables.set(pools, (byName = new Map()));
  const name = `${ref.namespace}.${ref.key}`;
  let col = byName.get(name);
  if (col === undefined) {
    col = new Float64Array(pools.length);
    for (let i = 0; i < pools.length; i++) col[i] = columnValue(poolVariable(pools[i]!, ref));
    byName.set(name, col);
  }
  return col;
}

/** The variable columns of `next`, a pool list equal to `prev` but at the `changed` indices: copied, those rows redone. */
export function carryVariableColumns(prev: readonly PoolEntry[], next: readonly PoolEntry[], changed: readonly number[]): void {
  const byName = variables.get(prev);
  if (byName === undefined) return;
  const carried = new Map<string, Float64Array>();
  for (const [name, col] of byName) {
    const dot = name.indexOf('.');
    const ref: VariableRef = { namespace: name.slice(0, dot) as VariableRef['namespace'], key: name.slice(dot + 1) };
    const c = col.slice();
    for (const i of changed) c[i] = columnValue(poolVariable(next[i]!, ref));
    carried.set(name, c);
  }
  variables.set(next, carried);
}
