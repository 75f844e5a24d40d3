// Share networks and share servers. Flint runs on loopback with no Neutron: a share network
// records its (optional) neutron ids; a share server is what a DHSS=true backend set up for
// one network. Quota: share_networks.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import type { ShareNetworkRow, ShareServerRow } from '../../../db/schema.js';
import { InvalidInput, NotFound } from '../../../errors/errors.js';
import { inTransaction } from '../../../db/transaction.js';
import { projectScope } from '../../../db/repos/caller.js';
import { nowIso } from '../../../util/clock.js';
import { newId } from '../../../util/ids.js';
import { ts } from '../../http.js';
import { atLeast } from '../../microversion.js';
import { V2, bodyOf, optString } from './share-http.js';

type Params = { projectId: string; id: string };

function networkView(req: FastifyRequest, n: ShareNetworkRow) {
  const out: Record<string, unknown> = {
    id: n.id, name: n.name, description: n.description, project_id: n.projectId, created_at: ts(n.createdAt), updated_at: ts(n.updatedAt),
    neutron_net_id: n.neutronNetId, neutron_subnet_id: n.neutronSubnetId, network_type: null, segmentation_id: null, cidr: null, ip_version: null,
  };
  if (atLeast(req.apiVersion, '2.49')) {
    out.share_network_subnets = [{
      id: n.id, availability_zone: null, neutron_net_id: n.neutronNetId, neutron_subnet_id: n.neutronSubnetId, network_type: null,
      segmentation_id: null, cidr: null, ip_version: null, gateway: null, mtu: null, created_at: ts(n.createdAt), updated_at: ts(n.updatedAt),
    }];
  }
  if (atLeast(req.apiVersion, '2.63')) {
    out.status = n.status;
    out.security_service_update_support = false;
  }
  if (atLeast(req.apiVersion, '2.70')) out.network_allocation_update_support = false;
  return out;
}

function serverView(s: ShareServerRow) {
  return {
    id: s.id, project_id: s.projectId, share_network_id: s.shareNetworkId, host: s.host, status: s.status,
    backend_details: JSON.parse(s.backendDetails) as Record<string, string>, created_at: ts(s.createdAt), updated_at: ts(s.updatedAt),
  };
}

export function shareNetworkRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const P = `${V2}/share-networks`;
  const get = async (req: FastifyRequest, id: string) => {
    const n = await deps.db.kysely.selectFrom('shareNetworks').selectAll().where('id', '=', id).executeTakeFirst();
    const project = projectScope(req.ctx);
    if (!n || (project !== null && n.projectId !== project)) throw new NotFound('Share network', id);
    return n;
  };
  const list = async (req: FastifyRequest) => {
    let sel = deps.db.kysely.selectFrom('shareNetworks').selectAll();
    if (!req.ctx.isAdmin) sel = sel.where('projectId', '=', req.ctx.projectId);
    return (await sel.orderBy('createdAt', 'desc').limit(1000).execute()).map((n) => networkView(req, n));
  };
  app.get(P, async (req) => ({ share_networks: (await list(req)).map((n) => ({ id: n.id, name: n.name })) }));
  app.get(`${P}/detail`, async (req) => ({ share_networks: await list(req) }));
  app.get<{ Params: Params }>(`${P}/:id`, async (req) => ({ share_network: networkView(req, await get(req, req.params.id)) }));
  app.post(P, async (req) => {
    const b = bodyOf(req, 'share_network');
    const now = nowIso();
    const id = newId();
    const row = await inTransaction(deps.db, async (tx) => {
      const quotas = deps.shareQuotas!;
      const reservation = await quotas.reserve(tx, req.ctx.projectId, { share_networks: 1 });
      const n = await tx.insertInto('shareNetworks').values({
        id, projectId: req.ctx.projectId, userId: req.ctx.userId, name: optString(b, 'name') ?? null, description: optString(b, 'description', 4096) ?? null,
        neutronNetId: optString(b, 'neutron_net_id', 36) ?? null, neutronSubnetId: optString(b, 'neutron_subnet_id', 36) ?? null,
        status: 'active', createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await quotas.commit(tx, reservation);
      return n;
    });
    return { share_network: networkView(req, row) };
  });
  app.put<{ Params: Params }>(`${P}/:id`, async (req) => {
    const b = bodyOf(req, 'share_network');
    await get(req, req.params.id);
    const set: Record<string, unknown> = {};
    for (const [k, col] of [['name', 'name'], ['description', 'description']] as const) {
      const v = optString(b, k, k === 'description' ? 4096 : 255);
      if (v !== undefined) set[col] = v;
    }
    const row = await deps.db.kysely.updateTable('shareNetworks').set({ ...set, updatedAt: nowIso() }).where('id', '=', req.params.id).returningAll().executeTakeFirstOrThrow();
    return { share_network: networkView(req, row) };
  });
  app.delete<{ Params: Params }>(`${P}/:id`, async (req, reply) => {
    const n = await get(req, req.params.id);
    await inTransaction(deps.db, async (tx) => {
      const used = await tx.selectFrom('shares').select('id').where('shareNetworkId', '=', n.id).executeTakeFirst();
      if (used) throw new InvalidInput(`Share network ${n.id} is in use by share ${used.id}; it cannot be deleted.`);
      await tx.deleteFrom('shareServers').where('shareNetworkId', '=', n.id).execute();
      await tx.deleteFrom('shareNetworks').where('id', '=', n.id).execute();
      const r = await deps.shareQuotas!.reserve(tx, n.projectId, { share_networks: -1 });
      await deps.shareQuotas!.commit(tx, r);
    });
    reply.code(202);
    return null;
  });

  const admin = { config: { adminOnly: true } };
  app.get(`${V2}/share-servers`, admin, async () => {
    const rows = await deps.db.kysely.selectFrom('shareServers').selectAll().orderBy('createdAt', 'desc').limit(1000).execute();
    return { share_servers: rows.map(serverView) };
  });
  app.get<{ Params: Params }>(`${V2}/share-servers/:id`, admin, async (req) => {
    const s = await deps.db.kysely.selectFrom('shareServers').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!s) throw new NotFound('Share server', req.params.id);
    return { share_server: serverView(s) };
  });
  app.get<{ Params: Params }>(`${V2}/share-servers/:id/details`, admin, async (req) => {
    const s = await deps.db.kysely.selectFrom('shareServers').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!s) throw new NotFound('Share server', req.params.id);
    return { details: JSON.parse(s.backendDetails) as Record<string, string> };
  });
}
