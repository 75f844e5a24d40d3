// Ends a volume's pending and running tasks when an admin overrides them (reset-status,
// force delete), settling each task's quota reservation so nothing stays reserved forever.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import { supersedeTasks } from '../tasks/task-queue.js';

/** Tasks whose volume row exists whatever happens next: what they reserved is now in use. */
const BRINGS_A_VOLUME = new Set(['schedule_volume', 'create_volume', 'manage_volume']);

export async function supersedeVolumeTasks(tx: Transaction<Database>, quotas: QuotaEngine, volumeId: string, reason: string): Promise<void> {
  // By resource, not dedupe key: the create task the scheduler hands on carries none.
  // Connection tasks are left alone: a caller waits for each, and they change no status.
  const tasks = await supersedeTasks(tx, { resourceType: 'volume', resourceId: volumeId, exceptKinds: ['initialize_connection', 'terminate_connection'] }, reason);
  for (const t of tasks) {
    const reservation = (JSON.parse(t.payload) as { reservation?: unknown }).reservation;
    if (typeof reservation !== 'string') continue;
    // A running flow that ends later finds its group settled (commit and rollback are idempotent).
    if (BRINGS_A_VOLUME.has(t.kind)) await quotas.commit(tx, reservation);
    else await quotas.rollback(tx, reservation);
  }
}
