// /v2/{project_id}/shares: create, list (summary and detail, filtered, sorted, paged), show,
// update, delete; share metadata; export locations.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { InvalidInput, NotFound } from '../../../errors/errors.js';
import { checkQueryKeys, parseBoolean, parseDictParam, q, type Query } from '../../http.js';
import { getShare, lockShare } from '../../../db/repos/shares.js';
import { lookupShareType } from '../../../db/repos/share-types.js';
import { deleteMetadataKey, mergeMetadata, readMetadata, replaceMetadata } from '../../../db/repos/metadata.js';
import { inTransaction } from '../../../db/transaction.js';
import { projectScope } from '../../../db/repos/caller.js';
import { nowIso } from '../../../util/clock.js';
import { checkShareMetadata } from '../../../share/api-support.js';
import { exportLocationView, shareSummary } from '../../views/share-view.js';
import { atLeast } from '../../microversion.js';
import { V2, bodyOf, optBool, optString, optStringMap, renderShare, renderShares, reqSize, reqString, sharesOf } from './share-http.js';

const FILTER_KEYS = [
  'all_tenants', 'project_id', 'name', 'name~', 'description', 'description~', 'status', 'share_type_id', 'share_type',
  'snapshot_id', 'export_location', 'export_location_id', 'export_location_path', 'metadata', 'extra_specs', 'is_public',
  'host', 'share_network_id', 'share_server_id', 'availability_zone', 'is_soft_deleted', 'limit', 'offset', 'sort_key',
  'sort_dir', 'share_group_id', 'with_count',
];
const SORT_KEYS: Record<string, 'createdAt' | 'id' | 'displayName' | 'size' | 'status' | 'shareProto' | 'availabilityZone' | 'updatedAt' | 'projectId' | 'shareTypeId'> = {
  created_at: 'createdAt', id: 'id', name: 'displayName', display_name: 'displayName', size: 'size', status: 'status',
  share_proto: 'shareProto', availability_zone: 'availabilityZone', updated_at: 'updatedAt', project_id: 'projectId',
  share_type_id: 'shareTypeId',
};

