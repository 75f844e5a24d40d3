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

export interface SnapshotOperations {
  createSnapshot(ctx: RequestContext, req: CreateSnapshotRequest): Promise<SnapshotRow>;
  deleteSnapshot(ctx: RequestContext, id: string, opts?: { force?: boolean }): Promise<void>;
  resetSnapshotStatus(ctx: RequestContext, id: string, status: string): Promise<void>;
  /** os-update_snapshot_status: creating → creating/available/error, deleting → deleting/error_deleting; progress optional. */
  updateSnapshotStatus(ctx: RequestContext, id: string, status: string, progress: string | null): Promise<void>;
}
