// Manage an existing backend snapshot (admin): POST /os-snapshot-manage, and the same at
// POST /manageable_snapshots (Cinder's v3 resource). Unmanage is the os-unmanage snapshot action.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { metadataFor } from '../../db/repos/metadata.js';
import { snapshotSummary } from '../views/snapshot-view.js';
import { MapOf, Metadata, NullableDescription, NullableName, ProjectParams } from './common.schema.js';

const ManageSnapshotBody = Type.Object({
  snapshot: Type.Object({
    volume_id: Type.String({ minLength: 1, maxLength: 255 }),
    ref: MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 1024 }), minProperties: 1, maxProperties: 16 })),
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export function snapshotManageRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  for (const path of ['/v3/:projectId/os-snapshot-manage', '/v3/:projectId/manageable_snapshots']) {
    app.post(path, { config: { adminOnly: true }, schema: { params: ProjectParams, body: ManageSnapshotBody } }, async (req, reply) => {
      const s = req.body.snapshot;
      const row = await deps.volumes.manageSnapshot(req.ctx, {
        volumeId: s.volume_id, ref: s.ref, name: s.name ?? null, description: s.description ?? null, metadata: s.metadata ?? {},
      });
      const md = await metadataFor(deps.db.kysely, 'snapshotMetadata', [row.id]);
      reply.code(202);
      // Cinder answers with the summary view (Tempest's manage_snapshot schema allows no more).
      return { snapshot: snapshotSummary(row, md.get(row.id) ?? {}) };
    });
  }
}