async function listShares(deps: ApiDeps, req: FastifyRequest, detail: boolean) {
  const query = req.query as Query;
  checkQueryKeys(query, FILTER_KEYS);
  const k = deps.db.kysely;
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  let sel = k.selectFrom('shares').selectAll('shares');
  const project = projectScope(req.ctx);
  const isPublic = q(query, 'is_public') !== undefined && parseBoolean(q(query, 'is_public'), 'is_public');
  if (allTenants && req.ctx.isAdmin) {
    if (q(query, 'project_id')) sel = sel.where('projectId', '=', q(query, 'project_id')!);
  } else {
    const own = project ?? req.ctx.projectId;
    sel = isPublic ? sel.where((eb) => eb.or([eb('projectId', '=', own), eb('isPublic', '=', 1)])) : sel.where('projectId', '=', own);
  }
  const eq = { name: 'displayName', description: 'displayDescription', status: 'status', snapshot_id: 'snapshotId', share_network_id: 'shareNetworkId', share_server_id: 'shareServerId', availability_zone: 'availabilityZone' } as const;
  for (const [param, col] of Object.entries(eq)) {
    const val = q(query, param);
    if (val !== undefined) sel = sel.where(col, '=', val);
  }
  if (q(query, 'name~') !== undefined) sel = sel.where('displayName', 'like', `%${q(query, 'name~')!.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
  if (q(query, 'description~') !== undefined) sel = sel.where('displayDescription', 'like', `%${q(query, 'description~')!.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
  if (q(query, 'host') !== undefined) {
    if (!req.ctx.isAdmin) throw new InvalidInput('Filtering by host is only allowed for admins.');
    sel = sel.where('host', 'like', `${q(query, 'host')!}%`);
  }
  const type = q(query, 'share_type_id') ?? q(query, 'share_type');
  if (type !== undefined) sel = sel.where('shareTypeId', '=', (await lookupShareType(k, req.ctx, type))?.id ?? type);
  const el = q(query, 'export_location') ?? q(query, 'export_location_id') ?? q(query, 'export_location_path');
  if (el !== undefined) {
    sel = sel.where((eb) => eb.exists(eb.selectFrom('shareExportLocations').select('id').whereRef('shareExportLocations.shareId', '=', 'shares.id')
      .where((e2) => e2.or([e2('shareExportLocations.id', '=', el), e2('shareExportLocations.path', '=', el)]))));
  }
  if (q(query, 'metadata') !== undefined) {
    for (const [mk, mv] of Object.entries(parseDictParam(q(query, 'metadata')!, 'metadata'))) {
      sel = sel.where((eb) => eb.exists(eb.selectFrom('shareMetadata').select('resourceId').whereRef('shareMetadata.resourceId', '=', 'shares.id')
        .where('shareMetadata.key', '=', mk).where('shareMetadata.value', '=', mv)));
    }
  }
  const soft = q(query, 'is_soft_deleted');
  if (atLeast(req.apiVersion, '2.69')) sel = sel.where('isSoftDeleted', '=', soft !== undefined && parseBoolean(soft, 'is_soft_deleted') ? 1 : 0);
  else sel = sel.where('isSoftDeleted', '=', 0);
  const sortKey = q(query, 'sort_key') ?? 'created_at';
  const sortDir = q(query, 'sort_dir') ?? 'desc';
  const col = SORT_KEYS[sortKey];
  if (!col) throw new InvalidInput(`Wrong sorting key provided - '${sortKey.slice(0, 40)}'.`);
  if (sortDir !== 'asc' && sortDir !== 'desc') throw new InvalidInput(`Wrong sorting data provided: sort key is '${sortKey}' and sort direction is '${sortDir.slice(0, 20)}'.`);
  sel = sel.orderBy(col, sortDir).orderBy('id', sortDir);
  const num = (name: string) => {
    const raw = q(query, name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,9}$/.test(raw)) throw new InvalidInput(`${name} param must be a non-negative integer, got '${raw.slice(0, 20)}'.`);
    return Number(raw);
  };
  const limit = num('limit');
  const offset = num('offset');
  sel = sel.limit(limit && limit > 0 ? Math.min(limit, 1000) : 1000);
  if (offset) sel = sel.offset(offset);
  const rows = await sel.execute();
  const shares = detail ? await renderShares(deps.db, req, rows) : rows.map((r) => shareSummary(req, r));
  const out: Record<string, unknown> = { shares };
  if (q(query, 'with_count') !== undefined && parseBoolean(q(query, 'with_count'), 'with_count')) out.count = rows.length;
  return out;
}

type Params = { projectId: string; id: string };

export function shareRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(`${V2}/shares`, async (req) => listShares(deps, req, false));
  app.get(`${V2}/shares/detail`, async (req) => listShares(deps, req, true));

  app.post(`${V2}/shares`, async (req) => {
    const b = bodyOf(req, 'share');
    const row = await sharesOf(deps).createShare(req.ctx, {
      size: reqSize(b, 'size'),
      shareProto: reqString(b, 'share_proto', 32),
      name: optString(b, 'name') ?? optString(b, 'display_name'),
      description: optString(b, 'description', 4096) ?? optString(b, 'display_description', 4096),
      shareType: optString(b, 'share_type') ?? optString(b, 'volume_type'),
      availabilityZone: optString(b, 'availability_zone'),
      metadata: optStringMap(b, 'metadata'),
      snapshotId: optString(b, 'snapshot_id'),
      isPublic: optBool(b, 'is_public'),
      shareNetworkId: optString(b, 'share_network_id'),
    });
    return { share: await renderShare(deps.db, req, row) };
  });

  app.get<{ Params: Params }>(`${V2}/shares/:id`, async (req) => ({ share: await renderShare(deps.db, req, await getShare(deps.db.kysely, req.ctx, req.params.id)) }));

  app.put<{ Params: Params }>(`${V2}/shares/:id`, async (req) => {
    const b = bodyOf(req, 'share');
    const set: Record<string, unknown> = {};
    const name = optString(b, 'display_name') ?? optString(b, 'name');
    const desc = optString(b, 'display_description', 4096) ?? optString(b, 'description', 4096);
    if (name !== undefined) set.displayName = name;
    if (desc !== undefined) set.displayDescription = desc;
    const pub = optBool(b, 'is_public');
    if (pub !== undefined) set.isPublic = pub ? 1 : 0;
    const row = await inTransaction(deps.db, async (tx) => {
      await lockShare(tx, req.ctx, req.params.id);
      return tx.updateTable('shares').set({ ...set, updatedAt: nowIso() }).where('id', '=', req.params.id).returningAll().executeTakeFirstOrThrow();
    });
    return { share: await renderShare(deps.db, req, row) };
  });

  app.delete<{ Params: Params }>(`${V2}/shares/:id`, async (req, reply) => {
    await sharesOf(deps).deleteShare(req.ctx, req.params.id);
    reply.code(202);
    return null;
  });

  // --- metadata ---
  const metaPath = `${V2}/shares/:id/metadata`;
  app.get<{ Params: Params }>(metaPath, async (req) => {
    await getShare(deps.db.kysely, req.ctx, req.params.id);
    return { metadata: await readMetadata(deps.db.kysely, 'shareMetadata', req.params.id) };
  });
  const writeMetadata = (replace: boolean) => async (req: FastifyRequest<{ Params: Params }>) => {
    const b = req.body as { metadata?: unknown } | undefined;
    const md = optStringMap({ metadata: b?.metadata ?? null }, 'metadata');
    if (!md) throw new InvalidInput('Invalid input for field/attribute body: expected an object \'metadata\'.');
    checkShareMetadata(md);
    return inTransaction(deps.db, async (tx) => {
      await lockShare(tx, req.ctx, req.params.id);
      if (replace) await replaceMetadata(tx, 'shareMetadata', req.params.id, md);
      else await mergeMetadata(tx, 'shareMetadata', req.params.id, md);
      return { metadata: await readMetadata(tx, 'shareMetadata', req.params.id) };
    });
  };
  app.post<{ Params: Params }>(metaPath, writeMetadata(false));
  app.put<{ Params: Params }>(metaPath, writeMetadata(true));
  app.get<{ Params: Params & { key: string } }>(`${metaPath}/:key`, async (req) => {
    await getShare(deps.db.kysely, req.ctx, req.params.id);
    const md = await readMetadata(deps.db.kysely, 'shareMetadata', req.params.id);
    if (!(req.params.key in md)) throw new NotFound('Metadata key', req.params.key);
    return { meta: { [req.params.key]: md[req.params.key] } };
  });
  app.put<{ Params: Params & { key: string } }>(`${metaPath}/:key`, async (req) => {
    const b = req.body as { meta?: unknown } | undefined;
    const md = optStringMap({ meta: b?.meta ?? null }, 'meta');
    if (!md || Object.keys(md).length !== 1 || !(req.params.key in md)) throw new InvalidInput('Invalid input for field/attribute body: meta must hold exactly the key in the URL.');
    checkShareMetadata(md);
    await inTransaction(deps.db, async (tx) => {
      await lockShare(tx, req.ctx, req.params.id);
      await mergeMetadata(tx, 'shareMetadata', req.params.id, md);
    });
    return { meta: md };
  });
  app.delete<{ Params: Params & { key: string } }>(`${metaPath}/:key`, async (req) => {
    const gone = await inTransaction(deps.db, async (tx) => {
      await lockShare(tx, req.ctx, req.params.id);
      return deleteMetadataKey(tx, 'shareMetadata', req.params.id, req.params.key);
    });
    if (!gone) throw new NotFound('Metadata key', req.params.key);
    return null;
  });

  // --- export locations (2.9+) ---
  const minVersion = { config: { minVersion: '2.9' } };
  app.get<{ Params: Params }>(`${V2}/shares/:id/export_locations`, minVersion, async (req) => {
    const s = await getShare(deps.db.kysely, req.ctx, req.params.id);
    const rows = await deps.db.kysely.selectFrom('shareExportLocations').selectAll().where('shareId', '=', s.id)
      .$if(!req.ctx.isAdmin, (qb) => qb.where('isAdminOnly', '=', 0)).orderBy('createdAt').orderBy('id').execute();
    return { export_locations: rows.map((e) => exportLocationView(req, s, e, false)) };
  });
  app.get<{ Params: Params & { elId: string } }>(`${V2}/shares/:id/export_locations/:elId`, minVersion, async (req) => {
    const s = await getShare(deps.db.kysely, req.ctx, req.params.id);
    const e = await deps.db.kysely.selectFrom('shareExportLocations').selectAll().where('shareId', '=', s.id).where('id', '=', req.params.elId).executeTakeFirst();
    if (!e || (e.isAdminOnly && !req.ctx.isAdmin)) throw new NotFound('Export location', req.params.elId);
    return { export_location: exportLocationView(req, s, e, true) };
  });
}
