// Attaching and detaching: the legacy volume actions (os-reserve … os-detach) and the
// attachments API (3.27+). Status bookkeeping happens here in one transaction each;
// initialize/terminate connection are tasks on the backend's queue that the caller awaits.
// Each transaction locks the volume row first, then attachment rows (db/transaction.ts).
import type { Db } from '../db/database.js';
import type { AttachmentRow, VolumeRow } from '../db/schema.js';
import type { Connector, ConnectionInfo } from '../drivers/interface/objects.js';
import { BackendError, Conflict, FlintError, InvalidInput, NotFound } from '../errors/errors.js';
import { CallTimedOut, type TaskQueue } from '../tasks/task-queue.js';
import { isUuid, newId } from '../util/ids.js';
import type { AttachRequest, AttachmentWithConnection, CreateAttachmentRequest } from './attachment-operations.js';
import type { RequestContext } from './operations.js';
import { ALLOWED_FROM } from './status.js';
import type { TaskPayloads } from './task-kinds.js';
import { casVolume, getVolume, lockVolume } from '../db/repos/volumes.js';
import { dropAttachmentRow } from '../db/repos/attachments.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { type Tx, inTransaction } from '../db/transaction.js';

/** Which host a connector stands for: its initiator, else its WWPNs, else its host name. */
function hostKey(c: Connector): string {
  if (typeof c.initiator === 'string' && c.initiator) return `initiator:${c.initiator}`;
  if (Array.isArray(c.wwpns) && c.wwpns.length > 0) return `wwpns:${[...c.wwpns].map((w) => String(w).toLowerCase()).sort().join(',')}`;
  return `host:${String(c.host ?? '')}`;
}

function checkConnector(connector: unknown): asserts connector is Connector {
  if (typeof connector !== 'object' || connector === null || Array.isArray(connector)) {
    throw new InvalidInput('connector must be an object (e.g. {"initiator": "iqn…", "host": "…"}).');
  }
}

