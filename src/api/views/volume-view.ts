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
import { baseUrl, ts } from '../http.js';
import type { VolumeRecord } from '../../db/repos/volumes.js';

/** The summary view (id, name, links) of a page of volumes. */
export function volumeSummaries(req: FastifyRequest, rows: VolumeRecord[]) {
  const base = baseUrl(req);
  return rows.map((v) => ({ id: v.id, name: v.displayName, links: volumeLinks(base, v) }));
}

function volumeLinks(base: string, v: VolumeRecord) {
  return [
    { href: `${base}/v3/${v.projectId}/volumes/${v.id}`, rel: 'self' },
    { href: `${base}/${v.projectId}/volumes/${v.id}`, rel: 'bookmark' },
  ];
}

/** Internal statuses of the manage flow, shown as the statuses clients know (Cinder bug 1504007). */
const SHOWN_STATUS: Record<string, string> = { managing: 'creating', error_managing: 'error', error_managing_deleting: 'deleting' };

/**
 * One attachment in a volume's `attachments`. The attached host is shown to admins and
 * service users only (Glance, backed by Cinder, needs it to detach multiattach volumes).
 */
export function attachmentSummary(req: FastifyRequest, a: AttachmentRow) {
  return attachmentEntry(a, req.ctx.isAdmin || req.ctx.roles.includes('service'));
}

function attachmentEntry(a: AttachmentRow, showsHostName: boolean) {
  return {
    id: a.volumeId,
    attachment_id: a.id,
    volume_id: a.volumeId,
    server_id: a.instanceUuid,
    host_name: showsHostName ? a.attachedHost : null,
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
  return volumeDetailView(req, opts.extended ?? false)(v, metadata, attachments, opts.imageMetadata);
}

/**
 * The detail view for every volume of one answer: what depends only on the request (caller,
 * microversion, base URL) is worked out once, not once per volume of a page.
 */
export function volumeDetailView(req: FastifyRequest, extended: boolean) {
  const ver = req.apiVersion;
  const admin = req.ctx.isAdmin;
  const projectId = req.ctx.projectId;
  const base = baseUrl(req);
  const showsHostName = admin || req.ctx.roles.includes('service');
  const v313 = atLeast(ver, '3.13');
  const v321 = atLeast(ver, '3.21') && admin;
  const v348 = atLeast(ver, '3.48');
  const v361 = atLeast(ver, '3.61') && admin;
  const v363 = atLeast(ver, '3.63');
  const v365 = atLeast(ver, '3.65');
  return (v: VolumeRecord, metadata: Record<string, string>, attachments: AttachmentRow[], imageMetadata?: Record<string, string>): Record<string, unknown> => {
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
      links: volumeLinks(base, v),
      user_id: v.userId,
      bootable: v.bootable ? 'true' : 'false',
      // Flint keeps no encryption keys yet: no volume is encrypted.
      encrypted: false,
      replication_status: v.replicationStatus,
      consistencygroup_id: null,
      multiattach: v.multiattach === 1,
      // Only attachments that completed; reserved or attaching ones are not shown.
      attachments: attachments.length === 0 ? [] : attachments.filter((a) => a.attachStatus === 'attached').map((a) => attachmentEntry(a, showsHostName)),
    };
    if (admin) out.migration_status = v.migrationStatus;
    if (extended) {
      if (admin || projectId === v.projectId) out['os-vol-tenant-attr:tenant_id'] = v.projectId;
      if (admin) {
        out['os-vol-host-attr:host'] = v.host;
        out['os-vol-mig-status-attr:migstat'] = v.migrationStatus;
        // Flint never renames a volume's backing object on migration: the name id is its own.
        out['os-vol-mig-status-attr:name_id'] = null;
      }
    }
    // Cinder's os-vol-image-meta extension: only on a volume that carries image properties.
    if (imageMetadata && Object.keys(imageMetadata).length > 0) out.volume_image_metadata = imageMetadata;
    if (v313) out.group_id = v.groupId;
    if (v321) out.provider_id = v.providerId;
    if (v348) {
      out.shared_targets = false;
      out.service_uuid = null;
    }
    if (v361) out.cluster_name = null;
    if (v363) out.volume_type_id = v.volumeTypeId;
    // 3.64 adds encryption_key_id only for volumes that have one (none in Flint yet).
    if (v365) out.consumes_quota = true;
    return out;
  };
}
