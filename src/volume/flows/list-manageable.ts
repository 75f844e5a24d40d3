// list_manageable_volumes / list_manageable_snapshots: the manager asks its driver for the
// backend's objects and answers the waiting API (TaskQueue.call), so the API works in any
// process, as every backend call.
import { inTransaction } from '../../db/transaction.js';
import { ListBackendSnapshots, ListBackendVolumes } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import type { TaskHandler } from '../../tasks/worker.js';
import { describeError, type ManagerDeps } from './flow-handler.js';

function answering(deps: ManagerDeps, list: () => Promise<unknown>): TaskHandler {
  return {
    async run(task) {
      const objects = await list();
      await inTransaction(deps.db, (tx) => deps.tasks.complete(tx, task, objects));
    },
    async giveUp(task, error) {
      await inTransaction(deps.db, (tx) => deps.tasks.fail(tx, task, describeError(error), error));
    },
  };
}

export function listManageableHandler(deps: ManagerDeps): TaskHandler {
  return answering(deps, () => {
    if (!ListBackendVolumes.is(deps.driver)) throw new NotSupported(deps.backendHost, 'list manageable volumes');
    return deps.driver.listBackendVolumes();
  });
}

export function listManageableSnapshotsHandler(deps: ManagerDeps): TaskHandler {
  return answering(deps, () => {
    if (!ListBackendSnapshots.is(deps.driver)) throw new NotSupported(deps.backendHost, 'list manageable snapshots');
    return deps.driver.listBackendSnapshots();
  });
}
