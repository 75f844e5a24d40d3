// The filter contract: a fast yes/no per pool, and a reason with numbers for the same inputs.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';

export interface PoolFilter {
  /** Cinder's class name, shown to users (e.g. CapacityFilter). */
  readonly name: string;
  /** Hot path, run for every pool on every placement: no allocation, no strings. */
  passes(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext): boolean;
  /** Why the pool passed or failed, for the same inputs; built only when an explanation is read. */
  describe(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext): string;
}

/** Numbers in reasons: at most two decimals, no trailing zeros. */
export function gib(n: number): string {
  return `${Number.isFinite(n) ? Math.round(n * 100) / 100 : n} GiB`;
}
export function fmt(n: number): string {
  return String(Number.isFinite(n) ? Math.round(n * 100) / 100 : n);
}
