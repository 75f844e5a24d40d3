// How Cinder renders group types, groups and group snapshots, with the fields each
// microversion adds (3.14 sources, 3.25 volumes, 3.38 replication status, 3.58 project id).
import type { FastifyRequest } from 'fastify';
import type { GroupRow, GroupSnapshotRow, GroupTypeRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { ts } from '../http.js';

export function groupTypeView(req: FastifyRequest, t: GroupTypeRow, specs: Record<string, string>) {
  const out: Record<string, unknown> = { id: t.id, name: t.name, description: t.description, is_public: t.isPublic === 1 };
  // Group specs describe backends: Cinder shows them to admins only.
  if (req.ctx.isAdmin) out.group_specs = specs;
  return out;
}

export function groupSummary(g: GroupRow) {
  return { id: g.id, name: g.name };
}

/** `volumeIds` is given when the request asked for them (list_volume, 3.25). */
export function groupDetail(req: FastifyRequest, g: GroupRow, volumeTypeIds: string[], volumeIds: string[] | null) {
  const v = req.apiVersion;
  const out: Record<string, unknown> = {
    id: g.id,
    status: g.status,
    availability_zone: g.availabilityZone,
    created_at: ts(g.createdAt),
    name: g.name,
    description: g.description,
    group_type: g.groupTypeId,
    volume_types: volumeTypeIds,
  };
  if (atLeast(v, '3.14')) {
    out.group_snapshot_id = g.groupSnapshotId;
    out.source_group_id = g.sourceGroupId;
  }
  if (atLeast(v, '3.25') && volumeIds) out.volumes = volumeIds;
  if (atLeast(v, '3.38')) out.replication_status = g.replicationStatus;
  if (atLeast(v, '3.58')) out.project_id = g.projectId;
  return out;
}

export function groupSnapshotSummary(gs: GroupSnapshotRow) {
  return { id: gs.id, name: gs.name };
}

export function groupSnapshotDetail(req: FastifyRequest, gs: GroupSnapshotRow) {
  const out: Record<string, unknown> = {
    id: gs.id,
    group_id: gs.groupId,
    status: gs.status,
    created_at: ts(gs.createdAt),
    name: gs.name,
    description: gs.description,
    group_type_id: gs.groupTypeId,
  };
  if (atLeast(req.apiVersion, '3.58')) out.project_id = gs.projectId;
  return out;
}

/** The legacy consistency group view (a group of Cinder's default_cgsnapshot_type). */
export function consistencyGroupDetail(g: GroupRow, volumeTypeIds: string[]) {
  return {
    id: g.id,
    status: g.status,
    availability_zone: g.availabilityZone,
    created_at: ts(g.createdAt),
    name: g.name,
    description: g.description,
    volume_types: volumeTypeIds,
  };
}

export function cgsnapshotDetail(gs: GroupSnapshotRow) {
  return {
    id: gs.id,
    consistencygroup_id: gs.groupId,
    status: gs.status,
    created_at: ts(gs.createdAt),
    name: gs.name,
    description: gs.description,
  };
}
