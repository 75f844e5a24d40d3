// Manila's views of the service itself: availability zones, services, scheduler-stats/pools,
// user messages, share instances (admin) and manage existing shares.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import type { MessageRow, ShareRow } from '../../../db/schema.js';
import type { BackendStats } from '../../../drivers/interface/stats.js';
import { InvalidInput, NotFound } from '../../../errors/errors.js';
import { clock } from '../../../util/clock.js';
import { checkQueryKeys, q, ts, type Query } from '../../http.js';
import { atLeast } from '../../microversion.js';
import { exportLocationView, shareLinks } from '../../views/share-view.js';
import { exportLocationsFor } from '../../../db/repos/shares.js';
import { SHARE_MESSAGE_RESOURCE_TYPES } from '../../../db/repos/messages.js';
import { V2, bodyOf, optBool, optString, optStringMap, renderShare, reqString, sharesOf } from './share-http.js';

type Params = { projectId: string; id: string };
const SHARE_BINARIES = ['flint-share', 'flint-scheduler'];
const MANILA_BINARY: Record<string, string> = { 'flint-share': 'manila-share', 'flint-scheduler': 'manila-scheduler' };
const SHARE_MESSAGE_TYPES = [...SHARE_MESSAGE_RESOURCE_TYPES];

function messageView(req: FastifyRequest, m: MessageRow) {
  return {
    id: m.id, project_id: m.projectId, action_id: m.eventId.split('_').slice(1).join('_') || m.eventId, detail_id: '001',
    message_level: m.messageLevel, user_message: m.userMessage, resource_type: m.resourceType, resource_id: m.resourceUuid,
    request_id: m.requestId, created_at: ts(m.createdAt), expires_at: ts(m.expiresAt), links: shareLinks(req, m.projectId, 'messages', m.id),
  };
}

function instanceView(req: FastifyRequest, s: ShareRow, exports: ReturnType<typeof exportLocationView>[]) {
  const out: Record<string, unknown> = {
    id: s.instanceId, share_id: s.id, availability_zone: s.availabilityZone, created_at: ts(s.createdAt), status: s.status,
    host: s.host, share_network_id: s.shareNetworkId, share_server_id: s.shareServerId,
  };
  if (!atLeast(req.apiVersion, '2.9')) {
    out.export_location = (exports[0]?.path as string | undefined) ?? null;
    out.export_locations = exports.map((e) => e.path);
  }
  if (atLeast(req.apiVersion, '2.10')) out.access_rules_status = s.accessRulesStatus;
  if (atLeast(req.apiVersion, '2.11')) {
    out.replica_state = null;
  }
  if (atLeast(req.apiVersion, '2.22')) out.share_type_id = s.shareTypeId;
  if (atLeast(req.apiVersion, '2.54')) out.progress = s.status === 'available' ? '100%' : null;
  if (atLeast(req.apiVersion, '2.71')) out.updated_at = ts(s.updatedAt);
  return out;
}

