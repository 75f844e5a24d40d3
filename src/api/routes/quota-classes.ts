// /v3/{project_id}/os-quota-class-sets/{class} (admin): the limits of a quota class. The
// `default` class is what every project without its own value gets (os-quota-sets defaults).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { MapOf } from './common.schema.js';

const ClassParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), className: Type.String({ minLength: 1, maxLength: 255 }) });
const UpdateBody = Type.Object({
  quota_class_set: MapOf<number>(Type.Object({}, {
    additionalProperties: Type.Integer({ minimum: -1, maximum: 2_147_483_647 }),
    propertyNames: { minLength: 1, maxLength: 64 },
    minProperties: 1,
    maxProperties: 64,
  })),
}, { additionalProperties: false });

export function quotaClassRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/os-quota-class-sets/:className';
  const config = { adminOnly: true };

  app.get(P, { config, schema: { params: ClassParams } }, async (req) => ({
    quota_class_set: { id: req.params.className, ...(await deps.quotas.classLimits(req.params.className)) },
  }));

  app.put(P, { config, schema: { params: ClassParams, body: UpdateBody } }, async (req) => {
    await deps.quotas.setClassLimits(req.params.className, req.body.quota_class_set);
    return { quota_class_set: await deps.quotas.classLimits(req.params.className) };
  });
}
