// What the API layer may ask of the block storage service: every operation that changes
// a status and records durable work. Plain reads and metadata go through repositories.
import type { AttachmentRow, SnapshotRow, VolumeRow } from '../db/schema.js';
import type { Connector, ConnectionInfo } from '../drivers/interface/objects.js';
import type { Explanation } from '../scheduler/scheduler.js';

/** Who is asking; built by the auth layer. */
export interface RequestContext {
  projectId: string;
  userId: string;
  isAdmin: boolean;
  roles: string[];
  requestId: string;
}

export interface CreateVolumeRequest {
  size?: number;
  name?: string | null;
  description?: string | null;
  /** Name or id. */
  volumeType?: string | null;
  availabilityZone?: string | null;
  snapshotId?: string | null;
  sourceVolid?: string | null;
  metadata?: Record<string, string>;
  multiattach?: boolean;
  bootable?: boolean;
  schedulerHints?: { sameHost?: string[]; differentHost?: string[] };
  /** Flint extension: the name of a qcow2/raw file in Flint's image directory to copy onto the new volume. */
  imagePath?: string | null;
}

export interface CreateSnapshotRequest {
  volumeId: string;
  name?: string | null;
  description?: string | null;
  force?: boolean;
  metadata?: Record<string, string>;
}

export interface ManageVolumeRequest {
  /** `host@backend#pool` or `host@backend`. */
  host: string;
  ref: Record<string, string>;
  name?: string | null;
  description?: string | null;
  volumeType?: string | null;
  availabilityZone?: string | null;
  metadata?: Record<string, string>;
  bootable?: boolean;
}

export interface ResetStatusRequest {
  status?: string;
  attachStatus?: string;
  migrationStatus?: string;
}

export interface AttachRequest {
  instanceUuid?: string | null;
  hostName?: string | null;
  mountpoint: string;
  mode?: 'rw' | 'ro';
}

export interface CreateAttachmentRequest {
  volumeId: string;
  instanceUuid?: string | null;
  connector?: Connector | null;
  mode?: 'rw' | 'ro';
}

export interface AttachmentWithConnection {
  attachment: AttachmentRow;
  connectionInfo: ConnectionInfo | null;
}

export interface VolumeOperations {
  createVolume(ctx: RequestContext, req: CreateVolumeRequest): Promise<VolumeRow>;
  deleteVolume(ctx: RequestContext, id: string, opts?: { cascade?: boolean; force?: boolean }): Promise<void>;
  extendVolume(ctx: RequestContext, id: string, newSize: number): Promise<void>;
  revertToSnapshot(ctx: RequestContext, volumeId: string, snapshotId: string): Promise<void>;
  resetVolumeStatus(ctx: RequestContext, id: string, req: ResetStatusRequest): Promise<void>;
  manageVolume(ctx: RequestContext, req: ManageVolumeRequest): Promise<VolumeRow>;
  unmanageVolume(ctx: RequestContext, id: string): Promise<void>;
  setBootable(ctx: RequestContext, id: string, bootable: boolean): Promise<void>;
  setReadonly(ctx: RequestContext, id: string, readonly: boolean): Promise<void>;
  /** Copy the volume to a new image file named `imageName` in Flint's image directory. */
  uploadToImage(ctx: RequestContext, id: string, imageName: string, diskFormat: string): Promise<void>;

  createSnapshot(ctx: RequestContext, req: CreateSnapshotRequest): Promise<SnapshotRow>;
  deleteSnapshot(ctx: RequestContext, id: string, opts?: { force?: boolean }): Promise<void>;
  resetSnapshotStatus(ctx: RequestContext, id: string, status: string): Promise<void>;

  // Legacy attach actions (os-reserve, os-initialize_connection, os-attach, …).
  reserve(ctx: RequestContext, id: string): Promise<void>;
  unreserve(ctx: RequestContext, id: string): Promise<void>;
  beginDetaching(ctx: RequestContext, id: string): Promise<void>;
  rollDetaching(ctx: RequestContext, id: string): Promise<void>;
  initializeConnection(ctx: RequestContext, id: string, connector: Connector): Promise<ConnectionInfo>;
  terminateConnection(ctx: RequestContext, id: string, connector: Connector): Promise<void>;
  attach(ctx: RequestContext, id: string, req: AttachRequest): Promise<AttachmentRow>;
  detach(ctx: RequestContext, id: string, attachmentId?: string | null): Promise<void>;
  forceDetach(ctx: RequestContext, id: string, attachmentId?: string | null, connector?: Connector | null): Promise<void>;

  // Attachments API (3.27+).
  createAttachment(ctx: RequestContext, req: CreateAttachmentRequest): Promise<AttachmentWithConnection>;
  updateAttachment(ctx: RequestContext, attachmentId: string, connector: Connector): Promise<AttachmentWithConnection>;
  completeAttachment(ctx: RequestContext, attachmentId: string): Promise<void>;
  deleteAttachment(ctx: RequestContext, attachmentId: string): Promise<void>;

  /** What placement would decide for such a volume, creating nothing. */
  explainPlacement(ctx: RequestContext, req: { size: number; volumeType?: string | null; availabilityZone?: string | null }): Promise<Explanation>;
}
