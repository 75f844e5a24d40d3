// How Manila renders shares, export locations, access rules, snapshots and share types, field
// by field as each microversion adds or removes them.
import type { FastifyRequest } from 'fastify';
import type {
  ShareAccessRuleRow, ShareExportLocationRow, ShareRow, ShareSnapshotRow, ShareTypeRow,
} from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { baseUrl, ts } from '../http.js';
import { specIsTrue } from '../../db/repos/share-types.js';

export function shareLinks(req: FastifyRequest, projectId: string, collection: string, id: string) {
  const base = baseUrl(req);
  return [
    { href: `${base}/v2/${projectId}/${collection}/${id}`, rel: 'self' },
    { href: `${base}/${projectId}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

const v = (req: FastifyRequest, min: string) => atLeast(req.apiVersion, min);

export function shareSummary(req: FastifyRequest, s: ShareRow) {
  return { id: s.id, name: s.displayName, links: shareLinks(req, s.projectId, 'shares', s.id) };
}

export interface ShareExtras {
  metadata: Record<string, string>;
  type: ShareTypeRow | null;
  specs: Record<string, string>;
  exports: ShareExportLocationRow[];
}

export function shareDetail(req: FastifyRequest, s: ShareRow, x: ShareExtras) {
  const out: Record<string, unknown> = {
    id: s.id,
    size: s.size,
    availability_zone: s.availabilityZone,
    created_at: ts(s.createdAt),
    status: s.status,
    name: s.displayName,
    description: s.displayDescription,
    project_id: s.projectId,
    snapshot_id: s.snapshotId,
    share_network_id: s.shareNetworkId,
    share_proto: s.shareProto,
    metadata: x.metadata,
    share_type: v(req, '2.6') ? s.shareTypeId : (x.type?.name ?? null),
    volume_type: x.type?.name ?? null,
    links: shareLinks(req, s.projectId, 'shares', s.id),
    is_public: s.isPublic === 1,
  };
  if (req.ctx.isAdmin) {
    out.host = s.host;
    out.share_server_id = s.shareServerId;
  }
  if (!v(req, '2.9')) {
    const paths = x.exports.map((e) => e.path);
    out.export_location = paths[0] ?? null;
    out.export_locations = paths;
  }
  if (v(req, '2.2')) out.snapshot_support = specIsTrue(x.specs.snapshot_support);
  if (v(req, '2.4') && !v(req, '2.31')) {
    out.consistency_group_id = null;
    out.source_cgsnapshot_member_id = null;
  }
  if (v(req, '2.5')) out.task_state = s.taskState;
  if (v(req, '2.6')) out.share_type_name = x.type?.name ?? null;
  if (v(req, '2.10')) out.access_rules_status = s.accessRulesStatus;
  if (v(req, '2.11')) {
    out.replication_type = null;
    out.has_replicas = false;
  }
  if (v(req, '2.16')) out.user_id = s.userId;
  if (v(req, '2.24')) out.create_share_from_snapshot_support = specIsTrue(x.specs.create_share_from_snapshot_support);
  if (v(req, '2.27')) out.revert_to_snapshot_support = specIsTrue(x.specs.revert_to_snapshot_support);
  if (v(req, '2.31')) {
    out.share_group_id = null;
    out.source_share_group_snapshot_member_id = null;
  }
  if (v(req, '2.32')) out.mount_snapshot_support = specIsTrue(x.specs.mount_snapshot_support);
  if (v(req, '2.54')) out.progress = s.status === 'available' ? '100%' : s.status === 'creating' ? '0%' : null;
  if (v(req, '2.69')) {
    out.is_soft_deleted = s.isSoftDeleted === 1;
    out.scheduled_to_be_deleted_at = ts(s.scheduledToBeDeletedAt);
  }
  return out;
}

export function exportLocationView(req: FastifyRequest, s: ShareRow, e: ShareExportLocationRow, detail: boolean) {
  const out: Record<string, unknown> = { id: e.id, path: e.path };
  if (v(req, '2.14')) out.preferred = e.preferred === 1;
  if (req.ctx.isAdmin) {
    out.share_instance_id = s.instanceId;
    out.is_admin_only = e.isAdminOnly === 1;
  }
  if (detail) {
    out.created_at = ts(e.createdAt);
    out.updated_at = ts(e.updatedAt);
  }
  if (v(req, '2.87')) out.metadata = JSON.parse(e.metadata) as Record<string, string>;
  return out;
}

export function accessRuleView(req: FastifyRequest, r: ShareAccessRuleRow, metadata: Record<string, string> | null, withShare: boolean) {
  const out: Record<string, unknown> = {
    id: r.id,
    access_type: r.accessType,
    access_to: r.accessTo,
    access_level: r.accessLevel,
    state: r.state,
  };
  if (withShare) out.share_id = r.shareId;
  if (v(req, '2.21')) out.access_key = r.accessKey;
  if (v(req, '2.33')) {
    out.created_at = ts(r.createdAt);
    out.updated_at = ts(r.updatedAt);
  }
  if (v(req, '2.45') && metadata) out.metadata = metadata;
  return out;
}

export function shareSnapshotView(req: FastifyRequest, s: ShareSnapshotRow, detail: boolean, metadata: Record<string, string> = {}) {
  const out: Record<string, unknown> = { id: s.id, name: s.displayName, links: shareLinks(req, s.projectId, 'snapshots', s.id) };
  if (!detail) return out;
  Object.assign(out, {
    share_id: s.shareId,
    share_size: s.shareSize,
    created_at: ts(s.createdAt),
    status: s.status,
    description: s.displayDescription,
    size: s.size,
    share_proto: s.shareProto,
  });
  if (v(req, '2.12') && req.ctx.isAdmin) out.provider_location = s.providerLocation;
  if (v(req, '2.17')) {
    out.user_id = s.userId;
    out.project_id = s.projectId;
  }
  if (v(req, '2.73')) out.metadata = metadata;
  return out;
}

/** Extra specs every user may see (Manila hides the others from non-admins). */
const USER_VISIBLE_SPECS = new Set([
  'driver_handles_share_servers', 'snapshot_support', 'create_share_from_snapshot_support', 'revert_to_snapshot_support',
  'mount_snapshot_support', 'availability_zones', 'replication_type', 'mount_point_name_support',
]);

export function shareTypeView(req: FastifyRequest, t: ShareTypeRow, specs: Record<string, string>, defaultTypeId: string | null) {
  const visible = req.ctx.isAdmin ? specs : Object.fromEntries(Object.entries(specs).filter(([k]) => USER_VISIBLE_SPECS.has(k)));
  const required: Record<string, string> = {};
  if (specs.driver_handles_share_servers !== undefined) required.driver_handles_share_servers = specs.driver_handles_share_servers;
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    extra_specs: visible,
    required_extra_specs: required,
  };
  if (v(req, '2.7')) out['share_type_access:is_public'] = t.isPublic === 1;
  else out['os-share-type-access:is_public'] = t.isPublic === 1;
  if (v(req, '2.41')) out.description = t.description;
  if (v(req, '2.46')) out.is_default = t.id === defaultTypeId;
  return out;
}
