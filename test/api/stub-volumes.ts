// A small in-database VolumeOperations for route tests, standing in until the real VolumeApi
// is wired: status changes are immediate compare-and-sets, quotas are reserved and committed.
import type { Db } from '../../src/db/database.js';
import type { AttachmentRow, VolumeRow } from '../../src/db/schema.js';
import type { ConnectionInfo, Connector } from '../../src/drivers/interface/objects.js';
import { InvalidInput, InvalidStatus, NotFound } from '../../src/errors/errors.js';
import type { QuotaEngine } from '../../src/quota/quota-engine.js';
import type { Explanation } from '../../src/scheduler/scheduler.js';
import { newId, isUuid } from '../../src/util/ids.js';
import type {
  AttachRequest, AttachmentWithConnection, CreateAttachmentRequest, CreateSnapshotRequest, CreateVolumeRequest,
  ManageVolumeRequest, RequestContext, ResetStatusRequest, VolumeOperations,
} from '../../src/volume/operations.js';

const now = () => new Date().toISOString();

export class StubVolumes implements VolumeOperations {
  calls: string[] = [];
  constructor(private readonly db: Db, private readonly quotas: QuotaEngine) {}

  private async vol(id: string): Promise<VolumeRow> {
    const v = await this.db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!v) throw new NotFound('Volume', id);
    return v;
  }

  private async cas(id: string, from: string[], to: Partial<VolumeRow>, action: string): Promise<void> {
    const r = await this.db.kysely.updateTable('volumes').set({ ...to, updatedAt: now() })
      .where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      const v = await this.vol(id);
      throw new InvalidStatus('volume', id, v.status, from, action);
    }
  }

  private async resolveType(t: string | null | undefined): Promise<string | null> {
    if (!t) return null;
    const row = await this.db.kysely.selectFrom('volumeTypes').select('id')
      .where((eb) => (isUuid(t) ? eb.or([eb('id', '=', t), eb('name', '=', t)]) : eb('name', '=', t))).executeTakeFirst();
    if (!row) throw new NotFound('Volume type', t);
    return row.id;
  }

  async createVolume(ctx: RequestContext, req: CreateVolumeRequest): Promise<VolumeRow> {
    this.calls.push('createVolume');
    const typeId = await this.resolveType(req.volumeType);
    let size = req.size;
    if (req.snapshotId) {
      const s = await this.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', req.snapshotId).where('projectId', '=', ctx.projectId).executeTakeFirst();
      if (!s) throw new NotFound('Snapshot', req.snapshotId);
      size ??= s.volumeSize;
      if (size < s.volumeSize) throw new InvalidInput(`Volume size ${size} GiB is smaller than the snapshot size ${s.volumeSize} GiB.`);
    }
    if (req.sourceVolid) {
      const src = await this.db.kysely.selectFrom('volumes').selectAll().where('id', '=', req.sourceVolid).where('projectId', '=', ctx.projectId).executeTakeFirst();
      if (!src) throw new NotFound('Volume', req.sourceVolid);
      size ??= src.size;
    }
    if (!size) throw new InvalidInput('size is required');
    const id = newId();
    const t = now();
    await this.db.kysely.transaction().execute(async (tx) => {
      const group = await this.quotas.reserve(tx, ctx.projectId, { volumes: 1, gigabytes: size! });
      await tx.insertInto('volumes').values({
        id, projectId: ctx.projectId, userId: ctx.userId, displayName: req.name ?? null, displayDescription: req.description ?? null,
        size: size!, status: 'available', attachStatus: 'detached', availabilityZone: req.availabilityZone ?? 'nova', volumeTypeId: typeId,
        host: 'stub@fake#pool', providerLocation: null, providerAuth: null, providerId: null, snapshotId: req.snapshotId ?? null,
        sourceVolid: req.sourceVolid ?? null, bootable: req.bootable ? 1 : 0, multiattach: req.multiattach ? 1 : 0,
        migrationStatus: null, replicationStatus: null, groupId: null, exported: 0, createdAt: t, updatedAt: t,
      }).execute();
      const md = Object.entries(req.metadata ?? {});
      if (md.length) await tx.insertInto('volumeMetadata').values(md.map(([key, value]) => ({ resourceId: id, key, value }))).execute();
      await this.quotas.commit(tx, group);
    });
    return this.vol(id);
  }

  async deleteVolume(ctx: RequestContext, id: string, opts: { cascade?: boolean; force?: boolean } = {}): Promise<void> {
    this.calls.push('deleteVolume');
    const v = await this.vol(id);
    const allowed = opts.force ? [v.status] : ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
    if (!allowed.includes(v.status)) throw new InvalidStatus('volume', id, v.status, allowed, 'delete');
    const snaps = await this.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', id).execute();
    if (snaps.length && !opts.cascade) throw new InvalidInput(`Volume ${id} still has ${snaps.length} dependent snapshots.`);
    await this.db.kysely.transaction().execute(async (tx) => {
      const group = await this.quotas.reserve(tx, v.projectId, { volumes: -1, gigabytes: -v.size, snapshots: -snaps.length });
      await tx.deleteFrom('snapshots').where('volumeId', '=', id).execute();
      await tx.deleteFrom('volumeMetadata').where('resourceId', '=', id).execute();
      await tx.deleteFrom('volumes').where('id', '=', id).execute();
      await this.quotas.commit(tx, group);
    });
  }

  async extendVolume(ctx: RequestContext, id: string, newSize: number): Promise<void> {
    this.calls.push('extendVolume');
    const v = await this.vol(id);
    await this.db.kysely.transaction().execute(async (tx) => {
      const group = await this.quotas.reserve(tx, v.projectId, { gigabytes: newSize - v.size });
      const r = await tx.updateTable('volumes').set({ size: newSize, updatedAt: now() }).where('id', '=', id).where('status', 'in', ['available', 'in-use']).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new InvalidStatus('volume', id, v.status, ['available', 'in-use'], 'extend');
      await this.quotas.commit(tx, group);
    });
  }

  async revertToSnapshot(_ctx: RequestContext, volumeId: string, snapshotId: string): Promise<void> {
    this.calls.push('revertToSnapshot');
    const s = await this.db.kysely.selectFrom('snapshots').select('volumeId').where('id', '=', snapshotId).executeTakeFirst();
    if (!s || s.volumeId !== volumeId) throw new NotFound('Snapshot', snapshotId);
    await this.cas(volumeId, ['available'], {}, 'revert');
  }

  async resetVolumeStatus(_ctx: RequestContext, id: string, req: ResetStatusRequest): Promise<void> {
    this.calls.push('resetVolumeStatus');
    await this.vol(id);
    await this.db.kysely.updateTable('volumes').set({
      ...(req.status ? { status: req.status } : {}), ...(req.attachStatus ? { attachStatus: req.attachStatus } : {}),
      ...(req.migrationStatus ? { migrationStatus: req.migrationStatus } : {}),
    }).where('id', '=', id).execute();
  }

  async manageVolume(ctx: RequestContext, req: ManageVolumeRequest): Promise<VolumeRow> {
    this.calls.push('manageVolume');
    return this.createVolume(ctx, { size: 1, name: req.name ?? null, volumeType: req.volumeType ?? null, metadata: req.metadata ?? {} });
  }

  async unmanageVolume(ctx: RequestContext, id: string): Promise<void> {
    this.calls.push('unmanageVolume');
    await this.deleteVolume(ctx, id);
  }

  async setBootable(_ctx: RequestContext, id: string, bootable: boolean): Promise<void> {
    this.calls.push('setBootable');
    await this.vol(id);
    await this.db.kysely.updateTable('volumes').set({ bootable: bootable ? 1 : 0 }).where('id', '=', id).execute();
  }

  async setReadonly(_ctx: RequestContext, id: string): Promise<void> {
    this.calls.push('setReadonly');
    await this.vol(id);
  }

  async uploadToImage(_ctx: RequestContext, id: string): Promise<void> {
    this.calls.push('uploadToImage');
    await this.cas(id, ['available'], {}, 'upload');
  }

  async createSnapshot(ctx: RequestContext, req: CreateSnapshotRequest) {
    this.calls.push('createSnapshot');
    const v = await this.db.kysely.selectFrom('volumes').selectAll().where('id', '=', req.volumeId).where('projectId', '=', ctx.projectId).executeTakeFirst();
    if (!v) throw new NotFound('Volume', req.volumeId);
    const allowed = req.force ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(v.status)) throw new InvalidStatus('volume', v.id, v.status, allowed, 'snapshot');
    const id = newId();
    const t = now();
    await this.db.kysely.transaction().execute(async (tx) => {
      const group = await this.quotas.reserve(tx, ctx.projectId, { snapshots: 1 });
      await tx.insertInto('snapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, volumeId: v.id, displayName: req.name ?? null, displayDescription: req.description ?? null,
        status: 'available', progress: '100%', volumeSize: v.size, providerLocation: null, providerId: null, createdAt: t, updatedAt: t,
      }).execute();
      const md = Object.entries(req.metadata ?? {});
      if (md.length) await tx.insertInto('snapshotMetadata').values(md.map(([key, value]) => ({ resourceId: id, key, value }))).execute();
      await this.quotas.commit(tx, group);
    });
    return this.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async deleteSnapshot(_ctx: RequestContext, id: string): Promise<void> {
    this.calls.push('deleteSnapshot');
    const s = await this.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) throw new NotFound('Snapshot', id);
    await this.db.kysely.transaction().execute(async (tx) => {
      const group = await this.quotas.reserve(tx, s.projectId, { snapshots: -1 });
      await tx.deleteFrom('snapshots').where('id', '=', id).execute();
      await this.quotas.commit(tx, group);
    });
  }

  async resetSnapshotStatus(_ctx: RequestContext, id: string, status: string): Promise<void> {
    this.calls.push('resetSnapshotStatus');
    await this.db.kysely.updateTable('snapshots').set({ status }).where('id', '=', id).execute();
  }

  async reserve(_c: RequestContext, id: string) { this.calls.push('reserve'); await this.cas(id, ['available'], { status: 'reserved' }, 'reserve'); }
  async unreserve(_c: RequestContext, id: string) { this.calls.push('unreserve'); await this.cas(id, ['reserved'], { status: 'available' }, 'unreserve'); }
  async beginDetaching(_c: RequestContext, id: string) { this.calls.push('beginDetaching'); await this.cas(id, ['in-use'], { status: 'detaching' }, 'begin detaching'); }
  async rollDetaching(_c: RequestContext, id: string) { this.calls.push('rollDetaching'); await this.cas(id, ['detaching'], { status: 'in-use' }, 'roll detaching'); }

  private connection(id: string, connector: Connector | null | undefined): ConnectionInfo {
    return {
      driver_volume_type: 'iscsi',
      data: {
        target_discovered: false, target_portal: '127.0.0.1:3260', target_iqn: `iqn.2010-10.org.openstack:volume-${id}`, target_lun: 1,
        volume_id: id, access_mode: 'rw', auth_method: 'CHAP', auth_username: 'u', auth_password: 'p',
        ...(connector?.initiator ? { initiator: connector.initiator } : {}),
      },
    };
  }

  async initializeConnection(_c: RequestContext, id: string, connector: Connector): Promise<ConnectionInfo> {
    this.calls.push('initializeConnection');
    const v = await this.vol(id);
    if (!['available', 'reserved', 'attaching', 'in-use'].includes(v.status)) throw new InvalidStatus('volume', id, v.status, ['available', 'reserved', 'in-use'], 'initialize connection of');
    return this.connection(id, connector);
  }

  async terminateConnection(_c: RequestContext, id: string): Promise<void> { this.calls.push('terminateConnection'); await this.vol(id); }

  async attach(ctx: RequestContext, id: string, req: AttachRequest): Promise<AttachmentRow> {
    this.calls.push('attach');
    await this.cas(id, ['available', 'reserved', 'attaching'], { status: 'in-use', attachStatus: 'attached' }, 'attach');
    const aid = newId();
    const t = now();
    await this.db.kysely.insertInto('attachments').values({
      id: aid, volumeId: id, projectId: ctx.projectId, instanceUuid: req.instanceUuid ?? null, attachedHost: req.hostName ?? null,
      mountpoint: req.mountpoint, attachStatus: 'attached', attachMode: req.mode ?? 'rw', connector: null, connectionInfo: null,
      attachTime: t, detachTime: null, createdAt: t, updatedAt: t,
    }).execute();
    return this.db.kysely.selectFrom('attachments').selectAll().where('id', '=', aid).executeTakeFirstOrThrow();
  }

  async detach(_c: RequestContext, id: string, attachmentId?: string | null): Promise<void> {
    this.calls.push('detach');
    await this.cas(id, ['in-use', 'detaching'], { status: 'available', attachStatus: 'detached' }, 'detach');
    let u = this.db.kysely.updateTable('attachments').set({ attachStatus: 'detached', detachTime: now() }).where('volumeId', '=', id);
    if (attachmentId) u = u.where('id', '=', attachmentId);
    await u.execute();
  }

  async forceDetach(c: RequestContext, id: string, attachmentId?: string | null): Promise<void> {
    this.calls.push('forceDetach');
    await this.db.kysely.updateTable('volumes').set({ status: 'in-use' }).where('id', '=', id).execute();
    await this.detach(c, id, attachmentId);
  }

  async createAttachment(ctx: RequestContext, req: CreateAttachmentRequest): Promise<AttachmentWithConnection> {
    this.calls.push('createAttachment');
    await this.cas(req.volumeId, ['available', 'reserved', 'in-use'], { status: req.connector ? 'attaching' : 'reserved' }, 'attach');
    const aid = newId();
    const t = now();
    const info = req.connector ? this.connection(req.volumeId, req.connector) : null;
    await this.db.kysely.insertInto('attachments').values({
      id: aid, volumeId: req.volumeId, projectId: ctx.projectId, instanceUuid: req.instanceUuid ?? null, attachedHost: req.connector?.host ?? null,
      mountpoint: null, attachStatus: req.connector ? 'attaching' : 'reserved', attachMode: req.mode ?? 'rw',
      connector: req.connector ? JSON.stringify(req.connector) : null, connectionInfo: info ? JSON.stringify(info) : null,
      attachTime: null, detachTime: null, createdAt: t, updatedAt: t,
    }).execute();
    return { attachment: await this.att(aid), connectionInfo: info };
  }

  private async att(id: string): Promise<AttachmentRow> {
    const a = await this.db.kysely.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!a) throw new NotFound('Attachment', id);
    return a;
  }

  async updateAttachment(_c: RequestContext, attachmentId: string, connector: Connector): Promise<AttachmentWithConnection> {
    this.calls.push('updateAttachment');
    const a = await this.att(attachmentId);
    const info = this.connection(a.volumeId, connector);
    await this.db.kysely.updateTable('attachments').set({ attachStatus: 'attaching', connector: JSON.stringify(connector), connectionInfo: JSON.stringify(info) }).where('id', '=', attachmentId).execute();
    return { attachment: await this.att(attachmentId), connectionInfo: info };
  }

  async completeAttachment(_c: RequestContext, attachmentId: string): Promise<void> {
    this.calls.push('completeAttachment');
    const a = await this.att(attachmentId);
    await this.db.kysely.updateTable('attachments').set({ attachStatus: 'attached', attachTime: now() }).where('id', '=', attachmentId).execute();
    await this.db.kysely.updateTable('volumes').set({ status: 'in-use', attachStatus: 'attached' }).where('id', '=', a.volumeId).execute();
  }

  async deleteAttachment(_c: RequestContext, attachmentId: string): Promise<void> {
    this.calls.push('deleteAttachment');
    const a = await this.att(attachmentId);
    await this.db.kysely.updateTable('attachments').set({ attachStatus: 'detached', detachTime: now() }).where('id', '=', attachmentId).execute();
    await this.db.kysely.updateTable('volumes').set({ status: 'available', attachStatus: 'detached' }).where('id', '=', a.volumeId).execute();
  }

  async explainPlacement(_c: RequestContext, req: { size: number; volumeType?: string | null }): Promise<Explanation> {
    this.calls.push('explainPlacement');
    await this.resolveType(req.volumeType);
    return {
      chosen: 'stub@fake#pool',
      pools: [{ poolHost: 'stub@fake#pool', verdicts: [{ filter: 'CapacityFilter', passed: true, reason: `${req.size} GiB fits` }], weights: { capacity: 1 }, totalWeight: 1 }],
      summary: 'stub@fake#pool chosen',
    };
  }
}
