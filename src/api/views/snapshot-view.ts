// How Cinder renders a snapshot (detail view, with the extended attributes).
import type { FastifyRequest } from 'fastify';
import type { SnapshotRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { selfLinks, ts } from '../http.js';

export function snapshotSummary(req: FastifyRequest, s: SnapshotRow, metadata: Record<string, string>) {
  const out: Record<string, unknown> = {
    id: s.id,
    name: s.displayName,
    description: s.displayDescription,
    status: s.status,
    size: s.volumeSize,
    volume_id: s.volumeId,
    created_at: ts(s.createdAt),
    updated_at: ts(s.updatedAt),
    metadata,
    links: selfLinks(req, s.projectId, 'snapshots', s.id),
  };
  if (atLeast(req.apiVersion, '3.14')) out.group_snapshot_id = s.groupSnapshotId ?? null;
  if (atLeast(req.apiVersion, '3.41')) out.user_id = s.userId;
  if (atLeast(req.apiVersion, '3.65')) out.consumes_quota = true;
  return out;
}

export function snapshotDetail(req: FastifyRequest, s: SnapshotRow, metadata: Record<string, string>) {
  const out = snapshotSummary(req, s, metadata);
  out['os-extended-snapshot-attributes:progress'] = s.progress;
  out['os-extended-snapshot-attributes:project_id'] = s.projectId;
  if (atLeast(req.apiVersion, '3.21') && req.ctx.isAdmin) out.provider_id = s.providerId;
  return out;
}
