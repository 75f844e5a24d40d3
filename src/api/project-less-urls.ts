// Microversion 3.67 (Block Storage) and 2.60 (Shared File Systems): URLs may leave out the
// project id (/v3/volumes, /v2/shares). Such requests are routed with a placeholder project
// that the auth hook replaces by the caller's project.
import type { IncomingMessage } from 'node:http';
import { atLeast, negotiate, SHARED_FILE_SYSTEMS_V2 } from './microversion.js';

/** Never a project id a client could send: it contains characters Keystone ids do not. */
export const CALLER_PROJECT = '{caller}';

const COLLECTIONS = new Set([
  'volumes', 'snapshots', 'types', 'qos-specs', 'attachments', 'os-quota-sets', 'limits', 'os-services',
  'os-availability-zone', 'scheduler-stats', 'messages', 'manageable_volumes', 'os-volume-manage', 'capabilities', 'flint',
]);

/** Collections of the Shared File Systems API v2, which may leave out the project from 2.60. */
const SHARE_COLLECTIONS = new Set([
  'shares', 'snapshots', 'types', 'share-types', 'share-access-rules', 'share-networks', 'share-servers', 'share_instances',
  'quota-sets', 'quota-class-sets', 'limits', 'services', 'availability-zones', 'scheduler-stats', 'messages',
]);

function rewriteShareUrl(req: IncomingMessage, url: string): string {
  const m = /^\/v2\/([^/?]+)(.*)$/.exec(url);
  if (!m || !SHARE_COLLECTIONS.has(m[1]!)) return url;
  try {
    if (!atLeast(negotiate(req.headers, SHARED_FILE_SYSTEMS_V2), '2.60')) return url;
  } catch {
    return url;
  }
  return `/v2/${encodeURIComponent(CALLER_PROJECT)}/${m[1]}${m[2]}`;
}

export function rewriteProjectlessUrl(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (url.startsWith('/v2/')) return rewriteShareUrl(req, url);
  const m = /^\/v3\/([^/?]+)(.*)$/.exec(url);
  if (!m || !COLLECTIONS.has(m[1]!)) return url;
  // Only clients asking for 3.67 or later may omit it, so older URLs keep their meaning
  // (a project may be called "volumes").
  try {
    if (!atLeast(negotiate(req.headers), '3.67')) return url;
  } catch {
    return url; // the version error is reported by the request hook
  }
  return `/v3/${encodeURIComponent(CALLER_PROJECT)}/${m[1]}${m[2]}`;
}
