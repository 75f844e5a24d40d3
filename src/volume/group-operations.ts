// Status-changing operations on generic volume groups and group snapshots, as the API asks them.
import type { GroupRow, GroupSnapshotRow } from '../db/schema.js';
import type { RequestContext } from './operations.js';

export interface CreateGroupRequest {
  name?: string | null;
  description?: string | null;
  /** Name or id. */
  groupType: string;
  /** Names or ids; at least one. */
  volumeTypes: string[];
  availabilityZone?: string | null;
}

export interface CreateGroupFromSourceRequest {
  name?: string | null;
  description?: string | null;
  groupSnapshotId?: string | null;
  sourceGroupId?: string | null;
}

export interface UpdateGroupRequest {
  name?: string | null;
  description?: string | null;
  addVolumes: string[];
  removeVolumes: string[];
}

export interface CreateGroupSnapshotRequest {
  groupId: string;
  name?: string | null;
  description?: string | null;
}

export interface GroupOperations {
  createGroup(ctx: RequestContext, req: CreateGroupRequest): Promise<GroupRow>;
  createGroupFromSource(ctx: RequestContext, req: CreateGroupFromSourceRequest): Promise<GroupRow>;
  updateGroup(ctx: RequestContext, id: string, req: UpdateGroupRequest): Promise<void>;
  deleteGroup(ctx: RequestContext, id: string, deleteVolumes: boolean): Promise<void>;
  resetGroupStatus(ctx: RequestContext, id: string, status: string): Promise<void>;
  enableGroupReplication(ctx: RequestContext, id: string): Promise<void>;
  disableGroupReplication(ctx: RequestContext, id: string): Promise<void>;
  failoverGroupReplication(ctx: RequestContext, id: string, opts: { allowAttachedVolume: boolean; secondaryBackendId: string | null }): Promise<void>;
  listGroupReplicationTargets(ctx: RequestContext, id: string): Promise<Array<Record<string, string>>>;

  createGroupSnapshot(ctx: RequestContext, req: CreateGroupSnapshotRequest): Promise<GroupSnapshotRow>;
  deleteGroupSnapshot(ctx: RequestContext, id: string): Promise<void>;
  resetGroupSnapshotStatus(ctx: RequestContext, id: string, status: string): Promise<void>;
}
