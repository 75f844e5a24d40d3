// How Cinder renders a volume transfer: the summary (list), the detail (show, list/detail),
// the create answer (with the auth key, shown only then) and the accept answer. 3.55 adds
// no_snapshots, 3.57 the source and destination projects and `accepted`.
import type { FastifyRequest } from 'fastify';
import type { TransferRow } from '../../db/schema.js';
import { atLeast } from '../microversion.js';
import { selfLinks, ts } from '../http.js';

/** Collection name in links: the URL the transfer was reached through. */
export type TransferCollection = 'os-volume-transfer' | 'volume-transfers';

export function transferSummary(req: FastifyRequest, t: TransferRow, collection: TransferCollection) {
  return { id: t.id, name: t.displayName, volume_id: t.volumeId, links: selfLinks(req, req.ctx.projectId, collection, t.id) };
}

export function transferDetail(req: FastifyRequest, t: TransferRow, collection: TransferCollection) {
  const out: Record<string, unknown> = { ...transferSummary(req, t, collection), created_at: ts(t.createdAt) };
  if (atLeast(req.apiVersion, '3.55')) out.no_snapshots = t.noSnapshots === 1;
  if (atLeast(req.apiVersion, '3.57')) {
    out.source_project_id = t.sourceProjectId;
    out.destination_project_id = t.destinationProjectId;
    out.accepted = t.accepted === 1;
  }
  return out;
}

export function transferCreated(req: FastifyRequest, t: TransferRow, authKey: string, collection: TransferCollection) {
  return { ...transferDetail(req, t, collection), auth_key: authKey };
}
