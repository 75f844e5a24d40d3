// How Cinder renders a snapshot. The summary (list without detail) has the base fields only;
// the detail view (create, show, update, list-detail) adds the fields of 3.14, 3.41 and 3.65;
// show and list-detail also add the `os-extended-snapshot-attributes` (progress, project)
// for readers of the snapshot's project. Cinder's snapshot views carry no links.
import type { FastifyRequest } from 'fastify';
import type { SnapshotRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { ts } from '../http.js';

export function snapshotSummary(s: SnapshotRow, metadata: Record<string, string>): Record<string, unknown> {
  return {
    id: s.id,
    created_at: ts(s.createdAt),
    updated_at: ts(s.updatedAt),
    name: s.displayName,
    description: s.displayDescription,
    volume_id: s.volumeId,
    status: s.status,
    size: s.volumeSize,
    metadata,
  };
}

export interface SnapshotDetailOptions {
  /** Show and list-detail: add the extended attributes the caller may see. */
  extended?: boolean;
}

export function snapshotDetail(req: FastifyRequest, s: SnapshotRow, metadata: Record<string, string>, opts: SnapshotDetailOptions = {}) {
  const out = snapshotSummary(s, metadata);
  if (atLeast(req.apiVersion, '3.14')) out.group_snapshot_id = s.groupSnapshotId ?? null;
  if (atLeast(req.apiVersion, '3.41')) out.user_id = s.userId;
  if (atLeast(req.apiVersion, '3.65')) out.consumes_quota = true;
  if (opts.extended && (req.ctx.isAdmin || req.ctx.projectId === s.projectId)) {
    out['os-extended-snapshot-attributes:progress'] = s.progress;
    out['os-extended-snapshot-attributes:project_id'] = s.projectId;
  }
  return out;
}