export function shareInfraRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const admin = { config: { adminOnly: true } };

  for (const path of [`${V2}/availability-zones`, `${V2}/os-availability-zone`]) {
    app.get(path, async () => {
      const rows = await deps.db.kysely.selectFrom('services').select(['availabilityZone', 'createdAt']).where('binary', '=', 'flint-share').execute();
      const zones = [...new Set(rows.map((r) => r.availabilityZone))];
      const list = (zones.length ? zones : [deps.defaultAvailabilityZone]).sort();
      return { availability_zones: list.map((name) => ({ id: name, name, created_at: ts(rows.find((r) => r.availabilityZone === name)?.createdAt) ?? null, updated_at: null })) };
    });
  }

  for (const path of [`${V2}/services`, `${V2}/os-services`]) {
    app.get(path, admin, async (req) => {
      const query = req.query as Query;
      checkQueryKeys(query, ['host', 'binary', 'zone', 'state', 'status']);
      const down = (deps.serviceDownTime ?? 60) * 1000;
      const rows = await deps.db.kysely.selectFrom('services').selectAll().where('binary', 'in', SHARE_BINARIES).orderBy('host').execute();
      const now = clock().now().getTime();
      let services = rows.map((s, i) => ({
        id: i + 1, binary: MANILA_BINARY[s.binary] ?? s.binary, host: s.host, zone: s.availabilityZone,
        status: s.disabled ? 'disabled' : 'enabled', state: now - Date.parse(s.lastHeartbeat) > down ? 'down' : 'up', updated_at: ts(s.lastHeartbeat),
      }));
      for (const f of ['host', 'binary', 'zone', 'state', 'status'] as const) {
        const v = q(query, f);
        if (v !== undefined) services = services.filter((s) => String(s[f]) === v);
      }
      return { services };
    });
  }

  app.get(`${V2}/scheduler-stats/pools`, admin, async (req) => poolList(deps, req, false));
  app.get(`${V2}/scheduler-stats/pools/detail`, admin, async (req) => poolList(deps, req, true));

  app.get(`${V2}/messages`, { config: { minVersion: '2.37' } }, async (req) => {
    let sel = deps.db.kysely.selectFrom('messages').selectAll().where('resourceType', 'in', SHARE_MESSAGE_TYPES)
      .where('expiresAt', '>', clock().now().toISOString());
    if (!req.ctx.isAdmin) sel = sel.where('projectId', '=', req.ctx.projectId);
    const query = req.query as Query;
    if (q(query, 'resource_id')) sel = sel.where('resourceUuid', '=', q(query, 'resource_id')!);
    if (q(query, 'resource_type')) sel = sel.where('resourceType', '=', q(query, 'resource_type')!);
    const rows = await sel.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1000).execute();
    return { messages: rows.map((m) => messageView(req, m)) };
  });
  const getMessage = async (req: FastifyRequest, id: string) => {
    let sel = deps.db.kysely.selectFrom('messages').selectAll().where('id', '=', id).where('resourceType', 'in', SHARE_MESSAGE_TYPES);
    if (!req.ctx.isAdmin) sel = sel.where('projectId', '=', req.ctx.projectId);
    const m = await sel.executeTakeFirst();
    if (!m) throw new NotFound('Message', id);
    return m;
  };
  app.get<{ Params: Params }>(`${V2}/messages/:id`, { config: { minVersion: '2.37' } }, async (req) => ({ message: messageView(req, await getMessage(req, req.params.id)) }));
  app.delete<{ Params: Params }>(`${V2}/messages/:id`, { config: { minVersion: '2.37' } }, async (req, reply) => {
    await getMessage(req, req.params.id);
    await deps.db.kysely.deleteFrom('messages').where('id', '=', req.params.id).execute();
    reply.code(204);
    return null;
  });

  // --- share instances (admin, 2.3+) ---
  const instances = { config: { adminOnly: true, minVersion: '2.3' } };
  const instanceViews = async (req: FastifyRequest, rows: ShareRow[]) => {
    const ex = await exportLocationsFor(deps.db.kysely, rows.map((r) => r.id), true);
    return rows.map((s) => instanceView(req, s, ex.get(s.id)!.map((e) => exportLocationView(req, s, e, false))));
  };
  app.get(`${V2}/share_instances`, instances, async (req) => {
    const rows = await deps.db.kysely.selectFrom('shares').selectAll().orderBy('createdAt', 'desc').limit(1000).execute();
    return { share_instances: await instanceViews(req, rows) };
  });
  app.get<{ Params: Params }>(`${V2}/share_instances/:id`, instances, async (req) => {
    const s = await deps.db.kysely.selectFrom('shares').selectAll().where('instanceId', '=', req.params.id).executeTakeFirst();
    if (!s) throw new NotFound('Share instance', req.params.id);
    return { share_instance: (await instanceViews(req, [s]))[0] };
  });
  app.get<{ Params: Params }>(`${V2}/shares/:id/instances`, instances, async (req) => {
    const s = await deps.db.kysely.selectFrom('shares').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!s) throw new NotFound('Share', req.params.id);
    return { share_instances: await instanceViews(req, [s]) };
  });
  app.get<{ Params: Params }>(`${V2}/share_instances/:id/export_locations`, { config: { adminOnly: true, minVersion: '2.9' } }, async (req) => {
    const s = await deps.db.kysely.selectFrom('shares').selectAll().where('instanceId', '=', req.params.id).executeTakeFirst();
    if (!s) throw new NotFound('Share instance', req.params.id);
    const ex = await exportLocationsFor(deps.db.kysely, [s.id], true);
    return { export_locations: ex.get(s.id)!.map((e) => exportLocationView(req, s, e, false)) };
  });

  // --- manage existing shares (admin) ---
  const manage = async (req: FastifyRequest) => {
    const b = bodyOf(req, 'share');
    const row = await sharesOf(deps).manageShare(req.ctx, {
      serviceHost: reqString(b, 'service_host'), exportPath: reqString(b, 'export_path', 4096), shareProto: reqString(b, 'protocol', 32),
      shareType: optString(b, 'share_type'), name: optString(b, 'name') ?? optString(b, 'display_name'),
      description: optString(b, 'description', 4096) ?? optString(b, 'display_description', 4096),
      isPublic: atLeast(req.apiVersion, '2.8') ? optBool(b, 'is_public') : undefined, driverOptions: optStringMap(b, 'driver_options'),
    });
    return { share: await renderShare(deps.db, req, row) };
  };
  app.post(`${V2}/shares/manage`, { config: { adminOnly: true, minVersion: '2.7' } }, manage);
  app.post(`${V2}/os-share-manage`, admin, async (req) => {
    bodyOf(req, 'share');
    // Renamed to /shares/manage in 2.7 (Manila's rename of extension-like URLs).
    if (atLeast(req.apiVersion, '2.7')) throw new NotFound('Resource', 'os-share-manage');
    return manage(req);
  });
}

