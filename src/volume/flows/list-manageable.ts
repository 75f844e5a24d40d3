// list_manageable_volumes: the manager asks its driver for the backend's objects and answers
// the waiting API (TaskQueue.call), so the API works in any process, as every backend call.
import { inTransaction } from '../../db/transaction.js';
import { ListBackendVolumes } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import type { TaskHandler } from '../../tasks/worker.js';
import { describeError, type ManagerDeps } from './flow-handler.js';

export function listManageableHandler(deps: ManagerDeps): TaskHandler {
  return {
    async run(task) {
      if (!ListBackendVolumes.is(deps.driver)) throw new NotSupported(deps.backendHost, 'list manageable volumes');
      const objects = await deps.driver.listBackendVolumes();
      await inTransaction(deps.db, (tx) => deps.tasks.complete(tx, task.id, objects));
    },
    async giveUp(task, error) {
      await inTransaction(deps.db, (tx) => deps.tasks.fail(tx, task.id, describeError(error), error));
    },
  };
}
