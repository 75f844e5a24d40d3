// How Cinder renders a backup: the summary (id, name, links) and the detail, with the fields
// later microversions added.
import type { FastifyRequest } from 'fastify';
import type { BackupRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { selfLinks, ts } from '../http.js';

export function backupSummary(req: FastifyRequest, b: BackupRow) {
  return { id: b.id, name: b.displayName, links: selfLinks(req, b.projectId, 'backups', b.id) };
}

export function backupDetail(req: FastifyRequest, b: BackupRow, metadata: Record<string, string>) {
  const out: Record<string, unknown> = {
    id: b.id,
    name: b.displayName,
    description: b.displayDescription,
    status: b.status,
    size: b.size,
    object_count: b.objectCount,
    availability_zone: b.availabilityZone,
    container: b.container,
    created_at: ts(b.createdAt),
    updated_at: ts(b.updatedAt),
    fail_reason: b.failReason,
    volume_id: b.volumeId,
    links: selfLinks(req, b.projectId, 'backups', b.id),
    is_incremental: b.isIncremental === 1,
    has_dependent_backups: b.numDependentBackups > 0,
    snapshot_id: b.snapshotId,
    data_timestamp: ts(b.dataTimestamp),
  };
  if (atLeast(req.apiVersion, '3.18')) out['os-backup-project-attr:project_id'] = b.projectId;
  if (atLeast(req.apiVersion, '3.43')) out.metadata = metadata;
  if (atLeast(req.apiVersion, '3.56')) out.user_id = b.userId;
  if (atLeast(req.apiVersion, '3.64')) out.encryption_key_id = null;
  return out;
}