async function poolList(deps: ApiDeps, req: FastifyRequest, detail: boolean) {
  const query = req.query as Query;
  checkQueryKeys(query, ['pool', 'host', 'backend', 'capabilities', 'share_type']);
  const rows = await deps.db.kysely.selectFrom('backendStats').selectAll().where('serviceKind', '=', 'share').execute();
  const pools = [];
  for (const r of rows) {
    const stats = JSON.parse(r.stats) as BackendStats;
    for (const p of stats.pools) {
      const [host, backend] = r.backendHost.split('@') as [string, string];
      if (q(query, 'host') && q(query, 'host') !== host) continue;
      if (q(query, 'backend') && q(query, 'backend') !== backend) continue;
      if (q(query, 'pool') && q(query, 'pool') !== p.poolName) continue;
      const entry: Record<string, unknown> = { name: `${r.backendHost}#${p.poolName}`, host, backend, pool: p.poolName };
      if (detail) {
        const cap = p.capacity;
        entry.capabilities = {
          ...p.capabilities,
          pool_name: p.poolName, share_backend_name: stats.volumeBackendName, vendor_name: stats.vendorName, driver_version: stats.driverVersion,
          storage_protocol: stats.storageProtocol, total_capacity_gb: cap.known ? cap.totalGiB : cap.reason, free_capacity_gb: cap.known ? cap.freeGiB : cap.reason,
          allocated_capacity_gb: p.allocatedCapacityGiB, provisioned_capacity_gb: p.provisionedCapacityGiB,
          max_over_subscription_ratio: p.maxOverSubscriptionRatio, reserved_percentage: p.reservedPercentage, timestamp: ts(r.updatedAt),
          ...(p.filterFunction ? { filter_function: p.filterFunction } : {}), ...(p.goodnessFunction ? { goodness_function: p.goodnessFunction } : {}),
        };
      }
      pools.push(entry);
    }
  }
  if (q(query, 'capabilities') !== undefined) {
    try {
      JSON.parse(q(query, 'capabilities')!.replace(/'/g, '"'));
    } catch {
      throw new InvalidInput('capabilities must be a JSON object.');
    }
  }
  return { pools };
}
