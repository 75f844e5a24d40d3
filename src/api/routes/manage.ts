// Manage existing backend volumes: GET /manageable_volumes (3.8+) and POST /os-volume-manage (admin).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { InvalidInput, NotSupported } from '../../errors/errors.js';
import { checkQueryKeys, parseBoolean, q, type Query } from '../http.js';
import { Bool, MapOf, Metadata, NullableDescription, NullableId, NullableName, ProjectParams, AnyQuery } from './common.schema.js';
import { renderVolume } from './volumes.js';

const ManageBody = Type.Object({
  volume: Type.Object({
    // Stored with a '#pool' suffix in a 255-character column.
    host: Type.String({ minLength: 1, maxLength: 200 }),
    ref: MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 1024 }), minProperties: 1, maxProperties: 16 })),
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    volume_type: Type.Optional(NullableId),
    availability_zone: Type.Optional(NullableId),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    bootable: Type.Optional(Bool),
    cluster: Type.Optional(Type.Null()),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export function manageRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const config = { adminOnly: true };

  const list = (detail: boolean) => async (req: { query: Query; ctx: import('../../volume/operations.js').RequestContext }) => {
    const query = req.query;
    checkQueryKeys(query, ['host', 'cluster', 'limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir']);
    const host = q(query, 'host');
    if (!host) throw new InvalidInput('Query parameter host is required.');
    if (!deps.listManageableVolumes) throw new NotSupported(host, 'list manageable volumes');
    const objects = await deps.listManageableVolumes(req.ctx, host);
    return {
      'manageable-volumes': objects.map((o) => ({
        reference: o.reference, size: o.sizeGiB, safe_to_manage: o.safeToManage,
        ...(detail ? { reason_not_safe: o.reasonNotSafe, cinder_id: o.flintId, extra_info: o.extraInfo ?? null } : {}),
      })),
    };
  };
  app.get('/v3/:projectId/manageable_volumes', { config: { ...config, minVersion: '3.8' }, schema: { querystring: AnyQuery, params: ProjectParams } }, list(false));
  app.get('/v3/:projectId/manageable_volumes/detail', { config: { ...config, minVersion: '3.8' }, schema: { querystring: AnyQuery, params: ProjectParams } }, list(true));

  app.post('/v3/:projectId/os-volume-manage', { config, schema: { params: ProjectParams, body: ManageBody } }, async (req, reply) => {
    const v = req.body.volume;
    const row = await deps.volumes.manageVolume(req.ctx, {
      host: v.host, ref: v.ref, name: v.name ?? null, description: v.description ?? null,
      volumeType: v.volume_type ?? null, availabilityZone: v.availability_zone ?? null, metadata: v.metadata ?? {},
      ...(v.bootable !== undefined ? { bootable: parseBoolean(v.bootable, 'volume.bootable') } : {}),
    });
    reply.code(202);
    return { volume: await renderVolume(deps.db, req, row.id) };
  });
}
