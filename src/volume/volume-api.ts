// The API side of the block service: validates a request, changes the status by
// compare-and-set, reserves quota and records the durable task, all in one transaction.
// Every transaction locks the resource row first (lockVolume, or the compare-and-set
// itself), then dependent rows, then quota rows; checks read only locked rows, and quota
// deltas come from the row the locking statement returned (lock order: db/transaction.ts).
import type { Db } from '../db/database.js';
import type { Insertable } from 'kysely';
import type { AttachmentRow, SnapshotRow, TransferRow, VolumeRow, VolumesTable } from '../db/schema.js';
import { ReusableQuery } from '../db/reusable-query.js';
import type { Connector, ConnectionInfo } from '../drivers/interface/objects.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { Explanation, Scheduler } from '../scheduler/scheduler.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import type { AttachRequest, AttachmentWithConnection, CreateAttachmentRequest } from './attachment-operations.js';
import type { BlockStorageOperations, RequestContext } from './operations.js';
import type { CreateSnapshotRequest, ManageSnapshotRequest } from './snapshot-operations.js';
import type { CreateVolumeRequest, ManageVolumeRequest, ResetStatusRequest } from './volume-operations.js';
import { ALLOWED_FROM } from './status.js';
import type { TaskKind, TaskPayloads } from './task-kinds.js';
import { casSnapshot, getSnapshot, lockSnapshot } from '../db/repos/snapshots.js';
import { casVolume, getVolume, lockVolume, type VolumeRecord } from '../db/repos/volumes.js';
import { findVolumeType, lookupTypeWithSpecs, requestedTypeWithSpecs } from '../db/repos/types.js';
import { insertMetadata, mergeMetadata } from '../db/repos/metadata.js';
import { SCHEDULER_QUEUE, backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { type Tx, inTransaction } from '../db/transaction.js';
import { AttachmentApi } from './attachment-api.js';
import { SnapshotApi } from './snapshot-api.js';
import { TransferApi } from './transfer-api.js';
import { VolumeMoveApi } from './volume-move-api.js';
import type { CreateTransferRequest, CreatedTransfer } from './transfer-operations.js';
import { VolumeAdminApi } from './volume-admin-api.js';
import { explainPlacement } from './placement-explain.js';
import { type Enqueue, snapshotQuotaDeltas, typeQuotaDeltas } from './api-support.js';
import { checkMetadata, checkName } from './validation.js';
import type { ImageStore } from './image-store.js';
import { ImageCatalog } from './image-catalog.js';
import { requireBackendOperation } from './backend-operations.js';
import { supersedeVolumeTasks } from './supersede.js';
import { GroupApi } from './group-api.js';
import { GroupSnapshotApi } from './group-snapshot-api.js';
import type { CreateGroupFromSourceRequest, CreateGroupRequest, CreateGroupSnapshotRequest, UpdateGroupRequest } from './group-operations.js';
import type { GroupRow, GroupSnapshotRow } from '../db/schema.js';
import { lockGroup, volumeTypeIdsFor } from '../db/repos/groups.js';

export interface VolumeApiConfig {
  defaultAvailabilityZone: string;
  defaultVolumeType: string | null;
  /** How long synchronous actions (initialize_connection) wait for their backend. */
  rpcTimeoutMs: number;
  maxVolumeSizeGiB: number;
  /** Image files are named relative to this store. */
  images: ImageStore;
}

export class VolumeApi implements BlockStorageOperations {
  private readonly attachments: AttachmentApi;
  private readonly snapshots: SnapshotApi;
  private readonly images: ImageCatalog;
  private readonly admin: VolumeAdminApi;
  private readonly transfers: TransferApi;
  private readonly moves: VolumeMoveApi;
  private readonly groups: GroupApi;
  private readonly groupSnapshots: GroupSnapshotApi;
  /** The create's insert, every column given: compiled once (db/reusable-query.ts). */
  private readonly insertVolume: ReusableQuery<Insertable<VolumesTable>, VolumeRow>;

  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly scheduler: () => Scheduler | null,
    private readonly cfg: VolumeApiConfig,
  ) {
    this.insertVolume = new ReusableQuery(db.kysely, (k, row: Insertable<VolumesTable>) => k.insertInto('volumes').values(row).returningAll());
    this.attachments = new AttachmentApi(db, tasks, cfg.rpcTimeoutMs);
    this.images = new ImageCatalog(db, cfg.images);
    const enqueue: Enqueue = (tx, kind, v, payload, type, id) => this.enqueue(tx, kind, v, payload, type, id);
    this.snapshots = new SnapshotApi(db, tasks, quotas, enqueue);
    this.admin = new VolumeAdminApi(db, tasks, quotas, enqueue, cfg);
    this.transfers = new TransferApi(db, quotas);
    this.moves = new VolumeMoveApi(db, tasks, quotas, enqueue);
    this.groups = new GroupApi(db, tasks, quotas, cfg.defaultAvailabilityZone);
    this.groupSnapshots = new GroupSnapshotApi(db, tasks, quotas, this.groups);
  }

  /** Enqueue a task for the volume's backend, deduplicated per volume. */
  private async enqueue<K extends TaskKind>(tx: Tx, kind: K, v: VolumeRow, payload: TaskPayloads[K], resourceType = 'volume', resourceId = v.id): Promise<string> {
    if (!v.host) throw new Conflict(`Volume ${v.id} has no backend yet; it cannot be ${kind.replace(/_/g, ' ')}d now.`);
    const queue = volumeQueue(backendHostOf(v.host));
    const id = await this.tasks.enqueue(tx, { kind, queue, resourceType, resourceId, payload, dedupeKey: `${resourceType}:${resourceId}` });
    return id;
  }

  /**
   * One transaction: the type read, the quota reservation (three statements), the volume, its
   * metadata and its task inserted; the answer is the inserted row, never read back.
   */
  async createVolume(ctx: RequestContext, req: CreateVolumeRequest): Promise<VolumeRecord> {
    checkName('name', req.name);
    checkName('description', req.description);
    checkMetadata(req.metadata);
    if ([req.snapshotId, req.sourceVolid, req.imagePath].filter(Boolean).length > 1) {
      throw new InvalidInput('Give at most one source: snapshot_id, source_volid or an image.');
    }
    // Only an image the caller's project may read (its own, shared with it, public): else the 404 of a missing one.
    const imagePath = req.imagePath ? (await this.images.resolve(ctx, 'image', req.imagePath)).path : null;
    const id = newId();
    const now = nowIso();
    const row = await inTransaction(this.db, async (tx) => {
      let size = req.size;
      let sourceHost: string | null = null;
      let typeId: string | null = null;
      if (req.snapshotId) {
        // The snapshot's volume is locked before the snapshot (lock order), so neither can
        // be deleted or reverted while this create is deciding.
        const { volumeId } = await getSnapshot(tx, ctx, req.snapshotId);
        const src = await lockVolume(tx, null, volumeId);
        const snap = await lockSnapshot(tx, ctx, req.snapshotId);
        if (snap.status !== 'available') throw new Conflict(`Snapshot ${snap.id} must be available to create a volume from it; its status is ${snap.status}.`);
        size ??= snap.volumeSize;
        if (size < snap.volumeSize) throw new InvalidInput(`size ${size} must be at least the snapshot's size, ${snap.volumeSize} GiB.`);
        await requireBackendOperation(tx, src.host, 'create_from_snapshot', 'create volume from snapshot');
        sourceHost = src.host;
        typeId = src.volumeTypeId;
      }
      if (req.sourceVolid) {
        const src = await lockVolume(tx, ctx, req.sourceVolid);
        if (!(ALLOWED_FROM.clone as readonly string[]).includes(src.status)) {
          throw new Conflict(`Source volume ${src.id} must be available or in-use to clone it; its status is ${src.status}.`);
        }
        size ??= src.size;
        if (size < src.size) throw new InvalidInput(`size ${size} must be at least the source volume's size, ${src.size} GiB.`);
        await requireBackendOperation(tx, src.host, 'clone', 'clone volume');
        sourceHost = src.host;
        typeId = src.volumeTypeId;
      }
      if (req.groupId) {
        // The group first (lock order: a group before its volumes); its volumes live on its backend.
        const g = await lockGroup(tx, ctx, req.groupId);
        if (g.status !== 'available' || !g.host) throw new InvalidInput(`Invalid group: group ${g.id} must be available to create a volume in it; its status is ${g.status}.`);
        const named = req.volumeType ? await findVolumeType(tx, ctx, req.volumeType) : null;
        const groupTypes = (await volumeTypeIdsFor(tx, [g.id])).get(g.id)!;
        const typeOf = named?.id ?? typeId;
        if (!typeOf || !groupTypes.includes(typeOf)) {
          throw new InvalidInput(`Invalid input received: volume_type must be one of the volume types of group ${g.id} (${groupTypes.join(', ')}).`);
        }
        if (sourceHost && backendHostOf(sourceHost) !== backendHostOf(g.host)) {
          throw new InvalidInput(`Invalid input received: the source of the volume is on another backend than group ${g.id}.`);
        }
        sourceHost ??= g.host;
      }
      if (size === undefined) throw new InvalidInput('size is required when creating a volume from nothing.');
      if (!Number.isInteger(size) || size < 1) throw new InvalidInput(`size must be a positive integer number of GiB, got ${size}.`);
      if (size > this.cfg.maxVolumeSizeGiB) throw new InvalidInput(`size ${size} GiB is larger than the maximum, ${this.cfg.maxVolumeSizeGiB} GiB.`);
      // The type, its extra specs and its encryption in one read.
      const picked = !req.volumeType && typeId ? await lookupTypeWithSpecs(this.db, tx, null, typeId)
        : await requestedTypeWithSpecs(this.db, tx, ctx, req.volumeType, this.cfg.defaultVolumeType);
      if (!picked) throw new NotFound('Volume type', typeId!);
      const { type, extraSpecs: specs, encrypted } = picked;
      // An encrypted type needs a key per volume from a key manager, which Flint does not have:
      // refused, rather than a volume the user believes encrypted and is not.
      if (encrypted) {
        throw new InvalidInput(`Invalid volume type: ${type.name} has encryption specs, and Flint has no key manager to create the volume's key.`);
      }
      const multiattach = req.multiattach ?? specs.multiattach === '<is> True';
      const az = req.availabilityZone ?? this.cfg.defaultAvailabilityZone;
      const reservation = await this.quotas.reserve(tx, ctx.projectId, typeQuotaDeltas(type.name, 1, size));
      const inserted = await this.insertVolume.execute(tx, {
        id, projectId: ctx.projectId, userId: ctx.userId, displayName: req.name ?? null, displayDescription: req.description ?? null,
        size, status: 'creating', attachStatus: 'detached', availabilityZone: az, volumeTypeId: type.id,
        host: sourceHost, providerLocation: null, providerAuth: null, providerId: null, snapshotId: req.snapshotId ?? null,
        sourceVolid: req.sourceVolid ?? null, bootable: req.bootable ? 1 : 0, multiattach: multiattach ? 1 : 0,
        migrationStatus: null, replicationStatus: null, groupId: req.groupId ?? null, exported: 0, createdAt: now, updatedAt: now,
      });
      const v = inserted.rows[0]!;
      await insertMetadata(tx, 'volumeMetadata', id, req.metadata ?? {});
      // The volume is new: no task can hold its dedupe key yet (newResource skips that read).
      const task = { resourceType: 'volume', resourceId: id, dedupeKey: `volume:${id}`, newResource: true };
      if (sourceHost) {
        // A volume from a snapshot or clone lives where its source lives.
        await this.tasks.enqueue(tx, {
          ...task, kind: 'create_volume', queue: volumeQueue(backendHostOf(sourceHost)),
          payload: { reservation, excludeHosts: [], imagePath } satisfies TaskPayloads['create_volume'],
        });
      } else {
        await this.tasks.enqueue(tx, {
          ...task, kind: 'schedule_volume', queue: SCHEDULER_QUEUE,
          payload: { reservation, excludeHosts: [], hints: req.schedulerHints ?? {}, imagePath } satisfies TaskPayloads['schedule_volume'],
        });
      }
      return { ...v, volumeTypeName: type.name };
    });
    this.tasks.notify(row.host ? volumeQueue(backendHostOf(row.host)) : SCHEDULER_QUEUE);
    return row;
  }

  async deleteVolume(ctx: RequestContext, id: string, opts: { cascade?: boolean; force?: boolean } = {}): Promise<void> {
    if (opts.force && !ctx.isAdmin) throw new Forbidden('Force delete is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const allowed = opts.force ? ALLOWED_FROM.forceDelete : ALLOWED_FROM.delete;
      // The volume first: snapshot creates and deletes lock it too, so the snapshot list
      // read below is complete and stays so until commit.
      await lockVolume(tx, ctx, id);
      const attached = await tx.selectFrom('attachments').select('id').where('volumeId', '=', id)
        .where('attachStatus', '!=', 'detached').executeTakeFirst();
      if (attached && !opts.force) throw new Conflict(`Volume ${id} is attached; detach it before deleting it.`);
      const snaps = await tx.selectFrom('snapshots').select(['id', 'status', 'groupSnapshotId']).where('volumeId', '=', id).execute();
      const grouped = opts.cascade ? snaps.find((s) => s.groupSnapshotId) : undefined;
      // A member of a group snapshot goes only with its group snapshot (Cinder's InvalidVolume).
      if (grouped) throw new InvalidInput(`Invalid volume: snapshot ${grouped.id} of volume ${id} belongs to group snapshot ${grouped.groupSnapshotId}; delete the group snapshot first.`);
      if (snaps.length > 0 && !opts.cascade) {
        throw new Conflict(`Volume ${id} has ${snaps.length} snapshot(s); delete them first or use cascade.`);
      }
      const busy = snaps.find((s) => !['available', 'error', 'error_deleting'].includes(s.status));
      if (busy) throw new Conflict(`Snapshot ${busy.id} of volume ${id} is ${busy.status}; wait for it before deleting the volume.`);
      const v = await casVolume(tx, id, allowed, { status: 'deleting' }, 'delete');
      // The snapshots counted for quota are exactly those this statement moved to deleting.
      const swept = snaps.length === 0 ? [] : await tx.updateTable('snapshots').set({ status: 'deleting', updatedAt: nowIso() })
        .where('volumeId', '=', id).where('status', 'in', ['available', 'error', 'error_deleting']).returning('id').execute();
      if (swept.length !== snaps.length) throw new Conflict(`Snapshots of volume ${id} changed while it was being deleted; try again.`);
      // A forced delete supersedes whatever task was running on the volume.
      if (opts.force) {
        await supersedeVolumeTasks(tx, this.quotas, id, 'superseded by force delete');
      }
      const type = v.volumeTypeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', v.volumeTypeId).executeTakeFirst() : undefined;
      const deltas = typeQuotaDeltas(type?.name ?? null, -1, -v.size);
      // The cascaded snapshots give back their count and their gigabytes.
      if (swept.length > 0) {
        const sizes = await tx.selectFrom('snapshots').select('volumeSize').where('id', 'in', swept.map((s) => s.id)).execute();
        const snaps = snapshotQuotaDeltas(type?.name ?? null, -swept.length, -sizes.reduce((n, s) => n + s.volumeSize, 0));
        for (const [k, d] of Object.entries(snaps)) deltas[k] = (deltas[k] ?? 0) + d;
      }
      const reservation = await this.quotas.reserve(tx, v.projectId, deltas);
      if (!v.host) {
        // Never placed: nothing exists on any backend.
        await tx.deleteFrom('volumeMetadata').where('resourceId', '=', id).execute();
        await tx.deleteFrom('volumeImageMetadata').where('resourceId', '=', id).execute();
        await tx.deleteFrom('transfers').where('volumeId', '=', id).execute();
        await tx.deleteFrom('tasks').where('resourceId', '=', id).where('status', 'in', ['pending']).execute();
        await tx.deleteFrom('volumes').where('id', '=', id).execute();
        await this.quotas.commit(tx, reservation);
        return null;
      }
      await this.enqueue(tx, 'delete_volume', v, { cascade: !!opts.cascade, reservation });
      return volumeQueue(backendHostOf(v.host));
    });
    if (queue) this.tasks.notify(queue);
  }

  async extendVolume(ctx: RequestContext, id: string, newSize: number): Promise<void> {
    if (!Number.isInteger(newSize) || newSize < 1) throw new InvalidInput(`new_size must be a positive integer, got ${newSize}.`);
    const v = await inTransaction(this.db, async (tx) => {
      // Locked first: the status and size checked here are the ones the UPDATE changes, even
      // when a finishing extend commits meanwhile (a plain read could be stale by then).
      const cur = await lockVolume(tx, ctx, id);
      if (newSize <= cur.size) throw new InvalidInput(`new_size ${newSize} must be larger than the current size, ${cur.size} GiB.`);
      if (newSize > this.cfg.maxVolumeSizeGiB) throw new InvalidInput(`new_size ${newSize} GiB is larger than the maximum, ${this.cfg.maxVolumeSizeGiB} GiB.`);
      await requireBackendOperation(tx, cur.host, 'extend', 'extend volume');
      const allowed = [...ALLOWED_FROM.extend, ...ALLOWED_FROM.extendOnline];
      const row = await casVolume(tx, id, allowed, { status: 'extending' }, 'extend');
      // The UPDATE leaves the size alone: row.size is the size this extend starts from.
      const type = row.volumeTypeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', row.volumeTypeId).executeTakeFirst() : undefined;
      const deltas = typeQuotaDeltas(type?.name ?? null, 0, newSize - row.size);
      const reservation = await this.quotas.reserve(tx, row.projectId, deltas);
      await this.enqueue(tx, 'extend_volume', row, { newSize, oldSize: row.size, reservation, previousStatus: cur.status });
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }

  async revertToSnapshot(ctx: RequestContext, volumeId: string, snapshotId: string): Promise<void> {
    const v = await inTransaction(this.db, async (tx) => {
      const { volumeId: owner } = await getSnapshot(tx, ctx, snapshotId);
      if (owner !== volumeId) throw new InvalidInput(`Snapshot ${snapshotId} does not belong to volume ${volumeId}.`);
      const cur = await lockVolume(tx, ctx, volumeId);
      const snap = await lockSnapshot(tx, ctx, snapshotId);
      const latest = await tx.selectFrom('snapshots').select(['id']).where('volumeId', '=', volumeId)
        .orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (latest?.id !== snapshotId) throw new Conflict(`Volume ${volumeId} can only be reverted to its latest snapshot.`);
        await requireBackendOperation(tx, cur.host, 'revert_to_snapshot', 'revert to snapshot');
      if (snap.volumeSize !== cur.size) throw new Conflict(`Snapshot ${snapshotId} is ${snap.volumeSize} GiB but the volume is now ${cur.size} GiB; revert is not possible.`);
      const row = await casVolume(tx, volumeId, ALLOWED_FROM.revert, { status: 'reverting' }, 'revert');
      await casSnapshot(tx, snapshotId, ['available'], { status: 'restoring' }, 'revert to');
      await this.enqueue(tx, 'revert_to_snapshot', row, { snapshotId });
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }

  async setBootable(ctx: RequestContext, id: string, bootable: boolean): Promise<void> {
    await getVolume(this.db.kysely, ctx, id);
    await this.db.kysely.updateTable('volumes').set({ bootable: bootable ? 1 : 0, updatedAt: nowIso() }).where('id', '=', id).execute();
  }

  async setReadonly(ctx: RequestContext, id: string, readonly: boolean): Promise<void> {
    await getVolume(this.db.kysely, ctx, id);
    await inTransaction(this.db, async (tx) => {
      // Locked first, then only an available volume (as Cinder: an attached one keeps the mode
      // it was connected with).
      await lockVolume(tx, ctx, id);
      await casVolume(tx, id, ['available'], {}, 'update the read-only flag of');
      // Kept either way, as Cinder keeps its admin metadata: clients (Tempest among them)
      // read metadata.readonly back after clearing the flag.
      await mergeMetadata(tx, 'volumeMetadata', id, { readonly: readonly ? 'True' : 'False' });
    });
  }

  async uploadToImage(ctx: RequestContext, id: string, imageName: string, diskFormat: string): Promise<void> {
    if (!['raw', 'qcow2'].includes(diskFormat)) throw new InvalidInput(`disk_format '${diskFormat}' is not supported (allowed: raw, qcow2).`);
    this.cfg.images.checkName('image_name', imageName);
    const v = await inTransaction(this.db, async (tx) => {
      const cur = await lockVolume(tx, ctx, id);
      await requireBackendOperation(tx, cur.host, 'image_transfer', 'upload volume to image');
      const row = await casVolume(tx, id, ALLOWED_FROM.upload, { status: 'uploading' }, 'upload');
      // The name is taken in this transaction: of two uploads to one name, one gets a 409.
      const image = await this.images.reserve(tx, ctx, 'image_name', imageName);
      const task = await this.enqueue(tx, 'upload_image', row, { imageId: image.id, imagePath: this.cfg.images.pathOf(image.id), diskFormat, previousStatus: cur.status });
      await this.images.bindTask(tx, image.id, task);
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }

  // --- reset-status, manage, unmanage: see volume-admin-api.ts ---
  resetVolumeStatus(ctx: RequestContext, id: string, req: ResetStatusRequest) { return this.admin.resetStatus(ctx, id, req); }
  manageVolume(ctx: RequestContext, req: ManageVolumeRequest): Promise<VolumeRow> { return this.admin.manage(ctx, req); }
  unmanageVolume(ctx: RequestContext, id: string) { return this.admin.unmanage(ctx, id); }

  // --- snapshots: see snapshot-api.ts ---
  createSnapshot(ctx: RequestContext, req: CreateSnapshotRequest): Promise<SnapshotRow> { return this.snapshots.create(ctx, req); }
  deleteSnapshot(ctx: RequestContext, id: string, opts?: { force?: boolean }) { return this.snapshots.delete(ctx, id, opts); }
  resetSnapshotStatus(ctx: RequestContext, id: string, status: string) { return this.snapshots.resetStatus(ctx, id, status); }
  updateSnapshotStatus(ctx: RequestContext, id: string, status: string, progress: string | null) { return this.snapshots.updateStatus(ctx, id, status, progress); }
  manageSnapshot(ctx: RequestContext, req: ManageSnapshotRequest): Promise<SnapshotRow> { return this.snapshots.manage(ctx, req); }
  unmanageSnapshot(ctx: RequestContext, id: string) { return this.snapshots.unmanage(ctx, id); }

  // --- retype, migrate, reimage: see volume-move-api.ts ---
  retypeVolume(ctx: RequestContext, id: string, newType: string, policy: 'never' | 'on-demand') { return this.moves.retype(ctx, id, newType, policy); }
  migrateVolume(ctx: RequestContext, id: string, host: string) { return this.moves.migrate(ctx, id, host); }
  migrateVolumeCompletion(ctx: RequestContext, id: string, newVolumeId: string) { return this.moves.migrateCompletion(ctx, id, newVolumeId); }
  async reimageVolume(ctx: RequestContext, id: string, imageRef: string, reimageReserved: boolean): Promise<void> {
    await getVolume(this.db.kysely, ctx, id);
    const image = await this.images.resolve(ctx, 'image_id', imageRef);
    const size = image.row?.size;
    return this.moves.reimage(ctx, id, { path: image.path, sizeBytes: size === null || size === undefined ? null : Number(size) }, reimageReserved);
  }

  // --- transfers: see transfer-api.ts ---
  createTransfer(ctx: RequestContext, req: CreateTransferRequest): Promise<CreatedTransfer> { return this.transfers.createTransfer(ctx, req); }
  acceptTransfer(ctx: RequestContext, id: string, authKey: string): Promise<TransferRow> { return this.transfers.acceptTransfer(ctx, id, authKey); }
  deleteTransfer(ctx: RequestContext, id: string) { return this.transfers.deleteTransfer(ctx, id); }
  // --- groups and group snapshots: see group-api.ts, group-snapshot-api.ts ---
  createGroup(ctx: RequestContext, req: CreateGroupRequest): Promise<GroupRow> { return this.groups.create(ctx, req); }
  createGroupFromSource(ctx: RequestContext, req: CreateGroupFromSourceRequest): Promise<GroupRow> { return this.groupSnapshots.createFromSource(ctx, req); }
  updateGroup(ctx: RequestContext, id: string, req: UpdateGroupRequest) { return this.groups.update(ctx, id, req); }
  deleteGroup(ctx: RequestContext, id: string, deleteVolumes: boolean) { return this.groups.delete(ctx, id, deleteVolumes); }
  resetGroupStatus(ctx: RequestContext, id: string, status: string) { return this.groups.resetStatus(ctx, id, status); }
  enableGroupReplication(ctx: RequestContext, id: string) { return this.groups.replicate(ctx, id, 'enable'); }
  disableGroupReplication(ctx: RequestContext, id: string) { return this.groups.replicate(ctx, id, 'disable'); }
  failoverGroupReplication(ctx: RequestContext, id: string, opts: { allowAttachedVolume: boolean; secondaryBackendId: string | null }) {
    return this.groups.replicate(ctx, id, 'failover', opts);
  }
  listGroupReplicationTargets(ctx: RequestContext, id: string) { return this.groups.replicationTargets(ctx, id); }
  createGroupSnapshot(ctx: RequestContext, req: CreateGroupSnapshotRequest): Promise<GroupSnapshotRow> { return this.groupSnapshots.create(ctx, req); }
  deleteGroupSnapshot(ctx: RequestContext, id: string) { return this.groupSnapshots.delete(ctx, id); }
  resetGroupSnapshotStatus(ctx: RequestContext, id: string, status: string) { return this.groupSnapshots.resetStatus(ctx, id, status); }

  // --- attachments: see attachment-api.ts ---
  reserve(ctx: RequestContext, id: string) { return this.attachments.reserve(ctx, id); }
  unreserve(ctx: RequestContext, id: string) { return this.attachments.unreserve(ctx, id); }
  beginDetaching(ctx: RequestContext, id: string) { return this.attachments.beginDetaching(ctx, id); }
  rollDetaching(ctx: RequestContext, id: string) { return this.attachments.rollDetaching(ctx, id); }
  initializeConnection(ctx: RequestContext, id: string, connector: Connector): Promise<ConnectionInfo> {
    return this.attachments.initializeConnection(ctx, id, connector, null);
  }
  terminateConnection(ctx: RequestContext, id: string, connector: Connector) { return this.attachments.terminateConnection(ctx, id, connector, null); }
  attach(ctx: RequestContext, id: string, req: AttachRequest): Promise<AttachmentRow> { return this.attachments.attach(ctx, id, req); }
  detach(ctx: RequestContext, id: string, attachmentId?: string | null) { return this.attachments.detach(ctx, id, attachmentId ?? null); }
  forceDetach(ctx: RequestContext, id: string, attachmentId?: string | null, connector?: Connector | null) {
    return this.attachments.forceDetach(ctx, id, attachmentId ?? null, connector ?? null);
  }
  createAttachment(ctx: RequestContext, req: CreateAttachmentRequest): Promise<AttachmentWithConnection> { return this.attachments.createAttachment(ctx, req); }
  updateAttachment(ctx: RequestContext, attachmentId: string, connector: Connector): Promise<AttachmentWithConnection> {
    return this.attachments.updateAttachment(ctx, attachmentId, connector);
  }
  completeAttachment(ctx: RequestContext, attachmentId: string) { return this.attachments.completeAttachment(ctx, attachmentId); }
  deleteAttachment(ctx: RequestContext, attachmentId: string) { return this.attachments.deleteAttachment(ctx, attachmentId); }

  explainPlacement(ctx: RequestContext, req: { size: number; volumeType?: string | null; availabilityZone?: string | null }): Promise<Explanation> {
    return explainPlacement(this.db, this.scheduler(), this.cfg.defaultVolumeType, ctx, req);
  }
}

