// Manage an existing backend snapshot (admin): POST /os-snapshot-manage, and the same at
// POST /manageable_snapshots (Cinder's v3 resource); GET /manageable_snapshots(/detail) (3.8+)
// lists the backend's snapshots. Unmanage is the os-unmanage snapshot action.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidInput, NotSupported } from '../../errors/errors.js';
import { checkQueryKeys, q, type Query } from '../http.js';
import type { RequestContext } from '../../volume/operations.js';
import type { ApiDeps } from '../deps.js';
import { metadataFor } from '../../db/repos/metadata.js';
import { snapshotSummary } from '../views/snapshot-view.js';
import { AnyQuery, MapOf, Metadata, NullableDescription, NullableName, ProjectParams } from './common.schema.js';

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
  const list = (detail: boolean) => async (req: { query: Query; ctx: RequestContext }) => {
    checkQueryKeys(req.query, ['host', 'cluster', 'limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir']);
    const host = q(req.query, 'host');
    if (!host) throw new InvalidInput('Query parameter host is required.');
    if (!deps.listManageableSnapshots) throw new NotSupported(host, 'list manageable snapshots');
    const objects = await deps.listManageableSnapshots(req.ctx, host);
    return {
      'manageable-snapshots': objects.map((o) => ({
        reference: o.reference, size: o.sizeGiB, safe_to_manage: o.safeToManage, source_reference: o.sourceReference,
        ...(detail ? { reason_not_safe: o.reasonNotSafe, cinder_id: o.flintId, extra_info: o.extraInfo ?? null } : {}),
      })),
    };
  };
  const listConfig = { config: { adminOnly: true, minVersion: '3.8' }, schema: { querystring: AnyQuery, params: ProjectParams } };
  app.get('/v3/:projectId/manageable_snapshots', listConfig, list(false));
  app.get('/v3/:projectId/manageable_snapshots/detail', listConfig, list(true));

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
