// What placement would decide for a volume of a given size, type and zone, creating nothing
// (Flint's schedule-explain). Needs the scheduler role in this process.
import type { Db } from '../db/database.js';
import { extraSpecsOf, qosSpecsOfType, requestedVolumeType } from '../db/repos/types.js';
import { InvalidInput, NoValidBackend } from '../errors/errors.js';
import type { Explanation, Scheduler } from '../scheduler/scheduler.js';
import type { RequestContext } from './operations.js';

export async function explainPlacement(
  db: Db, scheduler: Scheduler | null, defaultVolumeType: string | null,
  ctx: RequestContext, req: { size: number; volumeType?: string | null; availabilityZone?: string | null },
): Promise<Explanation> {
  if (!Number.isInteger(req.size) || req.size < 1) throw new InvalidInput(`size must be a positive integer, got ${req.size}.`);
  if (!scheduler) throw new NoValidBackend('No scheduler runs in this process; ask an API process that runs the scheduler role.');
  const type = await requestedVolumeType(db.kysely, ctx, req.volumeType, defaultVolumeType);
  return scheduler.explain({
    volume: { id: 'explain', size: req.size, volumeTypeId: type.id, availabilityZone: req.availabilityZone ?? null, multiattach: false, metadata: {} },
    extraSpecs: await extraSpecsOf(db.kysely, type.id),
    qosSpecs: await qosSpecsOfType(db.kysely, type.id),
    hints: {},
    excludeHosts: [],
  });
}
