// /v3/{project_id}/os-availability-zone: the zones volume services run in.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ProjectParams } from './common.schema.js';

export function availabilityZoneRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v3/:projectId/os-availability-zone', { schema: { params: ProjectParams } }, async () => {
    const rows = await deps.db.kysely.selectFrom('services').select(['availabilityZone', 'disabled']).execute();
    const zones = new Map<string, boolean>();
    for (const r of rows) zones.set(r.availabilityZone, (zones.get(r.availabilityZone) ?? false) || r.disabled === 0);
    if (zones.size === 0) zones.set(deps.defaultAvailabilityZone, true);
    return { availabilityZoneInfo: [...zones].map(([zoneName, available]) => ({ zoneName, zoneState: { available } })) };
  });
}
