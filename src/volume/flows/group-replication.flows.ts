// Replication of a group's volumes on its backend (3.38): enable or disable it volume by
// volume with the Replication capability, or fail the volumes over with failover_host.
import type { GroupRow, VolumeRow } from '../../db/schema.js';
import { Replication } from '../../drivers/interface/capabilities.js';
import type { DriverVolume } from '../../drivers/interface/objects.js';
import { NotSupported } from '../../errors/errors.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { toDriverVolume } from '../driver-objects.js';
import { GROUP_REPLICATION } from '../group-status.js';
import type { TaskPayloads } from '../task-kinds.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';

interface ReplicationCtx {
  deps: ManagerDeps;
  row: GroupRow;
  volumes: VolumeRow[];
  dvs: DriverVolume[];
  payload: TaskPayloads['group_replication'];
}

export const groupReplicationFlow: FlowDefinition<'group_replication', ReplicationCtx> = {
  kind: 'group_replication',
  async load(deps, task, payload) {
    const db = deps.db.kysely;
    const row = await db.selectFrom('groups').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
    if (!row || row.replicationStatus !== GROUP_REPLICATION[payload.action].during) return null;
    const volumes = await db.selectFrom('volumes').selectAll().where('groupId', '=', row.id).orderBy('id').execute();
    const dvs: DriverVolume[] = [];
    for (const v of volumes) dvs.push(await toDriverVolume(db, v, deps.templates));
    return { deps, row, volumes, dvs, payload };
  },
  steps: [
    {
      name: 'replicate_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (!Replication.is(driver)) throw new NotSupported(backendName, `${ctx.payload.action} replication of a group`);
        if (ctx.payload.action === 'failover') {
          await driver.failoverHost(ctx.dvs, ctx.payload.secondaryBackendId);
          return;
        }
        for (const dv of ctx.dvs) {
          if (ctx.payload.action === 'enable') await driver.enableReplication(dv);
          else await driver.disableReplication(dv);
        }
      },
    },
  ],
  async finish(tx, _d, ctx) {
    const step = GROUP_REPLICATION[ctx.payload.action];
    const now = nowIso();
    await tx.updateTable('groups').set({ replicationStatus: step.to, updatedAt: now }).where('id', '=', ctx.row.id).where('replicationStatus', '=', step.during).execute();
    await tx.updateTable('volumes').set({ replicationStatus: step.to, updatedAt: now }).where('groupId', '=', ctx.row.id).where('replicationStatus', '=', step.during).execute();
    return null;
  },
  async giveUp(tx, _d, task, payload, error) {
    const during = GROUP_REPLICATION[payload.action].during;
    const now = nowIso();
    const g = await tx.updateTable('groups').set({ replicationStatus: 'error', updatedAt: now })
      .where('id', '=', task.resourceId).where('replicationStatus', '=', during).returning('projectId').executeTakeFirst();
    await tx.updateTable('volumes').set({ replicationStatus: 'error', updatedAt: now }).where('groupId', '=', task.resourceId).where('replicationStatus', '=', during).execute();
    if (g) await recordUserMessage(tx, { projectId: g.projectId, resourceType: 'GROUP', resourceUuid: task.resourceId, eventId: 'VOLUME_GROUP_001_006', userMessage: `Group replication ${payload.action} failed: ${error}` });
  },
};
