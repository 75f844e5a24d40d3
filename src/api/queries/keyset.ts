// Keyset pagination: the WHERE clause that selects rows after a marker row under a
// multi-key sort (with the id as the final tie-breaker), so pages stay stable.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';

export interface SortExpr {
  expr: Expression<unknown>;
  dir: 'asc' | 'desc';
}

/** (k1 > m1) OR (k1 = m1 AND k2 > m2) OR …, with < for descending keys. */
export function afterMarker<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  keys: SortExpr[],
  markerValues: unknown[],
): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const ands: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) ands.push(eb(keys[j]!.expr as never, '=', markerValues[j] as never));
    ands.push(eb(keys[i]!.expr as never, keys[i]!.dir === 'desc' ? '<' : '>', markerValues[i] as never));
    ors.push(eb.and(ands));
  }
  return eb.or(ors);
}
