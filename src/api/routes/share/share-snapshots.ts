// /v2/{project_id}/snapshots: share snapshots — create, list, detail, show, update, delete,
// actions (reset_status, force_delete, unmanage) and manage.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { Forbidden, InvalidInput, NotFound } from '../../../errors/errors.js';
import { checkQueryKeys, parseBoolean, q, type Query } from '../../http.js';
import { getShareSnapshot, lockShareSnapshot } from '../../../db/repos/shares.js';
import { projectScope } from '../../../db/repos/caller.js';
import { inTransaction } from '../../../db/transaction.js';
import { metadataFor, readMetadata } from '../../../db/repos/metadata.js';
import { nowIso } from '../../../util/clock.js';
import { atLeast } from '../../microversion.js';
import { shareSnapshotView } from '../../views/share-view.js';
import { V2, bodyOf, optBool, optString, reqString, sharesOf, type Body } from './share-http.js';

type Params = { projectId: string; id: string };
const FILTERS = ['all_tenants', 'project_id', 'name', 'name~', 'description', 'description~', 'status', 'share_id', 'size', 'limit', 'offset', 'sort_key', 'sort_dir', 'metadata', 'usage', 'with_count'];

async function list(deps: ApiDeps, req: FastifyRequest, detail: boolean) {
  const query = req.query as Query;
  checkQueryKeys(query, FILTERS);
  let sel = deps.db.kysely.selectFrom('shareSnapshots').selectAll();
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (!(allTenants && req.ctx.isAdmin)) sel = sel.where('projectId', '=', projectScope(req.ctx) ?? req.ctx.projectId);
  for (const [param, col] of [['name', 'displayName'], ['description', 'displayDescription'], ['status', 'status'], ['share_id', 'shareId']] as const) {
    const v = q(query, param);
    if (v !== undefined) sel = sel.where(col, '=', v);
  }
  if (q(query, 'name~') !== undefined) sel = sel.where('displayName', 'like', `%${q(query, 'name~')!.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
  if (q(query, 'size') !== undefined) {
    if (!/^\d{1,9}$/.test(q(query, 'size')!)) throw new InvalidInput('size must be a non-negative integer.');
    sel = sel.where('size', '=', Number(q(query, 'size')));
  }
  const dir = q(query, 'sort_dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new InvalidInput(`Wrong sort direction '${dir.slice(0, 20)}'.`);
  const keys = { created_at: 'createdAt', id: 'id', name: 'displayName', status: 'status', size: 'size', share_id: 'shareId' } as const;
  const key = keys[(q(query, 'sort_key') ?? 'created_at') as keyof typeof keys];
  if (!key) throw new InvalidInput(`Wrong sorting key provided - '${q(query, 'sort_key')!.slice(0, 40)}'.`);
  const lim = q(query, 'limit');
  const off = q(query, 'offset');
  if ((lim !== undefined && !/^\d{1,9}$/.test(lim)) || (off !== undefined && !/^\d{1,9}$/.test(off))) throw new InvalidInput('limit and offset must be non-negative integers.');
  const rows = await sel.orderBy(key, dir).orderBy('id', dir).limit(lim && Number(lim) > 0 ? Math.min(Number(lim), 1000) : 1000).offset(off ? Number(off) : 0).execute();
  const md = await metadataFor(deps.db.kysely, 'shareSnapshotMetadata', rows.map((r) => r.id));
  return { snapshots: rows.map((s) => shareSnapshotView(req, s, detail, md.get(s.id)!)) };
}

async function show(deps: ApiDeps, req: FastifyRequest, id: string) {
  const s = await getShareSnapshot(deps.db.kysely, req.ctx, id);
  return { snapshot: shareSnapshotView(req, s, true, await readMetadata(deps.db.kysely, 'shareSnapshotMetadata', id)) };
}

export function shareSnapshotRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(`${V2}/snapshots`, async (req) => list(deps, req, false));
  app.get(`${V2}/snapshots/detail`, async (req) => list(deps, req, true));
  app.get<{ Params: Params }>(`${V2}/snapshots/:id`, async (req) => show(deps, req, req.params.id));
  app.post(`${V2}/snapshots`, async (req, reply) => {
    const b = bodyOf(req, 'snapshot');
    const snap = await sharesOf(deps).createSnapshot(req.ctx, {
      shareId: reqString(b, 'share_id'), name: optString(b, 'name') ?? optString(b, 'display_name'),
      description: optString(b, 'description', 4096) ?? optString(b, 'display_description', 4096), force: optBool(b, 'force'),
    });
    reply.code(202);
    return { snapshot: shareSnapshotView(req, snap, true, {}) };
  });
  app.put<{ Params: Params }>(`${V2}/snapshots/:id`, async (req) => {
    const b = bodyOf(req, 'snapshot');
    const set: Record<string, unknown> = {};
    const name = optString(b, 'display_name') ?? optString(b, 'name');
    const desc = optString(b, 'display_description', 4096) ?? optString(b, 'description', 4096);
    if (name !== undefined) set.displayName = name;
    if (desc !== undefined) set.displayDescription = desc;
    if (Object.keys(set).length === 0) throw new InvalidInput('Nothing to update: give display_name or display_description.');
    await inTransaction(deps.db, async (tx) => {
      await lockShareSnapshot(tx, req.ctx, req.params.id);
      await tx.updateTable('shareSnapshots').set({ ...set, updatedAt: nowIso() }).where('id', '=', req.params.id).execute();
    });
    return show(deps, req, req.params.id);
  });
  app.delete<{ Params: Params }>(`${V2}/snapshots/:id`, async (req, reply) => {
    await sharesOf(deps).deleteSnapshot(req.ctx, req.params.id);
    reply.code(202);
    return null;
  });
  app.post<{ Params: Params }>(`${V2}/snapshots/:id/action`, async (req, reply) => {
    const body = req.body as Body | undefined;
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw new InvalidInput('Invalid input for field/attribute body: an action body names exactly one action.');
    const key = keys[0]!;
    const name = key.replace(/^os-/, '');
    const arg = (body![key] && typeof body![key] === 'object' ? body![key] : {}) as Body;
    if (!req.ctx.isAdmin && ['reset_status', 'force_delete', 'unmanage'].includes(name)) throw new Forbidden(`Policy doesn't allow share_snapshot:${name} to be performed.`);
    if (name === 'reset_status') await sharesOf(deps).resetSnapshotStatus(req.ctx, req.params.id, reqString(arg, 'status', 64));
    else if (name === 'force_delete') await sharesOf(deps).deleteSnapshot(req.ctx, req.params.id, { force: true });
    else if (name === 'unmanage' && atLeast(req.apiVersion, '2.12')) await sharesOf(deps).unmanageSnapshot(req.ctx, req.params.id);
    else throw new InvalidInput(`There is no such action: ${key.slice(0, 60)}.`);
    reply.code(202);
    return null;
  });
  // Snapshot export locations (2.32) exist only for mountable snapshots, which no Flint share
  // driver offers (mount_snapshot_support is false): the list is empty. `manila snapshot-show`
  // asks for it at every call.
  const mountable = { config: { minVersion: '2.32' } };
  app.get<{ Params: Params }>(`${V2}/snapshots/:id/export-locations`, mountable, async (req) => {
    await getShareSnapshot(deps.db.kysely, req.ctx, req.params.id);
    return { share_snapshot_export_locations: [] };
  });
  app.get<{ Params: Params & { elId: string } }>(`${V2}/snapshots/:id/export-locations/:elId`, mountable, async (req) => {
    await getShareSnapshot(deps.db.kysely, req.ctx, req.params.id);
    throw new NotFound('Export location', req.params.elId.slice(0, 64));
  });
  app.post(`${V2}/snapshots/manage`, { config: { adminOnly: true, minVersion: '2.12' } }, async (req, reply) => {
    const b = bodyOf(req, 'snapshot');
    const snap = await sharesOf(deps).manageSnapshot(req.ctx, {
      shareId: reqString(b, 'share_id'), providerLocation: reqString(b, 'provider_location', 4096),
      name: optString(b, 'name') ?? optString(b, 'display_name'), description: optString(b, 'description', 4096) ?? optString(b, 'display_description', 4096),
    });
    reply.code(202);
    return { snapshot: shareSnapshotView(req, snap, true, {}) };
  });
}
