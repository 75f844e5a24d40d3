// The API's check that a volume's backend implements an operation, read from the operations
// its stats advertise, so a missing capability is a 400 at once instead of a failed task later.
import type { BackendStats } from '../drivers/interface/stats.js';
import { NotSupported } from '../errors/errors.js';
import { backendHostOf } from '../tasks/queues.js';
import type { Tx } from '../db/transaction.js';

/**
 * Throws NotSupported naming the backend when its published stats do not list `operation`
 * (a capability name from drivers/interface/capabilities.ts). Without stats yet, the
 * manager's own guard answers when the task runs.
 */
export async function requireBackendOperation(db: Tx, host: string | null, operation: string, what: string): Promise<void> {
  if (!host) return;
  const row = await db.selectFrom('backendStats').select(['backendName', 'stats']).where('backendHost', '=', backendHostOf(host)).executeTakeFirst();
  if (!row) return;
  const stats = JSON.parse(row.stats) as BackendStats;
  if (!stats.operations.includes(operation)) throw new NotSupported(row.backendName, what);
}
