// Flint's own extensions under /v3/{project_id}/flint: placement explanations.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { NullableId, ProjectParams, Size, toSize } from './common.schema.js';

const ExplainBody = Type.Object({
  size: Size,
  volume_type: Type.Optional(NullableId),
  availability_zone: Type.Optional(NullableId),
}, { additionalProperties: false });

export function flintRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v3/:projectId/flint/schedule-explain', { schema: { params: ProjectParams, body: ExplainBody } }, async (req) => {
    const b = req.body as Static<typeof ExplainBody>;
    const explanation = await deps.volumes.explainPlacement(req.ctx, {
      size: toSize(b.size, 'size'), volumeType: b.volume_type ?? null, availabilityZone: b.availability_zone ?? null,
    });
    return { explanation };
  });
}
