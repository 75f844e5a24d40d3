// Capacity reservations (migration 009): room a placement took on a pool that the pool's
// stats report does not count yet. All schedulers share them, so the room one took is gone
// for the others too. A reservation is written with its placement, and removed either by
// the stats write that counts its resource (same transaction as the report) or by the
// transaction that ends the resource's create in failure; a report also sweeps reservations
// whose resource is gone, was moved off the pool, or finished before the sample began, so
// one left by a process that died mid-task cannot hold room forever.
import { sql } from 'kysely';
import type { CapacityReservationRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { nowIso } from '../../util/clock.js';

export type ReservedKind = 'volume' | 'share';

const TABLE: Record<ReservedKind, 'volumes' | 'shares'> = { volume: 'volumes', share: 'shares' };

/**
 * Locks the backend's stats row and returns its stats (JSON), or undefined when the backend
 * never reported. Placements on one backend and its stats writes queue on this row, so a
 * placement checks room against a report and reservations that cannot change under it.
 */
export async function lockBackendStats(tx: Tx, backendHost: string): Promise<string | undefined> {
  const row = await tx.updateTable('backendStats').set((eb) => ({ updatedAt: eb.ref('updatedAt') }))
    .where('backendHost', '=', backendHost).returning('stats').executeTakeFirst();
  return row?.stats;
}

/** GiB and count reserved on one pool, leaving out `exceptResourceId` (a placement being replaced). */
export async function reservedOnPool(tx: Tx, poolHost: string, exceptResourceId: string): Promise<{ gib: number; count: number }> {
  const r = await tx.selectFrom('capacityReservations')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('sizeGib'), sql<number>`0`).as('gib'), eb.fn.countAll<number>().as('count')])
    .where('poolHost', '=', poolHost).where('resourceId', '!=', exceptResourceId).executeTakeFirstOrThrow();
  return { gib: Number(r.gib), count: Number(r.count) };
}

export async function putReservation(
  tx: Tx, r: { resourceId: string; kind: ReservedKind; backendHost: string; poolHost: string; sizeGiB: number },
): Promise<void> {
  const row = { resourceId: r.resourceId, resourceKind: r.kind, backendHost: r.backendHost, poolHost: r.poolHost, sizeGib: r.sizeGiB, createdAt: nowIso() };
  await tx.insertInto('capacityReservations').values(row)
    .onConflict((oc) => oc.column('resourceId').doUpdateSet({ resourceKind: row.resourceKind, backendHost: row.backendHost, poolHost: row.poolHost, sizeGib: row.sizeGib, createdAt: row.createdAt }))
    .execute();
}

/** The resource's create ended without it on the pool (failed, or sent to be placed again). */
export async function releaseReservation(tx: Tx, resourceId: string): Promise<void> {
  await tx.deleteFrom('capacityReservations').where('resourceId', '=', resourceId).execute();
}

/**
 * Run in the transaction that writes `backendHost`'s stats report sampled at `sampledAt`:
 * drops the reservations that report counts (`landed`: creates that returned before the
 * sample), and those whose resource is gone, is no longer on the reserved pool, or left
 * `creating` before the sample began (a create finished or failed by a process that died
 * before it could say so).
 */
export async function settleReservations(tx: Tx, backendHost: string, kind: ReservedKind, landed: readonly string[], sampledAt: string): Promise<void> {
  const table = TABLE[kind];
  await tx.deleteFrom('capacityReservations')
    .where('backendHost', '=', backendHost)
    .where('resourceKind', '=', kind)
    .where((eb) => eb.or([
      ...(landed.length > 0 ? [eb('resourceId', 'in', [...landed])] : []),
      eb.not(eb.exists(
        eb.selectFrom(table).select(sql<number>`1`.as('one'))
          .where(sql<boolean>`${sql.ref(`${table}.id`)} = ${sql.ref('capacityReservations.resourceId')}`)
          .where(sql<boolean>`${sql.ref(`${table}.host`)} = ${sql.ref('capacityReservations.poolHost')}`)
          .where(sql<boolean>`(${sql.ref(`${table}.status`)} = 'creating' or ${sql.ref(`${table}.updatedAt`)} > ${sampledAt})`),
      )),
    ]))
    .execute();
}

/** Every reservation, by backend (what a scheduler lays over the reported stats). */
export async function reservationsByBackend(tx: Tx, kind: ReservedKind): Promise<Map<string, CapacityReservationRow[]>> {
  const rows = await tx.selectFrom('capacityReservations').selectAll().where('resourceKind', '=', kind).execute();
  const out = new Map<string, CapacityReservationRow[]>();
  for (const r of rows) {
    const list = out.get(r.backendHost);
    if (list) list.push(r);
    else out.set(r.backendHost, [r]);
  }
  return out;
}
