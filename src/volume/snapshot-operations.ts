// Status-changing operations on snapshots, as the API asks them.
import type { SnapshotRow } from '../db/schema.js';
import type { RequestContext } from './operations.js';

export interface CreateSnapshotRequest {
  volumeId: string;
  name?: string | null;
  description?: string | null;
  force?: boolean;
  metadata?: Record<string, string>;
}

export interface ManageSnapshotRequest {
  volumeId: string;
  /** Names the backend snapshot (e.g. `source-name`). */
  ref: Record<string, string>;
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
}

export interface SnapshotOperations {
  createSnapshot(ctx: RequestContext, req: CreateSnapshotRequest): Promise<SnapshotRow>;
  deleteSnapshot(ctx: RequestContext, id: string, opts?: { force?: boolean }): Promise<void>;
  resetSnapshotStatus(ctx: RequestContext, id: string, status: string): Promise<void>;
  /** os-update_snapshot_status: creating → creating/available/error, deleting → deleting/error_deleting; progress optional. */
  /** os-snapshot-manage (admin): a snapshot row for a backend snapshot of the volume, adopted by its manager. */
  manageSnapshot(ctx: RequestContext, req: ManageSnapshotRequest): Promise<SnapshotRow>;
  /** os-unmanage (admin): forget the snapshot, leaving it on the backend. */
  unmanageSnapshot(ctx: RequestContext, id: string): Promise<void>;
  updateSnapshotStatus(ctx: RequestContext, id: string, status: string, progress: string | null): Promise<void>;
}
