// /v3/{project_id}/snapshots: create, list (summary and detail), show, update, delete, actions.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { baseUrl, checkQueryKeys, parseBoolean, parseDictParam, q, requireAdmin, type QueryRequest } from '../http.js';
import { PAGE_QUERY_KEYS, parsePageParams } from '../queries/list-params.js';
import { atLeast } from '../microversion.js';
import { countSnapshots, listSnapshots, SNAPSHOT_SORT_KEYS, type SnapshotFilters } from '../queries/snapshots.js';
import { getSnapshot } from '../../db/repos/snapshots.js';
import { metadataFor } from '../../db/repos/metadata.js';
import { snapshotDetail, snapshotSummary, type SnapshotDetailOptions } from '../views/snapshot-view.js';
import { Bool, IdParams, Metadata, NullableDescription, NullableName, ProjectParams, AnyQuery } from './common.schema.js';
import { SnapshotActionBody } from './volume-actions.schema.js';

const CreateSnapshotBody = Type.Object({
  snapshot: Type.Object({
    // null is allowed by Cinder's schema and answered 404 (no such volume), as Tempest checks.
    volume_id: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
    name: Type.Optional(NullableName),
    display_name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    display_description: Type.Optional(NullableDescription),
    force: Type.Optional(Bool),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateSnapshotBody = Type.Object({
  snapshot: Type.Object({
    name: Type.Optional(NullableName),
    display_name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    display_description: Type.Optional(NullableDescription),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });

const FILTER_KEYS = ['all_tenants', 'project_id', 'name', 'display_name', 'status', 'volume_id', 'metadata'];

/** One snapshot in the detail view; `extended` for show, not for the answers of create and update. */
async function render(deps: ApiDeps, req: FastifyRequest, id: string, opts: SnapshotDetailOptions = {}) {
  const s = await getSnapshot(deps.db.kysely, req.ctx, id);
  const md = await metadataFor(deps.db.kysely, 'snapshotMetadata', [id]);
  return snapshotDetail(req, s, md.get(id)!, opts);
}

async function list(deps: ApiDeps, req: QueryRequest, detail: boolean) {
  const query = req.query;
  checkQueryKeys(query, [...FILTER_KEYS, ...PAGE_QUERY_KEYS]);
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (allTenants && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
  const f: SnapshotFilters = { projectId: allTenants ? (q(query, 'project_id') ?? null) : req.ctx.projectId };
  const name = q(query, 'name') ?? q(query, 'display_name');
  if (name !== undefined) f.name = name;
  if (q(query, 'status') !== undefined) f.status = q(query, 'status')!;
  if (q(query, 'volume_id') !== undefined) f.volumeId = q(query, 'volume_id')!;
  if (q(query, 'metadata') !== undefined) f.metadata = parseDictParam(q(query, 'metadata')!, 'metadata');
  const page = parsePageParams(query, SNAPSHOT_SORT_KEYS, [{ key: 'created_at', dir: 'desc' }]);
  const rows = await listSnapshots(deps.db, f, page);
  const md = await metadataFor(deps.db.kysely, 'snapshotMetadata', rows.map((r) => r.id));
  const snapshots = rows.map((r) => (detail ? snapshotDetail(req, r, md.get(r.id)!, { extended: true }) : snapshotSummary(r, md.get(r.id)!)));
  const out: Record<string, unknown> = { snapshots };
  if (q(query, 'with_count') !== undefined && parseBoolean(q(query, 'with_count'), 'with_count')) {
    if (!atLeast(req.apiVersion, '3.45')) throw new InvalidInput('with_count needs microversion 3.45 or later.');
    out.count = await countSnapshots(deps.db, f);
  }
  if (rows.length > 0 && rows.length === page.limit) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (k !== 'marker' && typeof v === 'string') params.set(k, v);
    params.set('marker', rows[rows.length - 1]!.id);
    out.snapshots_links = [{ href: `${baseUrl(req)}/v3/${req.ctx.projectId}/snapshots${detail ? '/detail' : ''}?${params}`, rel: 'next' }];
  }
  return out;
}

export function snapshotRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/snapshots';

  app.post(P, { schema: { params: ProjectParams, body: CreateSnapshotBody } }, async (req, reply) => {
    const s = req.body.snapshot;
    if (s.volume_id === null) throw new NotFound('Volume', '(snapshot.volume_id is null)');
    const created = await deps.volumes.createSnapshot(req.ctx, {
      volumeId: s.volume_id,
      name: s.name ?? s.display_name ?? null,
      description: s.description ?? s.display_description ?? null,
      force: s.force !== undefined ? parseBoolean(s.force, 'snapshot.force') : false,
      metadata: s.metadata ?? {},
    });
    reply.code(202);
    return { snapshot: await render(deps, req, created.id) };
  });

  app.get(P, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, false));
  app.get(`${P}/detail`, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => list(deps, req, true));

  app.get(`${P}/:id`, { schema: { params: IdParams } }, async (req) => ({ snapshot: await render(deps, req, req.params.id, { extended: true }) }));

  app.put(`${P}/:id`, { schema: { params: IdParams, body: UpdateSnapshotBody } }, async (req) => {
    const { id } = req.params;
    const s = req.body.snapshot;
    await getSnapshot(deps.db.kysely, req.ctx, id);
    const set: { displayName?: string | null; displayDescription?: string | null; updatedAt: string } = { updatedAt: clock().now().toISOString() };
    const name = s.name !== undefined ? s.name : s.display_name;
    if (name !== undefined) set.displayName = name;
    const description = s.description !== undefined ? s.description : s.display_description;
    if (description !== undefined) set.displayDescription = description;
    await deps.db.kysely.updateTable('snapshots').set(set).where('id', '=', id).execute();
    return { snapshot: await render(deps, req, id) };
  });

  app.delete(`${P}/:id`, { schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    await getSnapshot(deps.db.kysely, req.ctx, id);
    await deps.volumes.deleteSnapshot(req.ctx, id);
    reply.code(202).send();
  });

  app.post(`${P}/:id/action`, { schema: { params: IdParams, body: SnapshotActionBody } }, async (req, reply) => {
    const { id } = req.params;
    const body = req.body;
    // The owner's action (Nova reports the progress of the snapshots it takes for a project).
    const update = body['os-update_snapshot_status'];
    if (update) {
      await deps.volumes.updateSnapshotStatus(req.ctx, id, update.status, update.progress ?? null);
      return reply.code(202).send();
    }
    requireAdmin(req, `snapshot action ${Object.keys(body)[0]}`);
    await getSnapshot(deps.db.kysely, null, id);
    if (body['os-reset_status']) await deps.volumes.resetSnapshotStatus(req.ctx, id, body['os-reset_status'].status);
    else if ('os-unmanage' in body) await deps.volumes.unmanageSnapshot(req.ctx, id);
    else await deps.volumes.deleteSnapshot(req.ctx, id, { force: true });
    reply.code(202).send();
  });
}
