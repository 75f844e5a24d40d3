// Who owns which image, who else may use it, and which names are taken: one row per image
// in the database, names unique per project. A project that may not see an image gets the
// same 404 as for a missing one, so names cannot be probed across projects.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.js';
import type { ImageRow } from '../db/schema.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors/errors.js';
import { clock, nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import type { RequestContext } from './operations.js';
import type { ImageStore } from './image-store.js';
import type { Tx } from '../db/transaction.js';

export const VISIBILITIES = ['private', 'shared', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** An image a request may read: a stored one (with its row) or an operator's file (admins only). */
export interface ReadableImage {
  name: string;
  path: string;
  row: ImageRow | null;
}

export interface ImageView {
  id: string;
  name: string;
  owner: string;
  status: string;
  visibility: string;
  size: number | null;
  created_at: string;
  updated_at: string;
}

export function imageView(r: ImageRow): ImageView {
  return {
    id: r.id, name: r.name, owner: r.projectId, status: r.status, visibility: r.visibility,
    size: r.size === null ? null : Number(r.size), created_at: r.createdAt, updated_at: r.updatedAt,
  };
}

/** Marks a reserved image written; false when its reservation was released (deleted) meanwhile. */
export async function activateImage(q: Tx, id: string, size: number): Promise<boolean> {
  const r = await q.updateTable('images').set({ status: 'active', size, updatedAt: nowIso() })
    .where('id', '=', id).where('status', '=', 'saving').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives a name back after a failed upload; an image already written is left alone. */
export async function releaseImage(q: Tx, id: string): Promise<void> {
  await q.deleteFrom('images').where('id', '=', id).where('status', '=', 'saving').execute();
}

/** Whether the image `id` is written and its row still there. */
export async function isActiveImage(q: Tx, id: string): Promise<boolean> {
  return Boolean(await q.selectFrom('images').select('id').where('id', '=', id).where('status', '=', 'active').executeTakeFirst());
}

export class ImageCatalog {
  constructor(private readonly db: Db, readonly store: ImageStore) {}

  /** Images of other projects that `project` may use: public ones, and shared ones it is a member of. */
  private visibleToOthers(q: Tx, project: string) {
    return q.selectFrom('images').selectAll().where('status', '=', 'active').where('projectId', '!=', project).where((eb) => eb.or([
      eb('visibility', '=', 'public'),
      eb.and([
        eb('visibility', '=', 'shared'),
        eb('id', 'in', eb.selectFrom('imageMembers').select('imageId').where('projectId', '=', project)),
      ]),
    ]));
  }

  /** The caller's own image named `name` (by name, then by id), in any status. */
  private async own(q: Tx, ctx: RequestContext, name: string): Promise<ImageRow | undefined> {
    const byName = await q.selectFrom('images').selectAll().where('projectId', '=', ctx.projectId).where('name', '=', name).executeTakeFirst();
    return byName ?? q.selectFrom('images').selectAll().where('projectId', '=', ctx.projectId).where('id', '=', name).executeTakeFirst();
  }

  /** Another project's image the caller may use, by id or else by a name only one such image has. */
  private async shared(q: Tx, ctx: RequestContext, name: string): Promise<ImageRow | undefined> {
    const byId = await this.visibleToOthers(q, ctx.projectId).where('id', '=', name).executeTakeFirst();
    if (byId) return byId;
    const byName = await this.visibleToOthers(q, ctx.projectId).where('name', '=', name).limit(2).execute();
    if (byName.length > 1) throw new Conflict(`More than one image named ${name} is shared with project ${ctx.projectId}; name it by id.`);
    return byName[0];
  }

  /**
   * The image `ref` (a name or an id) as the caller may read it: its own, one shared with it
   * or public, or (admins only) an operator's file in the image directory.
   */
  async resolve(ctx: RequestContext, field: string, ref: string): Promise<ReadableImage> {
    const name = this.store.checkName(field, ref);
    const q = this.db.kysely;
    const row = (await this.own(q, ctx, name)) ?? (await this.shared(q, ctx, name));
    if (row) {
      if (row.status !== 'active') throw new Conflict(`Image ${ref} is still being written; try again when its upload has finished.`);
      return { name: row.name, path: this.store.pathOf(row.id), row };
    }
    if (ctx.isAdmin) {
      const path = await this.store.operatorFile(field, name);
      if (path) return { name, path, row: null };
    }
    throw new NotFound('Image', ref);
  }

  /**
   * Takes the name `name` for a new image of the caller's project, status 'saving', in the
   * caller's transaction: of two requests for one name exactly one gets the row, the other a 409.
   */
  async reserve(tx: Tx, ctx: RequestContext, field: string, ref: string): Promise<ImageRow> {
    const name = this.store.checkName(field, ref);
    const now = nowIso();
    const row = await tx.insertInto('images').values({
      id: newId(), projectId: ctx.projectId, name, status: 'saving', visibility: 'private', size: null, taskId: null, createdAt: now, updatedAt: now,
    }).onConflict((oc) => oc.columns(['projectId', 'name']).doNothing()).returningAll().executeTakeFirst();
    if (!row) throw new Conflict(`Image ${name} already exists in project ${ctx.projectId}.`);
    return row;
  }

  activate(q: Tx, id: string, size: number): Promise<boolean> { return activateImage(q, id, size); }
  release(q: Tx, id: string): Promise<void> { return releaseImage(q, id); }

  /** Records the task that writes a reserved image, so a sweep can tell a live upload from a dead one. */
  async bindTask(q: Tx, id: string, taskId: string): Promise<void> {
    await q.updateTable('images').set({ taskId }).where('id', '=', id).execute();
  }

  /** Says an upload over PUT is still alive (see sweep). */
  async touch(id: string): Promise<void> {
    await this.db.kysely.updateTable('images').set({ updatedAt: nowIso() }).where('id', '=', id).where('status', '=', 'saving').execute();
  }

  /**
   * Cleans up after uploads whose process died: a 'saving' row untouched for `staleMs` whose
   * task is over or gone (a PUT has none: it touches its row as it receives) gives its name
   * back, and a file in the store older than `staleMs` whose image has no row is removed.
   */
  async sweep(staleMs: number): Promise<{ rows: number; files: number }> {
    const q = this.db.kysely;
    const cutoff = new Date(clock().now().getTime() - staleMs);
    const dead = await q.selectFrom('images').leftJoin('tasks', 'tasks.id', 'images.taskId').select('images.id')
      .where('images.status', '=', 'saving').where('images.updatedAt', '<', cutoff.toISOString())
      .where((eb) => eb.or([eb('images.taskId', 'is', null), eb('tasks.id', 'is', null), eb('tasks.status', 'in', ['done', 'failed'])]))
      .execute();
    for (const { id } of dead) await releaseImage(q, id);
    let files = 0;
    const ID_IN = /^\.?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\.partial|\.[0-9a-f]+\.upload)?$/;
    for (const entry of await readdir(this.store.storeDir)) {
      const id = ID_IN.exec(entry)?.[1];
      if (!id) continue;
      const path = join(this.store.storeDir, entry);
      const st = await lstat(path).catch(() => null);
      if (!st || st.mtime > cutoff) continue;
      if (await q.selectFrom('images').select('id').where('id', '=', id).executeTakeFirst()) continue;
      await rm(path, { force: true });
      files++;
    }
    return { rows: dead.length, files };
  }

  /** The caller's images, then those shared with it or public, by name; at most `max` rows. */
  async list(ctx: RequestContext, max = 1000): Promise<ImageRow[]> {
    const q = this.db.kysely;
    const own = await q.selectFrom('images').selectAll().where('projectId', '=', ctx.projectId).orderBy('name').limit(max).execute();
    if (own.length >= max) return own;
    const others = await this.visibleToOthers(q, ctx.projectId).orderBy('name').orderBy('id').limit(max - own.length).execute();
    return [...own, ...others];
  }

  /**
   * The caller's own image `ref` for a change (delete, visibility). Another project's image
   * the caller can see is a 403; one it cannot see is the 404 of a missing image.
   */
  private async owned(q: Tx, ctx: RequestContext, field: string, ref: string): Promise<ImageRow | undefined> {
    const name = this.store.checkName(field, ref);
    const row = await this.own(q, ctx, name);
    if (row) return row;
    if (await this.shared(q, ctx, name)) throw new Forbidden(`Image ${ref} belongs to another project; only its owner may change it.`);
    return undefined;
  }

  /** Deletes the caller's image `ref` (also one still being written: that upload then fails). */
  async remove(ctx: RequestContext, ref: string): Promise<void> {
    const row = await this.db.kysely.transaction().execute(async (tx) => {
      const r = await this.owned(tx, ctx, 'name', ref);
      if (!r) return undefined;
      await tx.deleteFrom('imageMembers').where('imageId', '=', r.id).execute();
      await tx.deleteFrom('images').where('id', '=', r.id).execute();
      return r;
    });
    if (row) {
      // unlink never follows the last component of the path, and the store holds only our files.
      await rm(this.store.pathOf(row.id), { force: true });
      return;
    }
    if (ctx.isAdmin && (await this.store.removeOperatorFile('name', ref))) return;
    throw new NotFound('Image', ref);
  }

  /** Admins: who may use the image besides its owner. Private and public clear the member list. */
  async setVisibility(ctx: RequestContext, ref: string, visibility: Visibility, members?: string[]): Promise<ImageRow> {
    if (members && visibility !== 'shared') throw new InvalidInput(`members may only be given with visibility 'shared', not '${visibility}'.`);
    return this.db.kysely.transaction().execute(async (tx) => {
      const r = await this.owned(tx, ctx, 'name', ref);
      if (!r) throw new NotFound('Image', ref);
      if (visibility !== 'shared' || members) {
        await tx.deleteFrom('imageMembers').where('imageId', '=', r.id).execute();
        const others = [...new Set(members ?? [])].filter((p) => p !== r.projectId);
        if (others.length) await tx.insertInto('imageMembers').values(others.map((projectId) => ({ imageId: r.id, projectId }))).execute();
      }
      return tx.updateTable('images').set({ visibility, updatedAt: nowIso() }).where('id', '=', r.id).returningAll().executeTakeFirstOrThrow();
    });
  }
}
