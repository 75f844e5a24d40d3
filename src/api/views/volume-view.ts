// How Cinder renders a volume: the summary (id, name, links) and the detail view, with the
// fields each microversion adds and the attributes each caller may see.
//
// Two detail shapes, as in Cinder: create, update and manage answer the plain detail view;
// show and list-detail add the `os-vol-*` extension attributes (tenant for readers of the
// volume's project, host and migration attributes for admins). Tempest's schemas hold
// Flint to that: `create_volume` forbids the extension attributes, `show_volume` allows them.
import type { FastifyRequest } from 'fastify';
import type { AttachmentRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { selfLinks, ts } from '../http.js';
import type { VolumeRecord } from '../../db/repos/volumes.js';

export function volumeSummary(req: FastifyRequest, v: VolumeRecord) {
  return { id: v.id, name: v.displayName, links: selfLinks(req, v.projectId, 'volumes', v.id) };
}

/** Internal statuses of the manage flow, shown as the statuses clients know (Cinder bug 1504007). */
const SHOWN_STATUS: Record<string, string> = { managing: 'creating', error_managing: 'error', error_managing_deleting: 'deleting' };

/**
 * One attachment in a volume's `attachments`. The attached host is shown to admins and
 * service users only (Glance, backed by Cinder, needs it to detach multiattach volumes).
 */
export function attachmentSummary(req: FastifyRequest, a: AttachmentRow) {
  return {
    id: a.volumeId,
    attachment_id: a.id,
    volume_id: a.volumeId,
    server_id: a.instanceUuid,
    host_name: req.ctx.isAdmin || req.ctx.roles.includes('service') ? a.attachedHost : null,
    device: a.mountpoint,
    attached_at: ts(a.attachTime),
  };
}

export interface VolumeDetailOptions {
  /** Show and list-detail: add the `os-vol-*` attributes the caller may see. */
  extended?: boolean;
  /** The volume's image properties (os-vol-image-meta): shown, on show and list-detail, only when there are some. */
  imageMetadata?: Record<string, string>;
}

export function volumeDetail(
  req: FastifyRequest,
  v: VolumeRecord,
  metadata: Record<string, string>,
  attachments: AttachmentRow[],
  opts: VolumeDetailOptions = {},
): Record<string, unknown> {
  const ver = req.apiVersion;
  const admin = req.ctx.isAdmin;
  const out: Record<string, unknown> = {
    id: v.id,
    status: SHOWN_STATUS[v.status] ?? v.status,
    size: v.size,
    availability_zone: v.availabilityZone,
    created_at: ts(v.createdAt),
    updated_at: ts(v.updatedAt),
    name: v.displayName,
    description: v.displayDescription,
    volume_type: v.volumeTypeName,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    metadata,
    links: selfLinks(req, v.projectId, 'volumes', v.id),
    user_id: v.userId,
    bootable: v.bootable ? 'true' : 'false',
    // Flint keeps no encryption keys yet: no volume is encrypted.
    encrypted: false,
    replication_status: v.replicationStatus,
    consistencygroup_id: null,
    multiattach: v.multiattach === 1,
    // Only attachments that completed; reserved or attaching ones are not shown.
    attachments: attachments.filter((a) => a.attachStatus === 'attached').map((a) => attachmentSummary(req, a)),
  };
  if (admin) out.migration_status = v.migrationStatus;
  if (opts.extended) {
    if (admin || req.ctx.projectId === v.projectId) out['os-vol-tenant-attr:tenant_id'] = v.projectId;
    if (admin) {
      out['os-vol-host-attr:host'] = v.host;
      out['os-vol-mig-status-attr:migstat'] = v.migrationStatus;
      // Flint never renames a volume's backing object on migration: the name id is its own.
      out['os-vol-mig-status-attr:name_id'] = null;
    }
  }
  // Cinder's os-vol-image-meta extension: only on a volume that carries image properties.
  if (opts.imageMetadata && Object.keys(opts.imageMetadata).length > 0) out.volume_image_metadata = opts.imageMetadata;
  if (atLeast(ver, '3.13')) out.group_id = v.groupId;
  if (atLeast(ver, '3.21') && admin) out.provider_id = v.providerId;
  if (atLeast(ver, '3.48')) {
    out.shared_targets = false;
    out.service_uuid = null;
  }
  if (atLeast(ver, '3.61') && admin) out.cluster_name = null;
  if (atLeast(ver, '3.63')) out.volume_type_id = v.volumeTypeId;
  // 3.64 adds encryption_key_id only for volumes that have one (none in Flint yet).
  if (atLeast(ver, '3.65')) out.consumes_quota = true;
  return out;
}
