// Per-project quotas with reservations: an operation reserves its deltas in the same
// transaction that changes the resource, and commits or rolls them back when it ends.
import { sql, type Kysely, type Transaction } from 'kysely';
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

/** The quota class every project falls back to (Cinder's `default`). */
export const DEFAULT_QUOTA_CLASS = 'default';
/** Counters kept per volume type as well as in total. */
const TYPE_RESOURCES = ['volumes', 'gigabytes', 'snapshots'] as const;

function checkLimits(values: Record<string, number>): void {
  for (const [resource, v] of Object.entries(values)) {
    if (!QuotaEngine.isKnownResource(resource)) throw new InvalidInput(`Unknown quota resource '${resource}'.`);
    if (!Number.isInteger(v) || v < -1) throw new InvalidInput(`Quota ${resource} must be an integer >= -1, got ${v}.`);
  }
}

export interface QuotaDetail {
  limit: number;
  in_use: number;
  reserved: number;
}

export class QuotaEngine {
  constructor(private readonly db: Db, private readonly defaults: QuotaDefaults = CINDER_QUOTA_DEFAULTS) {}

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
    const rows = await tx.selectFrom('quotas').select(['resource', 'hardLimit']).where('projectId', '=', projectId).execute();
    const out = await this.classLimits(DEFAULT_QUOTA_CLASS, tx);
    for (const r of rows) out[r.resource] = r.hardLimit;
    return out;
  }

  async details(projectId: string): Promise<Record<string, QuotaDetail>> {
    const limits = await this.limits(projectId);
    const usages = await this.db.kysely.selectFrom('quotaUsages').selectAll().where('projectId', '=', projectId).execute();
    const out: Record<string, QuotaDetail> = {};
    for (const [res, limit] of Object.entries(limits)) out[res] = { limit, in_use: 0, reserved: 0 };
    for (const u of usages) {
      out[u.resource] = { limit: limits[u.resource] ?? this.defaultLimit(u.resource), in_use: u.inUse, reserved: u.reserved };
    }
    return out;
  }

  async setLimits(projectId: string, values: Record<string, number>): Promise<void> {
    checkLimits(values);
    await this.db.kysely.transaction().execute(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.deleteFrom('quotas').where('projectId', '=', projectId).where('resource', '=', resource).execute();
        await tx.insertInto('quotas').values({ projectId, resource, hardLimit }).execute();
      }
    });
  }

  async resetLimits(projectId: string): Promise<void> {
    await this.db.kysely.deleteFrom('quotas').where('projectId', '=', projectId).execute();
  }

  /**
   * Reserve positive deltas inside `tx`; throws QuotaExceeded naming the resource.
   * Returns the reservation group id to commit or roll back later.
   */
  async reserve(tx: Transaction<Database>, projectId: string, deltas: Record<string, number>): Promise<string> {
    const groupId = newId();
    const limits = await this.limits(projectId, tx);
    const perVolume = limits.per_volume_gigabytes ?? -1;
    if (perVolume >= 0 && (deltas.gigabytes ?? 0) > perVolume) {
      throw new QuotaExceeded(`Requested volume size ${deltas.gigabytes} GiB is larger than the maximum allowed per volume, ${perVolume} GiB.`);
    }
    const now = clock().now().toISOString();
    const rows: Array<{ id: string; groupId: string; projectId: string; resource: string; delta: number; createdAt: string }> = [];
    // Usage rows are locked in sorted order everywhere, so two reservations never deadlock
    // on each other (lock order: see db/transaction.ts).
    for (const [resource, delta] of Object.entries(deltas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (delta === 0) continue;
      const add = Math.max(0, delta);
      // One upsert reserves and locks the usage row; an over-limit answer rolls the transaction back.
      const usage = await tx.insertInto('quotaUsages').values({ projectId, resource, inUse: 0, reserved: add })
        .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet((eb) => ({ reserved: eb('quotaUsages.reserved', '+', add) })))
        .returningAll().executeTakeFirstOrThrow();
      const limit = limits[resource] ?? this.defaultLimit(resource);
      if (delta > 0 && limit >= 0 && usage.inUse + usage.reserved > limit) {
        throw new QuotaExceeded(
          `Quota exceeded for ${resource}: requested ${delta}, ${usage.inUse} in use and ${usage.reserved - add} reserved of a limit of ${limit}.`,
        );
      }
      rows.push({ id: newId(), groupId, projectId, resource, delta, createdAt: now });
    }
    if (rows.length > 0) await tx.insertInto('reservations').values(rows).execute();
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

  private async settle(tx: Transaction<Database>, groupId: string, commit: boolean): Promise<void> {
    const rows = await tx.selectFrom('reservations').selectAll().where('groupId', '=', groupId).execute();
    // Sorted here, not by the database: its collation may order names differently from reserve().
    rows.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
    for (const r of rows) {
      const unreserve = Math.max(0, r.delta);
      const use = commit ? r.delta : 0;
      // Usage never goes below zero, even after an admin reset left it short.
      await tx.updateTable('quotaUsages').set({
        reserved: sql<number>`case when reserved < ${unreserve} then 0 else reserved - ${unreserve} end`,
        inUse: sql<number>`case when in_use + ${use} < 0 then 0 else in_use + ${use} end`,
      }).where('projectId', '=', r.projectId).where('resource', '=', r.resource).execute();
    }
    await tx.deleteFrom('reservations').where('groupId', '=', groupId).execute();
  }
}
