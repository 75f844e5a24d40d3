// Microversions, per API: the range each API claims and the headers it is negotiated by
// (`OpenStack-API-Version: <service> X.Y`, or the API's legacy header).
import { FlintError } from '../errors/errors.js';

/** One API's microversion range and headers; each mounted API has its own. */
export interface MicroversionSpec {
  /** Service type named in `OpenStack-API-Version` ("volume", "shared-file-system"). */
  service: string;
  min: string;
  /** Highest microversion claimed; version-gated behaviour is what Flint implements up to it. */
  max: string;
  /** The API's own header, read when OpenStack-API-Version names no version for `service`. */
  legacyHeader: string;
}

/** Block Storage API v3 (Cinder). */
export const BLOCK_STORAGE_V3: MicroversionSpec = { service: 'volume', min: '3.0', max: '3.70', legacyHeader: 'OpenStack-Volume-microversion' };

/** Shared File Systems API v2 (Manila): the range of Debian 12's Manila (15, Zed). */
export const SHARED_FILE_SYSTEMS_V2: MicroversionSpec = {
  service: 'shared-file-system', min: '2.0', max: '2.73', legacyHeader: 'X-OpenStack-Manila-API-Version',
};

export const MIN_VERSION = BLOCK_STORAGE_V3.min;
export const MAX_VERSION = BLOCK_STORAGE_V3.max;

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
/** The versions routes and views compare against, parsed once (a few dozen literals). */
const parsedMinimums = new Map<string, ApiVersion>();

export function atLeast(v: ApiVersion, min: string): boolean {
  let m = parsedMinimums.get(min);
  if (m === undefined) {
    m = parseVersion(min)!;
    parsedMinimums.set(min, m);
  }
  return cmp(v, m) >= 0;
}

/**
 * The version a request asked for. Headers: `OpenStack-API-Version: volume 3.27`
 * (several services may be listed, comma separated) or the API's legacy header
 * (`OpenStack-Volume-microversion: 3.27`, `X-OpenStack-Manila-API-Version: 2.40`).
 */
export function negotiate(headers: Record<string, string | string[] | undefined>, spec: MicroversionSpec = BLOCK_STORAGE_V3): ApiVersion {
  const min = parseVersion(spec.min)!;
  const max = parseVersion(spec.max)!;
  let requested: string | null = null;
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(',') : h);
  const modern = one(headers['openstack-api-version']);
  if (modern) {
    for (const part of modern.split(',')) {
      const [service, value] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === spec.service && value) requested = value;
    }
  }
  const legacy = one(headers[spec.legacyHeader.toLowerCase()]);
  if (requested === null && legacy) requested = legacy.trim();
  if (requested === null) return min;
  if (requested.toLowerCase() === 'latest') return max;
  const v = parseVersion(requested);
  if (!v) {
    throw new VersionNotAcceptable(
      `Invalid microversion '${requested.slice(0, 40)}': expected MAJOR.MINOR between ${spec.min} and ${spec.max}, or 'latest'.`,
    );
  }
  if (cmp(v, min) < 0 || cmp(v, max) > 0) {
    throw new VersionNotAcceptable(`Version ${fmt(v)} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`);
  }
  return v;
}

/** The headers a response carries: the version served, in both forms, and what it varies by. */
export function versionHeaders(spec: MicroversionSpec, v: ApiVersion): Record<string, string> {
  return {
    'OpenStack-API-Version': `${spec.service} ${fmt(v)}`,
    [spec.legacyHeader]: fmt(v),
    Vary: `OpenStack-API-Version, ${spec.legacyHeader}`,
  };
}
