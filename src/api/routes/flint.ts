// Flint's own extensions under /v3/{project_id}/flint: placement explanations, volume operation progress.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { getVolume } from '../../db/repos/volumes.js';
import { IdParams, NullableId, ProjectParams, Size, toSize } from './common.schema.js';

const ExplainBody = Type.Object({
  size: Size,
  volume_type: Type.Optional(NullableId),
  availability_zone: Type.Optional(NullableId),
}, { additionalProperties: false });

export function flintRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  // Admin only: the explanation names every backend, pool and its free capacity.
  app.post('/v3/:projectId/flint/schedule-explain', { config: { adminOnly: true }, schema: { params: ProjectParams, body: ExplainBody } }, async (req) => {
    const b = req.body;
    const explanation = await deps.volumes.explainPlacement(req.ctx, {
      size: toSize(b.size, 'size'), volumeType: b.volume_type ?? null, availabilityZone: b.availability_zone ?? null,
    });
    return { explanation };
  });

  // How far a volume's running operation (create from image, upload to image…) has got:
  // the unfinished task of the volume, and the percent its copy last reported.
  app.get('/v3/:projectId/flint/volumes/:id/progress', { schema: { params: IdParams } }, async (req) => {
    const { id } = req.params;
    const v = await getVolume(deps.db.kysely, req.ctx, id);
    const task = await deps.db.kysely.selectFrom('tasks').select(['kind', 'percent'])
      .where('resourceType', '=', 'volume').where('resourceId', '=', id).where('status', 'in', ['pending', 'running'])
      .orderBy('createdAt', 'desc').executeTakeFirst();
    return { progress: { operation: task?.kind ?? null, percent: task?.percent ?? null, status: v.status } };
  });
}
