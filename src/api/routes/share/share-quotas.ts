// Manila's quotas: /quota-sets (2.7+; /os-quota-sets before) per project, user and share type,
// /quota-class-sets, and /limits — over the share quota engine, apart from Cinder's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { InvalidInput } from '../../../errors/errors.js';
import type { QuotaEngine } from '../../../quota/quota-engine.js';
import { q, type Query } from '../../http.js';
import { atLeast } from '../../microversion.js';
import { V2, bodyOf } from './share-http.js';

type Params = { projectId: string; target: string };
/** The resources a quota set shows at a version (share networks are not per share type). */
function resources(req: FastifyRequest, typed: boolean): string[] {
  const r = ['shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes'];
  if (!typed) r.push('share_networks');
  if (atLeast(req.apiVersion, '2.40')) r.push('share_groups', 'share_group_snapshots');
  if (atLeast(req.apiVersion, '2.53')) r.push('share_replicas', 'replica_gigabytes');
  if (atLeast(req.apiVersion, '2.62')) r.push('per_share_gigabytes');
  return r;
}

function engine(deps: ApiDeps): QuotaEngine {
  if (!deps.shareQuotas) throw new InvalidInput('The share service is not configured here.');
  return deps.shareQuotas;
}

async function quotaSet(deps: ApiDeps, req: FastifyRequest, project: string, detail: boolean) {
  const query = req.query as Query;
  const type = q(query, 'share_type');
  if (type !== undefined && !atLeast(req.apiVersion, '2.39')) throw new InvalidInput('share_type quotas need API version 2.39 or later.');
  const details = await engine(deps).details(project);
  const out: Record<string, unknown> = { id: project };
  for (const r of resources(req, type !== undefined)) {
    const key = type ? `${r}_${type}` : r;
    const d = details[key] ?? { limit: engine(deps).defaultLimit(type ? r : key), in_use: 0, reserved: 0 };
    const limit = type && details[key] === undefined ? (details[r]?.limit ?? d.limit) : d.limit;
    out[r] = detail ? { limit, in_use: d.in_use, reserved: d.reserved } : limit;
  }
  return { quota_set: out };
}

export function shareQuotaRoutes(app: FastifyInstance, deps: ApiDeps): void {
  for (const base of [`${V2}/quota-sets`, `${V2}/os-quota-sets`]) {
    app.get<{ Params: Params }>(`${base}/:target`, async (req) => quotaSet(deps, req, req.params.target, false));
    app.get<{ Params: Params }>(`${base}/:target/detail`, async (req) => quotaSet(deps, req, req.params.target, true));
    app.get<{ Params: Params }>(`${base}/:target/defaults`, async (req) => {
      const out: Record<string, unknown> = { id: req.params.target };
      for (const r of resources(req, false)) out[r] = engine(deps).defaultLimit(r);
      return { quota_set: out };
    });
    app.put<{ Params: Params }>(`${base}/:target`, { config: { adminOnly: true } }, async (req) => {
      const b = bodyOf(req, 'quota_set');
      const type = q(req.query as Query, 'share_type');
      const values: Record<string, number> = {};
      for (const [k, v] of Object.entries(b)) {
        if (k === 'force' || k === 'tenant_id') continue;
        const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw new InvalidInput(`Quota limit for ${k} must be an integer greater than or equal to -1.`);
        if (!resources(req, type !== undefined).includes(k)) throw new InvalidInput(`Bad key(s) in quota set: ${k.slice(0, 60)}.`);
        values[type ? `${k}_${type}` : k] = n;
      }
      await engine(deps).setLimits(req.params.target, values);
      return quotaSet(deps, req, req.params.target, false);
    });
    app.delete<{ Params: Params }>(`${base}/:target`, { config: { adminOnly: true } }, async (req, reply) => {
      await engine(deps).resetLimits(req.params.target);
      reply.code(202);
      return null;
    });
  }
  for (const base of [`${V2}/quota-class-sets`, `${V2}/os-quota-class-sets`]) {
    app.get<{ Params: Params }>(`${base}/:target`, async (req) => {
      const out: Record<string, unknown> = { id: req.params.target };
      for (const r of resources(req, false)) out[r] = engine(deps).defaultLimit(r);
      return { quota_class_set: out };
    });
  }
  app.get(`${V2}/limits`, async (req) => {
    const details = await engine(deps).details(req.ctx.projectId);
    const lim = (r: string) => details[r]?.limit ?? engine(deps).defaultLimit(r);
    const used = (r: string) => details[r]?.in_use ?? 0;
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalShares: lim('shares'), maxTotalShareGigabytes: lim('gigabytes'), maxTotalShareSnapshots: lim('snapshots'),
          maxTotalSnapshotGigabytes: lim('snapshot_gigabytes'), maxTotalShareNetworks: lim('share_networks'),
          totalSharesUsed: used('shares'), totalShareGigabytesUsed: used('gigabytes'), totalShareSnapshotsUsed: used('snapshots'),
          totalSnapshotGigabytesUsed: used('snapshot_gigabytes'), totalShareNetworksUsed: used('share_networks'),
        },
      },
    };
  });
}
