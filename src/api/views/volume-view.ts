// How Cinder renders a volume: the summary (id, name, links) and the detail view,
// with the fields each microversion adds.
import type { FastifyRequest } from 'fastify';
import type { AttachmentRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { selfLinks, ts } from '../http.js';
import type { VolumeRecord } from '../../db/repos/volumes.js';

export function volumeSummary(req: FastifyRequest, v: VolumeRecord) {
  return { id: v.id, name: v.displayName, links: selfLinks(req, v.projectId, 'volumes', v.id) };
}

export function attachmentSummary(a: AttachmentRow) {
  return {
    id: a.volumeId,
    attachment_id: a.id,
    volume_id: a.volumeId,
    server_id: a.instanceUuid,
    host_name: a.attachedHost,
    device: a.mountpoint,
    attached_at: ts(a.attachTime),
  };
}

export function volumeDetail(
  req: FastifyRequest,
  v: VolumeRecord,
  metadata: Record<string, string>,
  attachments: AttachmentRow[],
  imageMetadata: Record<string, string> = {},
): Record<string, unknown> {
  const ver = req.apiVersion;
  const admin = req.ctx.isAdmin;
  const out: Record<string, unknown> = {
    id: v.id,
    name: v.displayName,
    description: v.displayDescription,
    size: v.size,
    status: v.status,
    availability_zone: v.availabilityZone,
    created_at: ts(v.createdAt),
    updated_at: ts(v.updatedAt),
    attachments: attachments.map(attachmentSummary),
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    multiattach: v.multiattach === 1,
    volume_type: v.volumeTypeName,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    metadata,
    user_id: v.userId,
    'os-vol-tenant-attr:tenant_id': v.projectId,
    migration_status: v.migrationStatus,
    replication_status: v.replicationStatus,
    consistencygroup_id: null,
    links: selfLinks(req, v.projectId, 'volumes', v.id),
  };
  if (admin) {
    out['os-vol-host-attr:host'] = v.host;
    out['os-vol-mig-status-attr:migstat'] = v.migrationStatus;
    out['os-vol-mig-status-attr:name_id'] = null;
  }
  // Cinder's os-vol-image-meta extension: only on a volume that carries image properties.
  if (Object.keys(imageMetadata).length > 0) out.volume_image_metadata = imageMetadata;
  if (atLeast(ver, '3.13')) out.group_id = v.groupId;
  if (atLeast(ver, '3.21') && admin) out.provider_id = v.providerId;
  if (atLeast(ver, '3.48')) {
    out.service_uuid = null;
    out.shared_targets = false;
  }
  if (atLeast(ver, '3.61') && admin) out.cluster_name = null;
  if (atLeast(ver, '3.63')) out.volume_type_id = v.volumeTypeId;
  if (atLeast(ver, '3.64')) out.encryption_key_id = null;
  if (atLeast(ver, '3.65')) out.consumes_quota = true;
  return out;
}
