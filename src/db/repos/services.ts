// Service rows: each role's heartbeat (os-services reads them) and the availability zones
// a volume can be placed in — those of the volume services that have registered, enabled or
// not; the default zone when none has registered yet.
import type { Db } from '../database.js';
import { InvalidInput } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { newId } from '../../util/ids.js';

export async function heartbeat(db: Db, binary: string, host: string, availabilityZone: string): Promise<void> {
  const now = clock().now().toISOString();
  await db.kysely.insertInto('services').values({
    id: newId(), binary, host, availabilityZone, disabled: 0, disabledReason: null, frozen: 0, replicationStatus: 'disabled',
    activeBackendId: null, lastHeartbeat: now, createdAt: now,
  }).onConflict((oc) => oc.columns(['binary', 'host']).doUpdateSet({ lastHeartbeat: now, availabilityZone })).execute();
}

/**
 * Heartbeats every `intervalMs` after a first one now, so os-services shows the role up for
 * as long as it runs (one heartbeat at start made the API and scheduler look down after
 * service_down_time). A failed beat is retried at the next tick.
 */
export async function startHeartbeat(db: Db, binary: string, host: string, availabilityZone: string, intervalMs: number): Promise<{ stop(): Promise<void> }> {
  await heartbeat(db, binary, host, availabilityZone);
  const timer = setInterval(() => { void heartbeat(db, binary, host, availabilityZone).catch(() => undefined); }, intervalMs);
  timer.unref();
  return { stop: async () => clearInterval(timer) };
}

export async function volumeZones(db: Db, defaultZone: string): Promise<string[]> {
  const rows = await db.kysely.selectFrom('services').select('availabilityZone').distinct()
    .where('binary', '=', 'flint-volume').orderBy('availabilityZone').execute();
  return rows.length > 0 ? rows.map((r) => r.availabilityZone) : [defaultZone];
}

/** Refuses a zone no backend serves, as Cinder does, instead of accepting a volume that can only fail. */
export async function checkZone(db: Db, defaultZone: string, zone: string, field: string): Promise<void> {
  const zones = await volumeZones(db, defaultZone);
  if (!zones.includes(zone)) {
    throw new InvalidInput(`Invalid input for field/attribute ${field}: availability zone '${zone}' is invalid; the zones are ${zones.slice(0, 20).join(', ')}.`);
  }
}