export class AttachmentApi {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly rpcTimeoutMs: number,
  ) {}

  private async liveAttachments(tx: Tx, volumeId: string, exceptId?: string): Promise<AttachmentRow[]> {
    let q = tx.selectFrom('attachments').selectAll().where('volumeId', '=', volumeId).where('attachStatus', '!=', 'detached');
    if (exceptId) q = q.where('id', '!=', exceptId);
    return q.execute();
  }

  /** os-update_readonly_flag keeps `readonly: True` in the volume's metadata, as Cinder's admin metadata. */
  private async isReadonly(tx: Tx, volumeId: string): Promise<boolean> {
    const r = await tx.selectFrom('volumeMetadata').select('value').where('resourceId', '=', volumeId).where('key', '=', 'readonly').executeTakeFirst();
    return r?.value === 'True';
  }

  private async getAttachment(tx: Tx, ctx: RequestContext, id: string): Promise<AttachmentRow> {
    const a = isUuid(id) ? await tx.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!a || (!ctx.isAdmin && a.projectId !== ctx.projectId)) throw new NotFound('Attachment', id);
    return a;
  }

  /** Run a connection task on the volume's backend and wait for its result. */
  private async connectionTask<K extends 'initialize_connection' | 'terminate_connection'>(
    v: VolumeRow, kind: K, payload: TaskPayloads[K],
  ): Promise<unknown> {
    if (!v.host) throw new Conflict(`Volume ${v.id} is not on a backend yet.`);
    const backend = backendHostOf(v.host);
    try {
      // Connection tasks do not take the volume's dedupe key: they run beside status work.
      return await this.tasks.call({ kind, queue: volumeQueue(backend), resourceType: 'volume', resourceId: v.id, payload, maxAttempts: 1 },
        { timeoutMs: this.rpcTimeoutMs, answerer: `Backend ${backend}` });
    } catch (e) {
      if (!(e instanceof FlintError) || e instanceof CallTimedOut) throw e;
      if (e.code === 'conflict' || e.code === 'backend_conflict') {
        // The backend's own text may name the hosts already connected: it is not passed on.
        throw new Conflict(v.multiattach
          ? `Backend ${backend} refused to ${kind.replace('_', ' ')} volume ${v.id}: it conflicts with the volume's current connections.`
          : `Volume ${v.id} is not multiattach and is connected to another host; that connection must end first.`);
      }
      // The request's fault (bad connector, a capability the backend lacks): the client's 4xx.
      if (!(e instanceof BackendError) && e.httpStatus < 500) throw e;
      throw new BackendError(`${kind.replace('_', ' ')} failed on backend ${backend}: ${e.code}: ${e.message}`, { safe: true });
    }
  }

  async reserve(ctx: RequestContext, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, id);
      const allowed = v.multiattach ? ALLOWED_FROM.reserveMulti : ALLOWED_FROM.reserve;
      // Cinder answers a reserve of a volume in the wrong status with 400 (InvalidVolume), and
      // Tempest checks it; the other status errors here stay 409.
      if (!(allowed as readonly string[]).includes(v.status)) throw new InvalidInput(`Cannot reserve volume ${id}: its status is ${v.status}, it must be one of ${allowed.join(', ')}.`);
      await casVolume(tx, id, allowed, { status: 'attaching' }, 'reserve');
    });
  }

  async unreserve(ctx: RequestContext, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await lockVolume(tx, ctx, id);
      // os-reserve makes no attachment; one reserved through the attachments API is ended there.
      const pending = await tx.selectFrom('attachments').select('id').where('volumeId', '=', id)
        .where('attachStatus', 'in', ['reserved', 'attaching']).executeTakeFirst();
      if (pending) throw new Conflict(`Volume ${id} has attachment ${pending.id} in progress; delete that attachment instead of unreserving the volume.`);
      const live = await tx.selectFrom('attachments').select('id').where('volumeId', '=', id).where('attachStatus', '=', 'attached').executeTakeFirst();
      await casVolume(tx, id, [...ALLOWED_FROM.unreserve, 'in-use'], { status: live ? 'in-use' : 'available' }, 'unreserve');
    });
  }

  async beginDetaching(ctx: RequestContext, id: string): Promise<void> {
    await getVolume(this.db.kysely, ctx, id);
    await casVolume(this.db.kysely, id, ALLOWED_FROM.beginDetaching, { status: 'detaching' }, 'begin detaching');
  }

  async rollDetaching(ctx: RequestContext, id: string): Promise<void> {
    await getVolume(this.db.kysely, ctx, id);
    await casVolume(this.db.kysely, id, ALLOWED_FROM.rollDetaching, { status: 'in-use' }, 'roll back detaching');
  }

  async initializeConnection(ctx: RequestContext, id: string, connector: Connector, attachmentId: string | null): Promise<ConnectionInfo> {
    checkConnector(connector);
    const v = await getVolume(this.db.kysely, ctx, id);
    const ok = ['available', 'attaching', 'reserved', 'in-use', 'detaching', 'uploading', 'downloading', 'maintenance'];
    if (!ok.includes(v.status)) throw new Conflict(`Cannot initialize a connection to volume ${id} in status ${v.status}.`);
    if (!v.multiattach) {
      // Another host's attachment holds the volume: refuse here, naming nobody (the hosts
      // of other attachments are not the caller's business).
      const mine = hostKey(connector);
      const other = (await this.liveAttachments(this.db.kysely, id, attachmentId ?? undefined))
        .find((a) => a.connector !== null && hostKey(JSON.parse(a.connector) as Connector) !== mine);
      if (other) throw new Conflict(`Volume ${id} is not multiattach and is attached to another host; detach it first.`);
    }
    const info = (await this.connectionTask(v, 'initialize_connection', { connector, attachmentId })) as ConnectionInfo;
    // As Cinder: a host connecting to a read-only volume is told to use it read-only.
    return (await this.isReadonly(this.db.kysely, id)) ? { ...info, data: { ...info.data, access_mode: 'ro' } } as ConnectionInfo : info;
  }

  async terminateConnection(ctx: RequestContext, id: string, connector: Connector | null, attachmentId: string | null): Promise<void> {
    if (connector !== null) checkConnector(connector);
    const v = await getVolume(this.db.kysely, ctx, id);
    await this.connectionTask(v, 'terminate_connection', { connector, attachmentId });
  }

  async attach(ctx: RequestContext, id: string, req: AttachRequest): Promise<AttachmentRow> {
    if (!req.instanceUuid && !req.hostName) throw new InvalidInput('os-attach needs instance_uuid or host_name.');
    if (req.instanceUuid && !isUuid(req.instanceUuid)) throw new InvalidInput(`instance_uuid '${req.instanceUuid}' is not a UUID.`);
    const mode = req.mode ?? 'rw';
    return inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, id);
      if (mode !== 'ro' && await this.isReadonly(tx, id)) {
        throw new InvalidInput(`Volume ${id} is read-only; attach it with mode 'ro' (asked for '${mode}').`);
      }
      const allowed = v.multiattach ? ['attaching', 'available', 'in-use', 'reserved'] : ['attaching', 'available', 'reserved'];
      const now = nowIso();
      await casVolume(tx, id, allowed, { status: 'in-use', attachStatus: 'attached' }, 'attach');
      const reserved = await tx.selectFrom('attachments').selectAll().where('volumeId', '=', id)
        .where('attachStatus', 'in', ['reserved', 'attaching']).orderBy('createdAt').executeTakeFirst();
      if (reserved) {
        return tx.updateTable('attachments').set({
          attachStatus: 'attached', instanceUuid: req.instanceUuid ?? reserved.instanceUuid, attachedHost: req.hostName ?? reserved.attachedHost,
          mountpoint: req.mountpoint, attachMode: mode, attachTime: now, updatedAt: now,
        }).where('id', '=', reserved.id).returningAll().executeTakeFirstOrThrow();
      }
      return tx.insertInto('attachments').values({
        id: newId(), volumeId: id, projectId: v.projectId, instanceUuid: req.instanceUuid ?? null, attachedHost: req.hostName ?? null,
        mountpoint: req.mountpoint, attachStatus: 'attached', attachMode: mode, connector: null, connectionInfo: null,
        attachTime: now, detachTime: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
    });
  }

  async detach(ctx: RequestContext, id: string, attachmentId: string | null): Promise<void> {
    const queue = await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, id);
      const live = await this.liveAttachments(tx, id);
      if (live.length === 0) throw new Conflict(`Volume ${id} is not attached.`);
      if (!attachmentId && live.length > 1) throw new InvalidInput(`Volume ${id} has ${live.length} attachments; name attachment_id.`);
      const target = attachmentId ? live.find((a) => a.id === attachmentId) : live[0];
      if (!target) throw new NotFound('Attachment', attachmentId ?? '');
      const now = nowIso();
      await tx.updateTable('attachments').set({ attachStatus: 'detached', detachTime: now, updatedAt: now }).where('id', '=', target.id).execute();
      const remaining = live.length - 1;
      await casVolume(tx, id, ['in-use', 'detaching', 'attaching', 'reserved', 'error_detaching'], remaining > 0
        ? { status: 'in-use' } : { status: 'available', attachStatus: 'detached' }, 'detach');
      if (remaining > 0 || !v.exported || !v.host) return null;
      // As Cinder's detach_volume: the last detach removes the export (os-terminate_connection
      // kept it while the attachment was live). Durable, in the same transaction.
      const q = volumeQueue(backendHostOf(v.host));
      await this.tasks.enqueue(tx, {
        kind: 'terminate_connection', queue: q, resourceType: 'volume', resourceId: id, maxAttempts: 3,
        payload: { connector: null, attachmentId: target.id, exportOnly: true } satisfies TaskPayloads['terminate_connection'],
      });
      return q;
    });
    if (queue) this.tasks.notify(queue);
  }

  async forceDetach(ctx: RequestContext, id: string, attachmentId: string | null, connector: Connector | null): Promise<void> {
    if (!ctx.isAdmin) throw new FlintError('os-force_detach is an admin action.', { safe: true });
    const v = await getVolume(this.db.kysely, ctx, id);
    await this.connectionTask(v, 'terminate_connection', { connector, attachmentId });
    await inTransaction(this.db, async (tx) => {
      await lockVolume(tx, null, id);
      const now = nowIso();
      let q = tx.updateTable('attachments').set({ attachStatus: 'detached', detachTime: now, updatedAt: now }).where('volumeId', '=', id);
      if (attachmentId) q = q.where('id', '=', attachmentId);
      await q.execute();
      const live = await this.liveAttachments(tx, id);
      await tx.updateTable('volumes').set(live.length > 0 ? { status: 'in-use', updatedAt: now } : { status: 'available', attachStatus: 'detached', updatedAt: now })
        .where('id', '=', id).execute();
    });
  }

  async createAttachment(ctx: RequestContext, req: CreateAttachmentRequest): Promise<AttachmentWithConnection> {
    if (req.instanceUuid && !isUuid(req.instanceUuid)) throw new InvalidInput(`instance_uuid '${req.instanceUuid}' is not a UUID.`);
    if (req.connector !== undefined && req.connector !== null) checkConnector(req.connector);
    const mode = req.mode ?? 'rw';
    const attachment = await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, req.volumeId);
      const live = await this.liveAttachments(tx, v.id);
      if (live.length > 0 && !v.multiattach) {
        throw new Conflict(`Volume ${v.id} is already attached and is not multiattach.`);
      }
      const allowed = v.multiattach ? ['available', 'in-use', 'reserved', 'attaching'] : ['available'];
      await casVolume(tx, v.id, allowed, { status: live.length > 0 ? v.status : 'reserved' }, 'attach');
      const now = nowIso();
      return tx.insertInto('attachments').values({
        id: newId(), volumeId: v.id, projectId: v.projectId, instanceUuid: req.instanceUuid ?? null,
        attachedHost: (req.connector?.host as string | undefined) ?? null, mountpoint: null, attachStatus: 'reserved', attachMode: mode,
        connector: req.connector ? JSON.stringify(req.connector) : null, connectionInfo: null, attachTime: null, detachTime: null,
        createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
    });
    if (!req.connector) return { attachment, connectionInfo: null };
    try {
      return await this.connect(ctx, attachment, req.connector);
    } catch (e) {
      // Nothing half-created: the reservation goes away with the failed connect.
      await this.dropAttachment(attachment);
      throw e;
    }
  }

  async updateAttachment(ctx: RequestContext, attachmentId: string, connector: Connector): Promise<AttachmentWithConnection> {
    checkConnector(connector);
    const a = await this.getAttachment(this.db.kysely, ctx, attachmentId);
    if (a.attachStatus !== 'reserved') throw new Conflict(`Attachment ${attachmentId} is ${a.attachStatus}; only a reserved attachment can be updated.`);
    return this.connect(ctx, a, connector);
  }

  private async connect(ctx: RequestContext, a: AttachmentRow, connector: Connector): Promise<AttachmentWithConnection> {
    const info = await this.initializeConnection(ctx, a.volumeId, connector, a.id);
    const infoWithMode = { ...info, data: { ...info.data, access_mode: a.attachMode } } as ConnectionInfo;
    const attachment = await inTransaction(this.db, async (tx) => {
      const now = nowIso();
      await lockVolume(tx, null, a.volumeId);
      await tx.updateTable('volumes').set({ status: 'attaching', updatedAt: now }).where('id', '=', a.volumeId)
        .where('status', 'in', ['reserved', 'available']).execute();
      const row = await tx.updateTable('attachments').set({
        attachStatus: 'attaching', connector: JSON.stringify(connector), connectionInfo: JSON.stringify(infoWithMode),
        attachedHost: (connector.host as string | undefined) ?? a.attachedHost, updatedAt: now,
      }).where('id', '=', a.id).returningAll().executeTakeFirst();
      if (!row) throw new NotFound('Attachment', a.id);
      return row;
    });
    return { attachment, connectionInfo: infoWithMode };
  }

  async completeAttachment(ctx: RequestContext, attachmentId: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const { volumeId } = await this.getAttachment(tx, ctx, attachmentId);
      await lockVolume(tx, null, volumeId);
      const a = await this.getAttachment(tx, ctx, attachmentId);
      if (a.attachStatus !== 'attaching' && a.attachStatus !== 'attached') {
        throw new Conflict(`Attachment ${attachmentId} is ${a.attachStatus}; it must have a connection (attaching) to complete.`);
      }
      const now = nowIso();
      await casVolume(tx, a.volumeId, ['reserved', 'attaching', 'in-use', 'available'], { status: 'in-use', attachStatus: 'attached' }, 'complete attaching');
      await tx.updateTable('attachments').set({ attachStatus: 'attached', attachTime: a.attachTime ?? now, updatedAt: now }).where('id', '=', a.id).execute();
    });
  }

  async deleteAttachment(ctx: RequestContext, attachmentId: string): Promise<void> {
    const a = await this.getAttachment(this.db.kysely, ctx, attachmentId);
    if (!a.connector) return this.dropAttachment(a);
    const v = await getVolume(this.db.kysely, null, a.volumeId);
    // The manager drops the row in the transaction that ends the task: a caller that dies
    // after the backend revoked the host's access must not leave the row saying "attached".
    await this.connectionTask(v, 'terminate_connection', { connector: JSON.parse(a.connector) as Connector, attachmentId: a.id, dropAttachment: true });
  }

  private async dropAttachment(a: AttachmentRow): Promise<void> {
    await inTransaction(this.db, (tx) => dropAttachmentRow(tx, a.id, a.volumeId));
  }
}
