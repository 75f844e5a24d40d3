// /v3/{project_id}/os-availability-zone: the zones volume services run in.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ProjectParams } from './common.schema.js';

export function availabilityZoneRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v3/:projectId/os-availability-zone', { schema: { params: ProjectParams } }, async () => {
    const rows = await deps.db.kysely.selectFrom('services').select(['availabilityZone', 'disabled']).execute();
    const zones = new Map<string, boolean>();
    for (const r of rows) zones.set(r.availabilityZone, (zones.get(r.availabilityZone) ?? false) || r.disabled === 0);
    if (zones.size === 0) zones.set(deps.defaultAvailabilityZone, true);
    return { availabilityZoneInfo: [...zones].map(([zoneName, available]) => ({ zoneName, zoneState: { available } })) };
  });
}
