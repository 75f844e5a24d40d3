// Who asks, as far as the access rules of the repositories go. The API's RequestContext
// satisfies it; `null` is Flint itself (flows, managers, admin-only paths): no scope at all.
export interface Caller {
  projectId: string;
  isAdmin: boolean;
}

/** The project a caller's reads are confined to; `null` for admins and for Flint itself. */
export function projectScope(caller: Caller | null): string | null {
  return caller && !caller.isAdmin ? caller.projectId : null;
}

/** Rows keyed by `key`, collected per id of `ids` (every id present, empty when none). */
export function groupPairs<R>(ids: string[], rows: R[], idOf: (r: R) => string, keyOf: (r: R) => string, valueOf: (r: R) => string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const id of ids) out.set(id, {});
  for (const r of rows) out.get(idOf(r))![keyOf(r)] = valueOf(r);
  return out;
}
