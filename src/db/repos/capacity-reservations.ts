// Capacity reservations (migration 009): what pools gave or got back since their last stats
// report, shared by every scheduler process. A placement's row is written with the
// placement; a change's (delete, extend, manage…) in the transaction that finishes it. A
// stats write removes, in its own transaction, the placements it counts (creates that
// returned before its sample), the changes made before its sample, and the placements whose
// resource is gone, moved off the pool or left `creating` before the sample (work a process
// that died could not report), so nothing holds room forever.
import { sql, type Insertable } from 'kysely';
import type { CapacityReservationRow, CapacityReservationsTable } from '../schema.js';
import type { Tx } from '../transaction.js';
import { SharedReusableQuery } from '../reusable-query.js';
import { nowIso } from '../../util/clock.js';
import { newId } from '../../util/ids.js';

export type ReservedKind = 'volume' | 'share';

const TABLE: Record<ReservedKind, 'volumes' | 'shares'> = { volume: 'volumes', share: 'shares' };

// The statements of every placement, compiled once per shape (db/reusable-query.ts).
const lockStats = new SharedReusableQuery((k, { backendHost }: { backendHost: string }) => k.updateTable('backendStats')
  .set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('backendHost', '=', backendHost).returning('stats'));
// The pool's running total (migration 014) less the resource's own placement on it, if any.
const reservedExcept = new SharedReusableQuery((k, { poolHost, exceptResourceId }: { poolHost: string; exceptResourceId: string }) => k.selectNoFrom((eb) => eb(
  eb.fn.coalesce(eb.selectFrom('poolReservationTotals').select('gib').where('poolHost', '=', poolHost), sql<number>`0`),
  '-',
  eb.fn.coalesce(eb.selectFrom('capacityReservations').select('sizeGib').where('id', '=', exceptResourceId).where('poolHost', '=', poolHost), sql<number>`0`),
).as('gib')));
const upsertPlacement = new SharedReusableQuery((k, row: Insertable<CapacityReservationsTable>) => k.insertInto('capacityReservations').values(row)
  .onConflict((oc) => oc.column('id').doUpdateSet({ backendHost: row.backendHost, poolHost: row.poolHost, sizeGib: row.sizeGib, createdAt: row.createdAt })));

/**
 * Locks the backend's stats row and returns its stats (JSON), or undefined when the backend
 * never reported. Placements on one backend and its stats writes queue on this row, so a
 * placement checks room against a report and reservations that cannot change under it.
 */
export async function lockBackendStats(tx: Tx, backendHost: string): Promise<string | undefined> {
  return (await lockStats.execute(tx, { backendHost })).rows[0]?.stats;
}

/**
 * GiB reserved on one pool (changes included), leaving out `exceptResourceId`'s placement (being
 * replaced). Two index lookups, however many reservations the pool has (migration 014).
 */
export async function reservedOnPool(tx: Tx, poolHost: string, exceptResourceId: string): Promise<number> {
  const [r] = (await reservedExcept.execute(tx, { poolHost, exceptResourceId })).rows;
  return Number(r!.gib);
}

export async function putPlacement(
  tx: Tx, r: { resourceId: string; kind: ReservedKind; backendHost: string; poolHost: string; sizeGiB: number },
): Promise<void> {
  const row = {
    id: r.resourceId, reason: 'placement' as const, resourceId: r.resourceId, resourceKind: r.kind,
    backendHost: r.backendHost, poolHost: r.poolHost, sizeGib: r.sizeGiB, createdAt: nowIso(),
  };
  await upsertPlacement.execute(tx, row);
}

/**
 * A pool's use changed outside a placement, in the transaction finishing the operation. When
 * room is given back for a resource whose placement is still reserved (its create failed, or
 * it was deleted before any report counted it), that placement simply ends; otherwise the
 * change is recorded until a report sampled after it.
 *
 * `changedAt`: when the backend's change was complete. The change row is dated then, not at
 * this commit, and the backend's stats row is locked first: a report sampled after the change
 * either committed already (then it counts the change and nothing is recorded) or commits
 * after this transaction and drops the row. Dated at the commit, a row written just after such
 * a report counted the room twice until the next one.
 */
export async function recordCapacityChange(
  tx: Tx, c: { kind: ReservedKind; poolHost: string; deltaGiB: number; resourceId?: string; changedAt?: string },
): Promise<void> {
  if (c.deltaGiB === 0) return;
  if (c.deltaGiB < 0 && c.resourceId) {
    const ended = await tx.deleteFrom('capacityReservations').where('id', '=', c.resourceId).where('reason', '=', 'placement').executeTakeFirst();
    if (Number(ended.numDeletedRows) > 0) return;
  }
  const backendHost = c.poolHost.split('#')[0]!;
  if (c.changedAt) {
    const sampledAt = await lockReportTime(tx, backendHost);
    if (sampledAt !== undefined && sampledAt >= c.changedAt) return;
  }
  await tx.insertInto('capacityReservations').values({
    id: newId(), reason: 'change', resourceId: c.resourceId ?? null, resourceKind: c.kind,
    backendHost, poolHost: c.poolHost, sizeGib: c.deltaGiB, createdAt: c.changedAt ?? nowIso(),
  }).execute();
}

