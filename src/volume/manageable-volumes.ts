// GET /manageable_volumes and /manageable_snapshots for any process: a task on the backend's
// queue, awaited.
import type { Db } from '../db/database.js';
import type { BackendSnapshotObject, BackendVolumeObject } from '../drivers/interface/objects.js';
import { NotFound } from '../errors/errors.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import type { RequestContext } from './operations.js';

function backendLister<T>(db: Db, tasks: TaskQueue, timeoutMs: number, kind: 'list_manageable_volumes' | 'list_manageable_snapshots') {
  return async (_ctx: RequestContext, host: string): Promise<T[]> => {
    const backendHost = backendHostOf(host);
    // A backend no manager ever served would leave the task unanswered: 404 at once instead.
    const known = await db.kysely.selectFrom('services').select('host')
      .where('binary', '=', 'flint-volume').where('host', '=', backendHost).executeTakeFirst();
    if (!known) throw new NotFound('Backend', host);
    return tasks.call<T[]>({
      // The listing is about the backend, not a row: the task's resource id is the call's own.
      kind, queue: volumeQueue(backendHost), resourceType: 'backend', resourceId: newId(), payload: {}, maxAttempts: 1,
    }, { timeoutMs, answerer: `Backend ${backendHost}` });
  };
}

export function manageableVolumesLister(db: Db, tasks: TaskQueue, timeoutMs: number) {
  return backendLister<BackendVolumeObject>(db, tasks, timeoutMs, 'list_manageable_volumes');
}

export function manageableSnapshotsLister(db: Db, tasks: TaskQueue, timeoutMs: number) {
  return backendLister<BackendSnapshotObject>(db, tasks, timeoutMs, 'list_manageable_snapshots');
}
