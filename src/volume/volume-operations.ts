// Status-changing operations on volumes themselves, as the API asks them.
import type { VolumeRow } from '../db/schema.js';
import type { VolumeRecord } from '../db/repos/volumes.js';
import type { Explanation } from '../scheduler/scheduler.js';
import type { RequestContext } from './operations.js';

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
  /** A generic volume group (3.13) the volume is created in, on the group's backend. */
  groupId?: string | null;
  /** Flint extension: the name of a qcow2/raw file in Flint's image directory to copy onto the new volume. */
  imagePath?: string | null;
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

export interface VolumeOperations {
  /** The volume as inserted, with its type's name (enough to render the answer without a read). */
  createVolume(ctx: RequestContext, req: CreateVolumeRequest): Promise<VolumeRecord>;
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

  /** os-retype: in place, or (policy on-demand) by migration when the new type names another backend. */
  retypeVolume(ctx: RequestContext, id: string, newType: string, policy: 'never' | 'on-demand'): Promise<void>;
  /** os-migrate_volume (admin). */
  migrateVolume(ctx: RequestContext, id: string, host: string): Promise<void>;
  /** os-migrate_volume_completion (admin): refused unless the new volume is the migration's target. */
  migrateVolumeCompletion(ctx: RequestContext, id: string, newVolumeId: string): Promise<never>;
  /** 3.68 os-reimage: an image (name or id in Flint's image store) written over the volume. */
  reimageVolume(ctx: RequestContext, id: string, imageRef: string, reimageReserved: boolean): Promise<void>;

  /** What placement would decide for such a volume, creating nothing. */
  explainPlacement(ctx: RequestContext, req: { size: number; volumeType?: string | null; availabilityZone?: string | null }): Promise<Explanation>;
}