/** Locks the backend's stats row (as lockBackendStats) and returns when its report was sampled. */
async function lockReportTime(tx: Tx, backendHost: string): Promise<string | undefined> {
  const row = await tx.updateTable('backendStats').set((eb) => ({ updatedAt: eb.ref('updatedAt') }))
    .where('backendHost', '=', backendHost).returning('updatedAt').executeTakeFirst();
  return row?.updatedAt;
}

/**
 * Run in the transaction that writes `backendHost`'s stats report sampled at `sampledAt`:
 * drops what that report counts or what no longer needs room (see the top of this file).
 */
export async function settleReservations(tx: Tx, backendHost: string, kind: ReservedKind, landed: readonly string[], sampledAt: string): Promise<void> {
  const table = TABLE[kind];
  await tx.deleteFrom('capacityReservations')
    .where('backendHost', '=', backendHost)
    .where('resourceKind', '=', kind)
    .where((eb) => eb.or([
      eb.and([eb('reason', '=', 'change'), eb('createdAt', '<=', sampledAt)]),
      eb.and([eb('reason', '=', 'placement'), eb.or([
        ...(landed.length > 0 ? [eb('id', 'in', [...landed])] : []),
        eb.not(eb.exists(
          eb.selectFrom(table).select(sql<number>`1`.as('one'))
            .where(sql<boolean>`${sql.ref(`${table}.id`)} = ${sql.ref('capacityReservations.resourceId')}`)
            .where(sql<boolean>`${sql.ref(`${table}.host`)} = ${sql.ref('capacityReservations.poolHost')}`)
            .where(sql<boolean>`(${sql.ref(`${table}.status`)} = 'creating' or ${sql.ref(`${table}.updatedAt`)} > ${sampledAt})`),
        )),
      ])]),
    ]))
    .execute();
}

/**
 * Every reservation of a kind, by backend (what a scheduler lays over the reported stats); of
 * the backends named only, when `backendHosts` is given.
 */
export async function reservationsByBackend(tx: Tx, kind: ReservedKind, backendHosts?: readonly string[]): Promise<Map<string, CapacityReservationRow[]>> {
  let q = tx.selectFrom('capacityReservations').selectAll().where('resourceKind', '=', kind);
  if (backendHosts) {
    if (backendHosts.length === 0) return new Map();
    q = q.where('backendHost', 'in', [...backendHosts]);
  }
  const rows = await q.execute();
  const out = new Map<string, CapacityReservationRow[]>();
  for (const r of rows) {
    const list = out.get(r.backendHost);
    if (list) list.push(r);
    else out.set(r.backendHost, [r]);
  }
  return out;
}

/** A backend's stats report as last written: when it was sampled, and which scheduler reads it. */
export interface ReportHead {
  backendHost: string;
  serviceKind: string;
  updatedAt: string;
  /**
   * Grows whenever one of the backend's reservations changes (the sum of its pools' versions,
   * migration 015); null while none ever had any. Compared, never computed with.
   */
  reservedVersion: string | null;
}

/**
 * Every backend's report head (or one backend's): one statement that reads no report and no
 * reservation, so a scheduler can tell which backends it must read again.
 */
export async function reportHeads(tx: Tx, backendHost?: string): Promise<ReportHead[]> {
  let q = tx.selectFrom('backendStats as b').select(['b.backendHost', 'b.serviceKind', 'b.updatedAt'])
    .select((eb) => eb.selectFrom('poolReservationTotals as t').select((e) => e.fn.sum<number | string>('t.version').as('v'))
      .whereRef('t.backendHost', '=', 'b.backendHost').as('reservedVersion'));
  if (backendHost) q = q.where('b.backendHost', '=', backendHost);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, reservedVersion: r.reservedVersion === null ? null : String(r.reservedVersion) }));
}

/**
 * For a refusal's diagnostics: per pool with something reserved, when its last report was
 * sampled and what every scheduler lays over it (placements not in it yet, changes). At most
 * `limit` pools; '' when nothing is reserved (the reports alone decided).
 */
export async function reservedOverReports(tx: Tx, kind: ReservedKind, limit = 10): Promise<string> {
  const rows = await tx.selectFrom('capacityReservations')
    .select(['backendHost', 'poolHost', 'reason'])
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('sizeGib').as('gib')])
    .where('resourceKind', '=', kind).groupBy(['backendHost', 'poolHost', 'reason']).orderBy('poolHost').orderBy('reason').execute();
  if (rows.length === 0) return '';
  const backends = [...new Set(rows.map((r) => r.backendHost))];
  const sampled = new Map((await tx.selectFrom('backendStats').select(['backendHost', 'updatedAt']).where('backendHost', 'in', backends).execute())
    .map((r) => [r.backendHost, r.updatedAt]));
  const pools = new Map<string, string[]>();
  for (const r of rows) {
    const what = r.reason === 'placement' ? `${Number(r.n)} placement(s), ${Number(r.gib)} GiB` : `changes of ${Number(r.gib)} GiB`;
    const list = pools.get(r.poolHost) ?? [`report sampled ${sampled.get(r.backendHost) ?? 'never'}`];
    list.push(what);
    pools.set(r.poolHost, list);
  }
  const shown = [...pools].slice(0, limit).map(([pool, parts]) => `${pool}: ${parts.join(', ')}`);
  if (pools.size > limit) shown.push(`${pools.size - limit} more pool(s)`);
  return `Reserved over the reports: ${shown.join('; ')}.`;
}
