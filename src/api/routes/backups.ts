// /v3/{project_id}/backups: create, list (summary and detail), show, update (3.9), delete,
// actions (os-reset_status, os-force_delete: the snapshot action body's shape), restore, export_record and import_record.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { BackupApi } from '../../backup/backup-api.js';
import { InvalidInput, NotSupported } from '../../errors/errors.js';
import { baseUrl, checkQueryKeys, parseBoolean, parseDictParam, q, requireAdmin, type QueryRequest } from '../http.js';
import { PAGE_QUERY_KEYS, parsePageParams } from '../queries/list-params.js';
import { atLeast } from '../microversion.js';
import { BACKUP_SORT_KEYS, countBackups, listBackups, type BackupFilters } from '../queries/backups.js';
import { getBackup } from '../../db/repos/backups.js';
import { metadataFor } from '../../db/repos/metadata.js';
import { backupDetail, backupSummary } from '../views/backup-view.js';
import { SnapshotActionBody } from './volume-actions.schema.js';
import { Bool, IdParams, Metadata, NullableDescription, NullableName, ProjectParams, AnyQuery } from './common.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 255 });

const CreateBackupBody = Type.Object({
  backup: Type.Object({
    volume_id: Id,
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    container: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    incremental: Type.Optional(Bool),
    force: Type.Optional(Bool),
    snapshot_id: Type.Optional(Type.Union([Id, Type.Null()])),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    availability_zone: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateBackupBody = Type.Object({
  backup: Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    metadata: Type.Optional(Metadata),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });

const RestoreBody = Type.Object({
  restore: Type.Object({
    volume_id: Type.Optional(Type.Union([Id, Type.Null()])),
    name: Type.Optional(NullableName),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const ImportBody = Type.Object({
  'backup-record': Type.Object({
    backup_service: Type.String({ minLength: 1, maxLength: 255 }),
    // A record holds the row and the driver's small service metadata (the manifest stays with the objects).
    backup_url: Type.String({ minLength: 1, maxLength: 65535 }),
  }, { additionalProperties: false }),
}, { additionalProperties: false });


const FILTER_KEYS = ['all_tenants', 'project_id', 'name', 'display_name', 'status', 'volume_id', 'metadata'];

function service(deps: ApiDeps): BackupApi {
  if (!deps.backups) throw new NotSupported('flint', 'backups in this process');
  return deps.backups;
}

async function render(deps: ApiDeps, req: FastifyRequest, id: string) {
  const b = await getBackup(deps.db.kysely, req.ctx, id);
  const md = await metadataFor(deps.db.kysely, 'backupMetadata', [id]);
  return backupDetail(req, b, md.get(id)!);
}

async function list(deps: ApiDeps, req: QueryRequest, detail: boolean) {
  const query = req.query;
  checkQueryKeys(query, [...FILTER_KEYS, ...PAGE_QUERY_KEYS]);
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (allTenants && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
  const f: BackupFilters = { projectId: allTenants ? (q(query, 'project_id') ?? null) : req.ctx.projectId };
  const name = q(query, 'name') ?? q(query, 'display_name');
  if (name !== undefined) f.name = name;
  if (q(query, 'status') !== undefined) f.status = q(query, 'status')!;
  if (q(query, 'volume_id') !== undefined) f.volumeId = q(query, 'volume_id')!;
  if (q(query, 'metadata') !== undefined) f.metadata = parseDictParam(q(query, 'metadata')!, 'metadata');
  const page = parsePageParams(query, BACKUP_SORT_KEYS, [{ key: 'created_at', dir: 'desc' }]);
  const rows = await listBackups(deps.db, f, page);
  const md = await metadataFor(deps.db.kysely, 'backupMetadata', rows.map((r) => r.id));
  const backups = rows.map((r) => (detail ? backupDetail(req, r, md.get(r.id)!) : backupSummary(req, r)));
  const out: Record<string, unknown> = { backups };
  if (q(query, 'with_count') !== undefined && parseBoolean(q(query, 'with_count'), 'with_count')) {
    if (!atLeast(req.apiVersion, '3.45')) throw new InvalidInput('with_count needs microversion 3.45 or later.');
    out.count = await countBackups(deps.db, f);
  }
  if (rows.length > 0 && rows.length === page.limit) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (k !== 'marker' && typeof v === 'string') params.set(k, v);
    params.set('marker', rows[rows.length - 1]!.id);
    out.backups_links = [{ href: `${baseUrl(req)}/v3/${req.ctx.projectId}/backups${detail ? '/detail' : ''}?${params}`, rel: 'next' }];
  }
  return out;
}

export function backupRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/backups';

  app.post(P, { schema: { params: ProjectParams, body: CreateBackupBody } }, async (req, reply) => {
    const b = req.body.backup;
    if (b.metadata !== undefined && !atLeast(req.apiVersion, '3.43')) throw new InvalidInput('backup.metadata needs microversion 3.43 or later.');
    if (b.availability_zone !== undefined && !atLeast(req.apiVersion, '3.51')) throw new InvalidInput('backup.availability_zone needs microversion 3.51 or later.');
    const created = await service(deps).create(req.ctx, {
      volumeId: b.volume_id,
      name: b.name ?? null,
      description: b.description ?? null,
      incremental: b.incremental !== undefined ? parseBoolean(b.incremental, 'backup.incremental') : false,
      force: b.force !== undefined ? parseBoolean(b.force, 'backup.force') : false,
      snapshotId: b.snapshot_id ?? null,
      container: b.container ?? null,
      metadata: b.metadata ?? {},
      availabilityZone: b.availability_zone ?? null,
    });
    reply.code(202);
    return { backup: backupSummary(req, created) };
  });

  app.get(P, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, false));
  app.get(`${P}/detail`, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, true));
  app.get(`${P}/:id`, { schema: { params: IdParams } }, async (req) => ({ backup: await render(deps, req, req.params.id) }));

  app.put(`${P}/:id`, { config: { minVersion: '3.9' }, schema: { params: IdParams, body: UpdateBackupBody } }, async (req) => {
    const { id } = req.params;
    const b = req.body.backup;
    if (b.metadata !== undefined && !atLeast(req.apiVersion, '3.43')) throw new InvalidInput('backup.metadata needs microversion 3.43 or later.');
    await service(deps).update(req.ctx, id, { name: b.name, description: b.description, metadata: b.metadata });
    // Cinder answers an update with the summary view (Tempest's schema allows nothing more),
    // plus the metadata from 3.43, where it can be updated.
    const full = await render(deps, req, id);
    const summary: Record<string, unknown> = { id: full.id, name: full.name, links: full.links };
    if (atLeast(req.apiVersion, '3.43')) summary.metadata = full.metadata;
    return { backup: summary };
  });

  app.delete(`${P}/:id`, { schema: { params: IdParams } }, async (req, reply) => {
    await service(deps).delete(req.ctx, req.params.id);
    reply.code(202).send();
  });

  app.post(`${P}/:id/action`, { schema: { params: IdParams, body: SnapshotActionBody } }, async (req, reply) => {
    const { id } = req.params;
    const body = req.body;
    requireAdmin(req, `backup action ${Object.keys(body)[0]}`);
    await getBackup(deps.db.kysely, null, id);
    if (body['os-reset_status']) await service(deps).resetStatus(req.ctx, id, body['os-reset_status'].status);
    else await service(deps).delete(req.ctx, id, { force: true });
    reply.code(202).send();
  });

  app.post(`${P}/:id/restore`, { schema: { params: IdParams, body: RestoreBody } }, async (req, reply) => {
    const r = req.body.restore;
    const out = await service(deps).restore(req.ctx, req.params.id, { volumeId: r.volume_id ?? null, name: r.name ?? null });
    reply.code(202);
    return { restore: { backup_id: out.backupId, volume_id: out.volumeId, volume_name: out.volumeName } };
  });

  app.get(`${P}/:id/export_record`, { schema: { params: IdParams } }, async (req) => {
    requireAdmin(req, 'backup export_record');
    const r = await service(deps).exportRecord(req.ctx, req.params.id);
    return { 'backup-record': { backup_service: r.backupService, backup_url: r.backupUrl } };
  });

  app.post(`${P}/import_record`, { schema: { params: ProjectParams, body: ImportBody } }, async (req, reply) => {
    requireAdmin(req, 'backup import_record');
    const r = req.body['backup-record'];
    const b = await service(deps).importRecord(req.ctx, r.backup_service, r.backup_url);
    reply.code(201);
    return { backup: backupSummary(req, b) };
  });
}
