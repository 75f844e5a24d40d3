// The admin's volume operations on the API side: reset-status (the admin says what the
// truth is and in-flight work is superseded), manage an existing backend object, unmanage.
import type { Db } from '../db/database.js';
import type { VolumeRow } from '../db/schema.js';
import { Conflict, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import { type Enqueue, typeQuotaDeltas } from './api-support.js';
import { requireBackendOperation } from './backend-operations.js';
import type { RequestContext } from './operations.js';
import { ALLOWED_FROM, ATTACH_STATUSES, VOLUME_STATUSES } from './status.js';
import { supersedeVolumeTasks } from './supersede.js';
import { checkMetadata, checkName } from './validation.js';
import type { ManageVolumeRequest, ResetStatusRequest } from './volume-operations.js';
import { mergeMetadata } from '../db/repos/metadata.js';
import { requestedVolumeType } from '../db/repos/types.js';
import { casVolume, getVolume, lockVolume } from '../db/repos/volumes.js';
import { inTransaction } from '../db/transaction.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';

export class VolumeAdminApi {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly enqueue: Enqueue,
    private readonly cfg: { defaultVolumeType: string | null; defaultAvailabilityZone: string },
  ) {}

  async resetStatus(ctx: RequestContext, id: string, req: ResetStatusRequest): Promise<void> {
    if (req.status !== undefined && !(VOLUME_STATUSES as readonly string[]).includes(req.status)) {
      throw new InvalidInput(`status '${req.status}' is not a volume status (allowed: ${VOLUME_STATUSES.join(', ')}).`);
    }
    if (req.attachStatus !== undefined && !(ATTACH_STATUSES as readonly string[]).includes(req.attachStatus)) {
      throw new InvalidInput(`attach_status '${req.attachStatus}' is not allowed (allowed: ${ATTACH_STATUSES.join(', ')}).`);
    }
    if (req.status === undefined && req.attachStatus === undefined && req.migrationStatus === undefined) {
      throw new InvalidInput('os-reset_status needs at least one of status, attach_status, migration_status.');
    }
    await getVolume(this.db.kysely, ctx, id);
    await inTransaction(this.db, async (tx) => {
      // The volume row before its task, attachment and quota rows (lock order).
      await lockVolume(tx, ctx, id);
      // A reset ends whatever was in progress: the admin says what the truth is.
      await supersedeVolumeTasks(tx, this.quotas, id, 'superseded by reset-status');
      if (req.attachStatus === 'detached') {
        // As Cinder's reset: 'detached' ends the attachments too, or the volume could never be deleted.
        const now = nowIso();
        await tx.updateTable('attachments').set({ attachStatus: 'detached', detachTime: now, updatedAt: now })
          .where('volumeId', '=', id).where('attachStatus', '!=', 'detached').execute();
      }
      await tx.updateTable('volumes').set({
        ...(req.status !== undefined ? { status: req.status } : {}),
        ...(req.attachStatus !== undefined ? { attachStatus: req.attachStatus } : {}),
        ...(req.migrationStatus !== undefined ? { migrationStatus: req.migrationStatus === 'none' ? null : req.migrationStatus } : {}),
        updatedAt: nowIso(),
      }).where('id', '=', id).execute();
    });
  }

  async manage(ctx: RequestContext, req: ManageVolumeRequest): Promise<VolumeRow> {
    checkName('name', req.name);
    checkMetadata(req.metadata);
    if (!/^[^@#\s]+@[^@#\s]+(#[^@#\s]+)?$/.test(req.host)) throw new InvalidInput(`host '${req.host}' must look like host@backend#pool.`);
    if (Object.keys(req.ref).length === 0) throw new InvalidInput('ref must name the backend object (e.g. source-name).');
    const id = newId();
    const now = nowIso();
    const row = await inTransaction(this.db, async (tx) => {
      const known = await tx.selectFrom('backendStats').select('backendHost').where('backendHost', '=', backendHostOf(req.host)).executeTakeFirst();
      if (!known) throw new InvalidInput(`host '${req.host}' is not a known backend.`);
      await requireBackendOperation(tx, req.host, 'manage', 'manage existing volume');
      const type = await requestedVolumeType(tx, ctx, req.volumeType, this.cfg.defaultVolumeType);
      // Size is unknown until the backend measures it; quota for the count is reserved now.
      const reservation = await this.quotas.reserve(tx, ctx.projectId, { volumes: 1, [`volumes_${type.name}`]: 1 });
      const v = await tx.insertInto('volumes').values({
        id, projectId: ctx.projectId, userId: ctx.userId, displayName: req.name ?? null, displayDescription: req.description ?? null,
        size: 0, status: 'managing', attachStatus: 'detached', availabilityZone: req.availabilityZone ?? this.cfg.defaultAvailabilityZone,
        volumeTypeId: type.id, host: req.host.includes('#') ? req.host : `${req.host}#pool0`, providerLocation: null, providerAuth: null,
        providerId: null, snapshotId: null, sourceVolid: null, bootable: req.bootable ? 1 : 0, multiattach: 0, migrationStatus: null,
        replicationStatus: null, groupId: null, exported: 0, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'volumeMetadata', id, req.metadata ?? {});
      await this.enqueue(tx, 'manage_volume', v, { ref: req.ref, reservation });
      return v;
    });
    this.tasks.notify(volumeQueue(backendHostOf(row.host!)));
    return row;
  }

  async unmanage(ctx: RequestContext, id: string): Promise<void> {
    const v = await inTransaction(this.db, async (tx) => {
      const cur = await lockVolume(tx, ctx, id);
      await requireBackendOperation(tx, cur.host, 'manage', 'unmanage volume');
      const snaps = await tx.selectFrom('snapshots').select('id').where('volumeId', '=', id).executeTakeFirst();
      if (snaps) throw new Conflict(`Volume ${id} has snapshots; it cannot be unmanaged.`);
      const row = await casVolume(tx, id, ALLOWED_FROM.unmanage, { status: 'deleting' }, 'unmanage');
      const type = row.volumeTypeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', row.volumeTypeId).executeTakeFirst() : undefined;
      const reservation = await this.quotas.reserve(tx, row.projectId, typeQuotaDeltas(type?.name ?? null, -1, -row.size));
      await this.enqueue(tx, 'unmanage_volume', row, { reservation });
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }
}
