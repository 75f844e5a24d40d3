// /v3/{project_id}/volumes: create, list (summary and detail, filtered, sorted, paged), show, update, delete.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { getBackup } from '../../db/repos/backups.js';
import { atLeast } from '../microversion.js';
import { Forbidden, InvalidInput, NotSupported } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { baseUrl, checkQueryKeys, parseBoolean, parseDictParam, q, type Query, type QueryRequest } from '../http.js';
import { PAGE_QUERY_KEYS, parsePageParams } from '../queries/list-params.js';
import { attachmentsFor } from '../../db/repos/attachments.js';
import { countVolumes, listVolumes, summarizeVolumes, VOLUME_SORT_KEYS, type VolumeFilters } from '../queries/volumes.js';
import { getVolume, getVolumeRecord, type VolumeRecord } from '../../db/repos/volumes.js';
import { metadataFor, replaceMetadata } from '../../db/repos/metadata.js';
import { volumeDetail, volumeDetailView, volumeSummaries, type VolumeDetailOptions } from '../views/volume-view.js';
import { IdParams, ProjectParams, toSize, AnyQuery } from './common.schema.js';
import { CreateVolumeBody, UpdateVolumeBody } from './volumes.schema.js';
import type { Db } from '../../db/database.js';
import { lookupVolumeType } from '../../db/repos/types.js';
import { checkZone } from '../../db/repos/services.js';

const FILTER_KEYS = [
  'all_tenants', 'project_id', 'name', 'display_name', 'name~', 'status', 'metadata', 'availability_zone', 'bootable',
  'multiattach', 'size', 'volume_type', 'volume_type_id', 'user_id', 'group_id', 'host', 'migration_status',
] as const;

/**
 * One volume as the detail view renders it (3 queries: row, metadata, attachments); `extended`
 * for show (the `os-vol-*` attributes), not for the answers of create, update and manage.
 */
export async function renderVolume(db: Db, req: FastifyRequest, id: string, opts: VolumeDetailOptions = {}): Promise<Record<string, unknown>> {
  return onOneConnection(db, async (c) => {
    const v = await getVolumeRecord(c.kysely, req.ctx, id);
    const md = await metadataFor(c.kysely, 'volumeMetadata', [id]);
    const att = await attachmentsFor(c.kysely, [id]);
    const image = opts.extended ? (await metadataFor(c.kysely, 'volumeImageMetadata', [id])).get(id)! : {};
    return volumeDetail(req, v, md.get(id)!, att.get(id)!, { ...opts, imageMetadata: image });
  });
}

/**
 * Runs a request's reads on one reserved connection. On SQLite (one connection) this keeps
 * background work from slipping in between the reads of one response and stretching it.
 */
export function onOneConnection<T>(db: Db, fn: (c: Db) => Promise<T>): Promise<T> {
  return db.kysely.connection().execute((kysely) => fn({ ...db, kysely }));
}

