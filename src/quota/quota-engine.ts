// Per-project quotas with reservations: an operation reserves its deltas in the same
// transaction that changes the resource, and commits or rolls them back when it ends.
import { sql, type Kysely, type Transaction } from 'kysely';
import { ReusableQuery } from '../db/reusable-query.js';
import type { Database } from '../db/schema.js';
import type { Db } from '../db/database.js';
import { InvalidInput, QuotaExceeded } from '../errors/errors.js';
import { newId } from '../util/ids.js';
import { clock } from '../util/clock.js';

export const QUOTA_RESOURCES = [
  'volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'groups', 'per_volume_gigabytes',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export type QuotaDefaults = Record<QuotaResource, number>;

/** Cinder's defaults; -1 means unlimited. */
export const CINDER_QUOTA_DEFAULTS: QuotaDefaults = {
  volumes: 10, gigabytes: 1000, snapshots: 10, backups: 10, backup_gigabytes: 1000, groups: 10, per_volume_gigabytes: -1,
};

type Tx = Kysely<Database> | Transaction<Database>;

/** The three tables one engine keeps its limits, usages and reservations in (same shape). */
export interface QuotaTables {
  quotas: 'quotas' | 'shareQuotas';
  usages: 'quotaUsages' | 'shareQuotaUsages';
  reservations: 'reservations' | 'shareReservations';
}
export const VOLUME_QUOTA_TABLES: QuotaTables = { quotas: 'quotas', usages: 'quotaUsages', reservations: 'reservations' };

/** Manila's project quotas (kept apart: its gigabytes and snapshots are not Cinder's). */
export const SHARE_QUOTA_RESOURCES = [
  'shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes', 'share_networks', 'share_groups', 'share_group_snapshots',
  'share_replicas', 'replica_gigabytes', 'per_share_gigabytes',
] as const;
export type ShareQuotaResource = (typeof SHARE_QUOTA_RESOURCES)[number];
export const SHARE_QUOTA_TABLES: QuotaTables = { quotas: 'shareQuotas', usages: 'shareQuotaUsages', reservations: 'shareReservations' };
/** Manila's defaults; -1 means unlimited. */
export const MANILA_QUOTA_DEFAULTS: Record<ShareQuotaResource, number> = {
  shares: 50, gigabytes: 1000, snapshots: 50, snapshot_gigabytes: 1000, share_networks: 10, share_groups: 50,
  share_group_snapshots: 50, share_replicas: 100, replica_gigabytes: 1000, per_share_gigabytes: -1,
};

/** What one engine counts: its tables, its resource names and the per-resource size cap. */
export interface QuotaScope {
  tables: QuotaTables;
  known(name: string): boolean;
  /** Resource holding the largest size one resource may have (per_volume_gigabytes…). */
  perResourceLimit: string;
  /** The noun the per-resource refusal names. */
  noun: string;
}
export const VOLUME_QUOTA_SCOPE: QuotaScope = {
  tables: VOLUME_QUOTA_TABLES, known: (n) => QuotaEngine.isKnownResource(n), perResourceLimit: 'per_volume_gigabytes', noun: 'volume',
};
export const SHARE_QUOTA_SCOPE: QuotaScope = {
  tables: SHARE_QUOTA_TABLES,
  // Per share type: shares_<type>, gigabytes_<type>, snapshots_<type>, snapshot_gigabytes_<type> (Manila's share type quotas).
  known: (n) => (SHARE_QUOTA_RESOURCES as readonly string[]).includes(n) || /^(shares|gigabytes|snapshots|snapshot_gigabytes)_.+$/.test(n),
  perResourceLimit: 'per_share_gigabytes',
  noun: 'share',
};

/** The quota class every project falls back to (Cinder's `default`). */
export const DEFAULT_QUOTA_CLASS = 'default';
/** Counters kept per volume type as well as in total. */
const TYPE_RESOURCES = ['volumes', 'gigabytes', 'snapshots'] as const;

function checkLimits(values: Record<string, number>, known: (name: string) => boolean = (n) => QuotaEngine.isKnownResource(n)): void {
  for (const [resource, v] of Object.entries(values)) {
    if (!known(resource)) throw new InvalidInput(`Unknown quota resource '${resource}'.`);
    if (!Number.isInteger(v) || v < -1) throw new InvalidInput(`Quota ${resource} must be an integer >= -1, got ${v}.`);
  }
}

export interface QuotaDetail {
  limit: number;
  in_use: number;
  reserved: number;
}

interface UsageDelta { projectId: string; resource: string; inUse: number; reserved: number }
interface ReservationRow { id: string; groupId: string; projectId: string; resource: string; delta: number; createdAt: string }

export class QuotaEngine {
  private readonly t: QuotaTables;
  // reserve()'s three statements, compiled once per number of resources (db/reusable-query.ts).
  private readonly limitRows: ReusableQuery<{ projectId: string; names: string[] }, { resource: string; hardLimit: number; own: number }>;
  private readonly reserveUsages: ReusableQuery<UsageDelta[], UsageDelta>;
  private readonly insertReservations: ReusableQuery<ReservationRow[], unknown>;
  // settle()'s two statements, likewise.
  private readonly takeReservations: ReusableQuery<{ groupId: string }, ReservationRow>;
  private readonly settleUsages: ReusableQuery<UsageDelta[], unknown>;

  constructor(
    private readonly db: Db,
    private readonly defaults: QuotaDefaults | Readonly<Record<string, number>> = CINDER_QUOTA_DEFAULTS,
    private readonly scope: QuotaScope = VOLUME_QUOTA_SCOPE,
  ) {
    this.t = scope.tables;
    const t = this.t;
    this.limitRows = new ReusableQuery(db.kysely, (k, { projectId, names }) => {
      const own = k.selectFrom(t.quotas as 'quotas').select(['resource', 'hardLimit', sql<number>`1`.as('own')])
        .where('projectId', '=', projectId).where('resource', 'in', names);
      return scope === VOLUME_QUOTA_SCOPE
        ? own.unionAll(k.selectFrom('quotaClasses').select(['resource', 'hardLimit', sql<number>`0`.as('own')])
          .where('className', '=', DEFAULT_QUOTA_CLASS).where('resource', 'in', names))
        : own;
    });
    // Both usage tables have one shape; the cast only picks one name for the type checker.
    this.reserveUsages = new ReusableQuery(db.kysely, (k, rows) => k.insertInto(t.usages as 'quotaUsages')
      .values(rows)
      .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet(() => ({
        reserved: sql<number>`${sql.ref(`${t.usages}.reserved`)} + ${sql.ref('excluded.reserved')}`,
      })))
      .returningAll());
    this.insertReservations = new ReusableQuery(db.kysely, (k, rows) => k.insertInto(t.reservations).values(rows));
    this.takeReservations = new ReusableQuery(db.kysely, (k, { groupId }) => k.deleteFrom(t.reservations).where('groupId', '=', groupId).returningAll());
    // `reserved` carries what to unreserve, `in_use` what to add; usage never goes below zero,
    // even after an admin reset left it short.
    const usage = (column: 'reserved' | 'inUse') => sql.ref(`${t.usages}.${column}`);
    const moved = (column: 'reserved' | 'inUse') => sql.ref(`excluded.${column}`);
    this.settleUsages = new ReusableQuery(db.kysely, (k, rows) => k.insertInto(t.usages as 'quotaUsages')
      .values(rows)
      .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet({
        reserved: sql<number>`case when ${usage('reserved')} < ${moved('reserved')} then 0 else ${usage('reserved')} - ${moved('reserved')} end`,
        inUse: sql<number>`case when ${usage('inUse')} + ${moved('inUse')} < 0 then 0 else ${usage('inUse')} + ${moved('inUse')} end`,
      })));
  }

  /** Whether this engine counts `name` (for a request that sets it). */
  knows(name: string): boolean {
    return this.scope.known(name);
  }

  /** Resources a request names, including the per-volume-type ones (`volumes_gold`). */
  static isKnownResource(name: string): boolean {
    return (QUOTA_RESOURCES as readonly string[]).includes(name) || /^(volumes|gigabytes|snapshots)_.+$/.test(name);
  }

  defaultLimit(resource: string): number {
    return (this.defaults as Record<string, number>)[resource] ?? -1;
  }

  /**
   * The limits of a quota class: the configured defaults, one unlimited counter per volume type
   * (`volumes_T`, `gigabytes_T`, `snapshots_T`, as Cinder lists them), the `default` class's
   * stored values over those, then the named class's own.
   */
  async classLimits(className: string = DEFAULT_QUOTA_CLASS, tx: Tx = this.db.kysely): Promise<Record<string, number>> {
    const out: Record<string, number> = { ...this.defaults };
    const types = await tx.selectFrom('volumeTypes').select('name').orderBy('name').execute();
    for (const { name } of types) for (const r of TYPE_RESOURCES) out[`${r}_${name}`] = -1;
    const classes = [...new Set([DEFAULT_QUOTA_CLASS, className])];
    const rows = await tx.selectFrom('quotaClasses').select(['className', 'resource', 'hardLimit']).where('className', 'in', classes).execute();
    for (const c of classes) for (const r of rows) if (r.className === c) out[r.resource] = r.hardLimit;
    return out;
  }

  async setClassLimits(className: string, values: Record<string, number>): Promise<void> {
    checkLimits(values);
    await this.db.kysely.transaction().execute(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.deleteFrom('quotaClasses').where('className', '=', className).where('resource', '=', resource).execute();
        await tx.insertInto('quotaClasses').values({ className, resource, hardLimit }).execute();
      }
    });
  }

  /** A project's limits: its own values over the `default` class's. */
  async limits(projectId: string, tx: Tx = this.db.kysely): Promise<Record<string, number>> {
    const rows = await tx.selectFrom(this.t.quotas).select(['resource', 'hardLimit']).where('projectId', '=', projectId).execute();
    // Quota classes are Cinder's (volume types, quota_classes); the share engine has its defaults only.
    const out = this.scope === VOLUME_QUOTA_SCOPE ? await this.classLimits(DEFAULT_QUOTA_CLASS, tx) : { ...this.defaults };
    for (const r of rows) out[r.resource] = r.hardLimit;
    return out;
  }

  async details(projectId: string): Promise<Record<string, QuotaDetail>> {
    const limits = await this.limits(projectId);
    const usages = await this.db.kysely.selectFrom(this.t.usages).selectAll().where('projectId', '=', projectId).execute();
    const out: Record<string, QuotaDetail> = {};
    for (const [res, limit] of Object.entries(limits)) out[res] = { limit, in_use: 0, reserved: 0 };
    for (const u of usages) {
      out[u.resource] = { limit: limits[u.resource] ?? this.defaultLimit(u.resource), in_use: u.inUse, reserved: u.reserved };
    }
    return out;
  }

  async setLimits(projectId: string, values: Record<string, number>): Promise<void> {
    checkLimits(values, (n) => this.knows(n));
    await this.db.kysely.transaction().execute(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.deleteFrom(this.t.quotas).where('projectId', '=', projectId).where('resource', '=', resource).execute();
        await tx.insertInto(this.t.quotas).values({ projectId, resource, hardLimit }).execute();
      }
    });
  }

  async resetLimits(projectId: string): Promise<void> {
    await this.db.kysely.deleteFrom(this.t.quotas).where('projectId', '=', projectId).execute();
  }

  /**
   * The limits of just `resources` for a project, in one statement: its own values over the
   * `default` class's (volume scope only) over the configured defaults. Agrees with `limits()`
   * for those names: a per-type counter nobody set is unlimited either way.
   */
  async limitsOf(tx: Tx, projectId: string, resources: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of resources) out[r] = this.defaultLimit(r);
    if (resources.length === 0) return out;
    const { rows } = await this.limitRows.execute(tx, { projectId, names: [...resources] });
    // The class's values first, then the project's own over them.
    for (const r of rows) if (Number(r.own) === 0) out[r.resource] = r.hardLimit;
    for (const r of rows) if (Number(r.own) === 1) out[r.resource] = r.hardLimit;
    return out;
  }

  /**
   * Reserve positive deltas inside `tx`; throws QuotaExceeded naming the resource.
   * Returns the reservation group id to commit or roll back later.
   * Three statements whatever the number of resources: the limits that apply, one upsert of
   * every usage row (which reserves and locks them), one insert of the reservation rows.
   */
  async reserve(tx: Transaction<Database>, projectId: string, deltas: Record<string, number>): Promise<string> {
    const groupId = newId();
    // Usage rows are locked in sorted order everywhere (the upsert takes its rows in the order
    // given), so two reservations never deadlock on each other (lock order: db/transaction.ts).
    const moved = Object.entries(deltas).filter(([, d]) => d !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const perResourceName = this.scope.perResourceLimit;
    const checkPerResource = (deltas.gigabytes ?? 0) > 0;
    const wanted = [...moved.filter(([, d]) => d > 0).map(([r]) => r), ...(checkPerResource ? [perResourceName] : [])];
    const limits = await this.limitsOf(tx, projectId, [...new Set(wanted)]);
    const perResource = limits[perResourceName] ?? -1;
    const noun = this.scope.noun;
    if (checkPerResource && perResource >= 0 && deltas.gigabytes! > perResource) {
      throw new QuotaExceeded(`Requested ${noun} size ${deltas.gigabytes} GiB is larger than the maximum allowed per ${noun}, ${perResource} GiB.`);
    }
    if (moved.length === 0) return groupId;
    // One upsert reserves and locks every usage row; an over-limit answer rolls the transaction back.
    const { rows: usages } = await this.reserveUsages.execute(tx, moved.map(([resource, delta]) => ({ projectId, resource, inUse: 0, reserved: Math.max(0, delta) })));
    const usageOf = new Map(usages.map((u) => [u.resource, u]));
    for (const [resource, delta] of moved) {
      if (delta <= 0) continue;
      const usage = usageOf.get(resource)!;
      const limit = limits[resource] ?? this.defaultLimit(resource);
      if (limit >= 0 && usage.inUse + usage.reserved > limit) {
        throw new QuotaExceeded(
          `Quota exceeded for ${resource}: requested ${delta}, ${usage.inUse} in use and ${usage.reserved - delta} reserved of a limit of ${limit}.`,
        );
      }
    }
    const now = clock().now().toISOString();
    await this.insertReservations.execute(tx, moved.map(([resource, delta]) => ({ id: newId(), groupId, projectId, resource, delta, createdAt: now })));
    return groupId;
  }

  /** Make the group's deltas usage. Idempotent: a group already settled does nothing. */
  async commit(tx: Transaction<Database>, groupId: string): Promise<void> {
    await this.settle(tx, groupId, true);
  }

  /** Give the group's reserved deltas back. Idempotent. */
  async rollback(tx: Transaction<Database>, groupId: string): Promise<void> {
    await this.settle(tx, groupId, false);
  }

  /**
   * Two statements whatever the number of resources: the group's rows are deleted and returned,
   * then one upsert moves every usage row (in sorted order, as reserve() locks them). The rows
   * always exist: reserve() wrote them in the transaction that made the group, and usage rows
   * are never deleted, so the upsert's insert branch is never taken.
   */
  private async settle(tx: Transaction<Database>, groupId: string, commit: boolean): Promise<void> {
    const { rows } = await this.takeReservations.execute(tx, { groupId });
    if (rows.length === 0) return;
    // Sorted here, not by the database: its collation may order names differently from reserve().
    rows.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
    await this.settleUsages.execute(tx, rows.map((r) => ({ projectId: r.projectId, resource: r.resource, reserved: Math.max(0, r.delta), inUse: commit ? r.delta : 0 })));
  }

}
