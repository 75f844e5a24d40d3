// GET /manageable_volumes for any process: a task on the backend's queue, awaited.
import type { Db } from '../db/database.js';
import type { BackendVolumeObject } from '../drivers/interface/objects.js';
import { NotFound } from '../errors/errors.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import type { RequestContext } from './operations.js';

export function manageableVolumesLister(db: Db, tasks: TaskQueue, timeoutMs: number) {
  return async (_ctx: RequestContext, host: string): Promise<BackendVolumeObject[]> => {
    const backendHost = backendHostOf(host);
    // A backend no manager ever served would leave the task unanswered: 404 at once instead.
    const known = await db.kysely.selectFrom('services').select('host')
      .where('binary', '=', 'flint-volume').where('host', '=', backendHost).executeTakeFirst();
    if (!known) throw new NotFound('Backend', host);
    return tasks.call<BackendVolumeObject[]>({
      // The listing is about the backend, not a row: the task's resource id is the call's own.
      kind: 'list_manageable_volumes', queue: volumeQueue(backendHost), resourceType: 'backend', resourceId: newId(), payload: {}, maxAttempts: 1,
    }, { timeoutMs, answerer: `Backend ${backendHost}` });
  };
}
