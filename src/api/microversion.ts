// Block Storage microversions: what this server claims, and negotiation from the
// OpenStack-API-Version (or legacy OpenStack-Volume-microversion) header.
import { FlintError } from '../errors/errors.js';

export const MIN_VERSION = '3.0';
/** Highest microversion claimed; version-gated behaviour below is what Flint implements up to it. */
export const MAX_VERSION = '3.70';

export interface ApiVersion {
  major: number;
  minor: number;
}

export class VersionNotAcceptable extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'version_not_acceptable';
  override readonly httpStatus = 406;
}

export class VersionNotFoundForMethod extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'version_not_found';
  override readonly httpStatus = 404;
}

export function parseVersion(s: string): ApiVersion | null {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export const MIN = parseVersion(MIN_VERSION)!;
export const MAX = parseVersion(MAX_VERSION)!;

export function cmp(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function fmt(v: ApiVersion): string {
  return `${v.major}.${v.minor}`;
}

/** True when the request's version is at least `min` ("3.27"). */
export function atLeast(v: ApiVersion, min: string): boolean {
  return cmp(v, parseVersion(min)!) >= 0;
}

/**
 * The version a request asked for. Headers: `OpenStack-API-Version: volume 3.27`
 * (several services may be listed, comma separated) or `OpenStack-Volume-microversion: 3.27`.
 */
export function negotiate(headers: Record<string, string | string[] | undefined>): ApiVersion {
  let requested: string | null = null;
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(',') : h);
  const modern = one(headers['openstack-api-version']);
  if (modern) {
    for (const part of modern.split(',')) {
      const [service, value] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'volume' && value) requested = value;
    }
  }
  const legacy = one(headers['openstack-volume-microversion']);
  if (requested === null && legacy) requested = legacy.trim();
  if (requested === null) return MIN;
  if (requested.toLowerCase() === 'latest') return MAX;
  const v = parseVersion(requested);
  if (!v) {
    throw new VersionNotAcceptable(
      `Invalid microversion '${requested.slice(0, 40)}': expected MAJOR.MINOR between ${MIN_VERSION} and ${MAX_VERSION}, or 'latest'.`,
    );
  }
  if (cmp(v, MIN) < 0 || cmp(v, MAX) > 0) {
    throw new VersionNotAcceptable(`Version ${fmt(v)} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return v;
}
