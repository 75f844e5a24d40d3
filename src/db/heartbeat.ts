// Service heartbeats: each role records that it is alive (os-services reads them).
import type { Db } from './database.js';
import { clock } from '../util/clock.js';
import { newId } from '../util/ids.js';

export async function heartbeat(db: Db, binary: string, host: string, availabilityZone: string): Promise<void> {
  const now = clock().now().toISOString();
  await db.kysely.insertInto('services').values({
    id: newId(), binary, host, availabilityZone, disabled: 0, disabledReason: null, frozen: 0, replicationStatus: 'disabled',
    activeBackendId: null, lastHeartbeat: now, createdAt: now,
  }).onConflict((oc) => oc.columns(['binary', 'host']).doUpdateSet({ lastHeartbeat: now, availabilityZone })).execute();
}
