// What the API layer may ask of the share service: every operation that changes a status
// and records durable work. Plain reads and metadata go through db/repos.
import type { ShareAccessRuleRow, ShareRow, ShareSnapshotRow } from '../db/schema.js';

/** Who is asking; built by the auth layer (the same shape as the block service's). */
export interface ShareRequestContext {
  projectId: string;
  userId: string;
  isAdmin: boolean;
  roles: string[];
  requestId: string;
}

export interface CreateShareRequest {
  size: number;
  shareProto: string;
  name?: string | null;
  description?: string | null;
  shareType?: string | null;
  availabilityZone?: string | null;
  metadata?: Record<string, string>;
  snapshotId?: string | null;
  isPublic?: boolean;
  shareNetworkId?: string | null;
}

export interface ManageShareRequest {
  /** `host@backend#pool` */
  serviceHost: string;
  exportPath: string;
  shareProto: string;
  shareType?: string | null;
  name?: string | null;
  description?: string | null;
  isPublic?: boolean;
  driverOptions?: Record<string, string>;
}

export interface AllowAccessRequest {
  accessType: string;
  accessTo: string;
  accessLevel?: string;
  metadata?: Record<string, string>;
}

export interface ShareOperations {
  createShare(ctx: ShareRequestContext, req: CreateShareRequest): Promise<ShareRow>;
  deleteShare(ctx: ShareRequestContext, id: string, opts?: { force?: boolean }): Promise<void>;
  extendShare(ctx: ShareRequestContext, id: string, newSize: number, force?: boolean): Promise<void>;
  shrinkShare(ctx: ShareRequestContext, id: string, newSize: number): Promise<void>;
  revertShare(ctx: ShareRequestContext, id: string, snapshotId: string): Promise<void>;
  resetShareStatus(ctx: ShareRequestContext, id: string, status: string): Promise<void>;
  manageShare(ctx: ShareRequestContext, req: ManageShareRequest): Promise<ShareRow>;
  unmanageShare(ctx: ShareRequestContext, id: string): Promise<void>;
  softDeleteShare(ctx: ShareRequestContext, id: string): Promise<void>;
  restoreShare(ctx: ShareRequestContext, id: string): Promise<void>;

  allowAccess(ctx: ShareRequestContext, shareId: string, req: AllowAccessRequest): Promise<ShareAccessRuleRow>;
  denyAccess(ctx: ShareRequestContext, shareId: string, ruleId: string): Promise<void>;

  createSnapshot(ctx: ShareRequestContext, req: { shareId: string; name?: string | null; description?: string | null; force?: boolean }): Promise<ShareSnapshotRow>;
  deleteSnapshot(ctx: ShareRequestContext, id: string, opts?: { force?: boolean }): Promise<void>;
  resetSnapshotStatus(ctx: ShareRequestContext, id: string, status: string): Promise<void>;
  manageSnapshot(ctx: ShareRequestContext, req: { shareId: string; providerLocation: string; name?: string | null; description?: string | null }): Promise<ShareSnapshotRow>;
  unmanageSnapshot(ctx: ShareRequestContext, id: string): Promise<void>;
}
