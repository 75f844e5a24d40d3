// /v3/{project_id}/os-quota-sets: show (with usage), update, reset, defaults.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { checkQueryKeys, parseBoolean, q, requireAdmin } from '../http.js';
import { AnyQuery, MapOf } from './common.schema.js';

const TargetParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), target: Type.String({ minLength: 1, maxLength: 255 }) });
const UpdateQuotaBody = Type.Object({
  quota_set: MapOf<number>(Type.Object({}, {
    additionalProperties: Type.Integer({ minimum: -1, maximum: 2_147_483_647 }),
    // Quota resources are stored in 64 characters.
    propertyNames: { minLength: 1, maxLength: 64 },
    minProperties: 1,
    maxProperties: 64,
  })),
}, { additionalProperties: false });

function checkTarget(req: FastifyRequest, target: string) {
  if (target !== req.ctx.projectId) requireAdmin(req, `showing the quotas of project ${target.slice(0, 64)}`);
}

export function quotaRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/os-quota-sets';

  // The defaults are the `default` quota class (os-quota-class-sets), as in Cinder.
  const defaults = () => deps.quotas.classLimits();

  app.get(`${P}/:target/defaults`, { schema: { params: TargetParams } }, async (req) => ({
    quota_set: { id: req.params.target, ...(await defaults()) },
  }));

  app.get(`${P}/:target`, { schema: { querystring: AnyQuery, params: TargetParams } }, async (req) => {
    const { target } = req.params;
    const query = req.query;
    checkQueryKeys(query, ['usage']);
    // GET /os-quota-sets/defaults: the defaults, as some clients ask for them.
    if (target === 'defaults') return { quota_set: { id: req.ctx.projectId, ...(await defaults()) } };
    checkTarget(req, target);
    const usage = q(query, 'usage') !== undefined && parseBoolean(q(query, 'usage'), 'usage');
    if (usage) {
      const details = await deps.quotas.details(target);
      const out: Record<string, unknown> = { id: target };
      for (const [k, d] of Object.entries(details)) out[k] = { limit: d.limit, in_use: d.in_use, reserved: d.reserved, allocated: 0 };
      return { quota_set: out };
    }
    return { quota_set: { id: target, ...(await deps.quotas.limits(target)) } };
  });

  app.put(`${P}/:target`, { config: { adminOnly: true }, schema: { params: TargetParams, body: UpdateQuotaBody } }, async (req) => {
    const { target } = req.params;
    const values = req.body.quota_set;
    await deps.quotas.setLimits(target, values);
    return { quota_set: await deps.quotas.limits(target) };
  });

  app.delete(`${P}/:target`, { config: { adminOnly: true }, schema: { params: TargetParams } }, async (req, reply) => {
    await deps.quotas.resetLimits(req.params.target);
    reply.code(200).send();
  });
}
