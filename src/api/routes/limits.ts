// /v3/{project_id}/limits: the absolute limits and usage of the caller's project.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ProjectParams } from './common.schema.js';

export function limitsRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v3/:projectId/limits', { schema: { params: ProjectParams } }, async (req) => {
    const d = await deps.quotas.details(req.ctx.projectId);
    const used = (r: string) => (d[r]?.in_use ?? 0) + (d[r]?.reserved ?? 0);
    const limit = (r: string) => d[r]?.limit ?? -1;
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: limit('volumes'),
          maxTotalSnapshots: limit('snapshots'),
          maxTotalVolumeGigabytes: limit('gigabytes'),
          maxTotalBackups: limit('backups'),
          maxTotalBackupGigabytes: limit('backup_gigabytes'),
          totalVolumesUsed: used('volumes'),
          totalGigabytesUsed: used('gigabytes'),
          totalSnapshotsUsed: used('snapshots'),
          totalBackupsUsed: used('backups'),
          totalBackupGigabytesUsed: used('backup_gigabytes'),
        },
      },
    };
  });
}