async function parseFilters(deps: ApiDeps, req: FastifyRequest, query: Query): Promise<VolumeFilters> {
  checkQueryKeys(query, [...FILTER_KEYS, ...PAGE_QUERY_KEYS]);
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (allTenants && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
  const f: VolumeFilters = { projectId: allTenants ? (q(query, 'project_id') ?? null) : req.ctx.projectId };
  const name = q(query, 'name') ?? q(query, 'display_name');
  if (name !== undefined) f.name = name;
  if (q(query, 'name~') !== undefined) f.nameLike = q(query, 'name~')!;
  if (q(query, 'status') !== undefined) f.status = q(query, 'status')!;
  if (q(query, 'availability_zone') !== undefined) f.availabilityZone = q(query, 'availability_zone')!;
  if (q(query, 'bootable') !== undefined) f.bootable = parseBoolean(q(query, 'bootable'), 'bootable');
  if (q(query, 'multiattach') !== undefined) f.multiattach = parseBoolean(q(query, 'multiattach'), 'multiattach');
  if (q(query, 'size') !== undefined) f.size = toSize(q(query, 'size')!, 'size');
  if (q(query, 'user_id') !== undefined) f.userId = q(query, 'user_id')!;
  if (q(query, 'group_id') !== undefined) f.groupId = q(query, 'group_id')!;
  if (q(query, 'migration_status') !== undefined) f.migrationStatus = q(query, 'migration_status')!;
  if (q(query, 'host') !== undefined) {
    if (!req.ctx.isAdmin) throw new InvalidInput('Filtering by host is only allowed for admins.');
    f.host = q(query, 'host')!;
  }
  const type = q(query, 'volume_type') ?? q(query, 'volume_type_id');
  if (type !== undefined) f.volumeTypeId = (await lookupVolumeType(deps.db.kysely, req.ctx, type))?.id ?? type;
  if (q(query, 'metadata') !== undefined) f.metadata = parseDictParam(q(query, 'metadata')!, 'metadata');
  return f;
}

function nextLink(req: FastifyRequest, collection: string, query: Query, lastId: string): { href: string; rel: string }[] {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (k !== 'marker' && typeof v === 'string') params.set(k, v);
  params.set('marker', lastId);
  return [{ href: `${baseUrl(req)}/v3/${req.ctx.projectId}/${collection}?${params.toString()}`, rel: 'next' }];
}

async function list(deps: ApiDeps, req: QueryRequest, detail: boolean) {
  const query = req.query;
  const filters = await parseFilters(deps, req, query);
  const page = parsePageParams(query, VOLUME_SORT_KEYS, [{ key: 'created_at', dir: 'desc' }]);
  const withCount = q(query, 'with_count') !== undefined && parseBoolean(q(query, 'with_count'), 'with_count');
  if (withCount && !atLeast(req.apiVersion, '3.45')) throw new InvalidInput('with_count needs microversion 3.45 or later.');
  const out: Record<string, unknown> = {};
  const rows: VolumeRecord[] = await onOneConnection(deps.db, async (c) => {
    const found = await listVolumes(c, filters, page);
    if (detail) {
      const ids = found.map((r) => r.id);
      const md = await metadataFor(c.kysely, 'volumeMetadata', ids);
      const att = await attachmentsFor(c.kysely, ids);
      const image = await metadataFor(c.kysely, 'volumeImageMetadata', ids);
      const view = volumeDetailView(req, true);
      out.volumes = found.map((r) => view(r, md.get(r.id)!, att.get(r.id)!, image.get(r.id)!));
    } else {
      out.volumes = volumeSummaries(req, found);
    }
    if (withCount) out.count = await countVolumes(c, filters);
    return found;
  });
  if (rows.length > 0 && rows.length === page.limit) out.volumes_links = nextLink(req, detail ? 'volumes/detail' : 'volumes', query, rows[rows.length - 1]!.id);
  return out;
}

function hintList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

/** volume.backup_id (3.47): the backup to restore onto the new volume, checked before anything is created. */
async function backupSource(deps: ApiDeps, req: FastifyRequest, v: { backup_id?: string | null; size?: number | string | null; snapshot_id?: string | null; source_volid?: string | null; imageRef?: string | null }) {
  if (!atLeast(req.apiVersion, '3.47')) throw new InvalidInput('volume.backup_id needs microversion 3.47 or later.');
  if (!deps.backups) throw new NotSupported('flint', 'create volume from backup in this process');
  if (v.snapshot_id || v.source_volid || v.imageRef) throw new InvalidInput('volume.backup_id cannot be combined with snapshot_id, source_volid or imageRef.');
  const b = await getBackup(deps.db.kysely, req.ctx, v.backup_id!);
  if (b.status !== 'available') throw new InvalidInput(`Backup ${b.id} must be available to create a volume from it; its status is ${b.status}.`);
  if (v.size !== undefined && v.size !== null && toSize(v.size, 'volume.size') < b.size) {
    throw new InvalidInput(`Invalid input for field/attribute volume.size: backup ${b.id} needs at least ${b.size} GiB.`);
  }
  return b;
}

/** The restore onto the volume just created; a restore that cannot start takes the volume away again. */
async function restoreOntoNew(deps: ApiDeps, req: FastifyRequest, backupId: string, volumeId: string): Promise<void> {
  try {
    await deps.backups!.restoreOnto(req.ctx, backupId, volumeId);
  } catch (e) {
    await deps.volumes.deleteVolume(req.ctx, volumeId).catch(() => undefined);
    throw e;
  }
}

export function volumeRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/volumes';

  app.post(P, { schema: { params: ProjectParams, body: CreateVolumeBody } }, async (req, reply) => {
    const body = req.body;
    const v = body.volume;
    const fromBackup = v.backup_id ? await backupSource(deps, req, v) : null;
    let imagePath = v.image_path ?? null;
    // Flint has no image service: imageRef names an image file in Flint's image directory.
    if (v.imageRef) imagePath = v.imageRef;
    if ((v.size === undefined || v.size === null) && !v.snapshot_id && !v.source_volid && !fromBackup) {
      throw new InvalidInput('Invalid input for field/attribute volume.size: it is required unless snapshot_id or source_volid is given.');
    }
    if (v.availability_zone) await checkZone(deps.db, deps.defaultAvailabilityZone, v.availability_zone, 'volume.availability_zone');
    const hints = body['OS-SCH-HNT:scheduler_hints'] ?? undefined;
    const sameHost = hintList(hints?.same_host);
    const differentHost = hintList(hints?.different_host);
    const created = await deps.volumes.createVolume(req.ctx, {
      ...(v.size !== undefined && v.size !== null ? { size: toSize(v.size, 'volume.size') } : fromBackup ? { size: fromBackup.size } : {}),
      name: v.name ?? v.display_name ?? null,
      description: v.description ?? v.display_description ?? null,
      volumeType: v.volume_type ?? null,
      availabilityZone: v.availability_zone ?? null,
      snapshotId: v.snapshot_id ?? null,
      sourceVolid: v.source_volid ?? null,
      metadata: v.metadata ?? {},
      ...(v.multiattach !== undefined ? { multiattach: parseBoolean(v.multiattach, 'volume.multiattach') } : {}),
      ...(v.bootable !== undefined ? { bootable: parseBoolean(v.bootable, 'volume.bootable') } : {}),
      ...(sameHost || differentHost ? { schedulerHints: { ...(sameHost ? { sameHost } : {}), ...(differentHost ? { differentHost } : {}) } } : {}),
      imagePath,
      // Cinder reads group_id from 3.13 on; older requests create the volume outside any group.
      // consistencygroup_id (the legacy API) names a group of default_cgsnapshot_type.
      groupId: (atLeast(req.apiVersion, '3.13') ? v.group_id : null) ?? v.consistencygroup_id ?? null,
    });
    reply.code(202);
    if (fromBackup) {
      // The restore moved the volume on (restoring-backup): the answer shows it as it is now.
      await restoreOntoNew(deps, req, fromBackup.id, created.id);
      return { volume: await renderVolume(deps.db, req, created.id) };
    }
    // Built from what the create inserted: its metadata is the request's, and a new volume has no attachments.
    return { volume: volumeDetail(req, created, v.metadata ?? {}, [], { imageMetadata: {} }) };
  });

  app.get(P, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, false));
  app.get(`${P}/detail`, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, true));

  app.get(`${P}/summary`, { config: { minVersion: '3.12' }, schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    const filters = await parseFilters(deps, req, query);
    const s = await summarizeVolumes(deps.db, filters);
    return {
      'volume-summary': { total_size: s.size, total_count: s.count, ...(atLeast(req.apiVersion, '3.36') ? { metadata: s.metadata } : {}) },
    };
  });

  app.get(`${P}/:id`, { schema: { params: IdParams } }, async (req) => {
    const { id } = req.params;
    return { volume: await renderVolume(deps.db, req, id, { extended: true }) };
  });

  app.put(`${P}/:id`, { schema: { params: IdParams, body: UpdateVolumeBody } }, async (req) => {
    const { id } = req.params;
    const v = req.body.volume;
    await getVolume(deps.db.kysely, req.ctx, id);
    const set: { displayName?: string | null; displayDescription?: string | null; updatedAt: string } = { updatedAt: clock().now().toISOString() };
    const name = v.name !== undefined ? v.name : v.display_name;
    if (name !== undefined) set.displayName = name;
    const description = v.description !== undefined ? v.description : v.display_description;
    if (description !== undefined) set.displayDescription = description;
    await deps.db.kysely.transaction().execute(async (tx) => {
      await tx.updateTable('volumes').set(set).where('id', '=', id).execute();
      if (v.metadata) await replaceMetadata(tx, 'volumeMetadata', id, v.metadata);
    });
    return { volume: await renderVolume(deps.db, req, id) };
  });

  app.delete(`${P}/:id`, { schema: { querystring: AnyQuery, params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    const query = req.query;
    checkQueryKeys(query, ['cascade', 'force']);
    const cascade = q(query, 'cascade') !== undefined && parseBoolean(q(query, 'cascade'), 'cascade');
    const force = q(query, 'force') !== undefined && parseBoolean(q(query, 'force'), 'force');
    if (force && !req.ctx.isAdmin) throw new Forbidden("Policy doesn't allow force delete (force=true) to be performed: admin role required.");
    // deleteVolume's first statement locks the volume within the caller's scope (404 otherwise).
    await deps.volumes.deleteVolume(req.ctx, id, { cascade, force });
    reply.code(202).send();
  });
}
