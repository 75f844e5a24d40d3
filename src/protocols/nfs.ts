// NFS protocol helpers for shares: export locations (`host:/path`) and access rules
// (who may mount, read-write or read-only), validated once here for every share driver.
import { isIP } from 'node:net';
import { InvalidInput } from '../errors/errors.js';

/** What a share's client may do: Manila's access levels. */
export const ACCESS_LEVELS = ['rw', 'ro'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** NFS grants access by client address (an IP or a CIDR network). */
export type NfsAccessType = 'ip';

export interface NfsAccessRule {
  accessType: NfsAccessType;
  /** A normalized IPv4/IPv6 address or network in CIDR form. */
  accessTo: string;
  accessLevel: AccessLevel;
}

/** Where a share can be mounted from. */
export interface NfsExportLocation {
  /** `host:/path`, the IPv6 host in brackets: what `mount -t nfs` takes. */
  path: string;
  /** Only administrators see it (e.g. a storage-network address). */
  isAdminOnly: boolean;
  preferred: boolean;
}

export function isAccessLevel(v: unknown): v is AccessLevel {
  return typeof v === 'string' && (ACCESS_LEVELS as readonly string[]).includes(v);
}

export function validateAccessLevel(v: unknown): AccessLevel {
  if (!isAccessLevel(v)) throw new InvalidInput(`access_level '${String(v)}' is not one of ${ACCESS_LEVELS.join(', ')}.`);
  return v;
}

/**
 * Checks an address or CIDR network for an `ip` rule and returns it normalized
 * (lower-case; a /32 or /128 prefix dropped, since it names one host).
 */
export function validateNfsAccessTo(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw new InvalidInput('access_to must name an IP address or a CIDR network.');
  const s = v.trim().toLowerCase();
  const [addr, prefix, extra] = s.split('/');
  const family = isIP(addr!);
  const bad = (): never => { throw new InvalidInput(`access_to '${v}' is not an IP address or a CIDR network.`); };
  if (family === 0 || extra !== undefined) bad();
  if (prefix === undefined) return addr!;
  if (!/^\d{1,3}$/.test(prefix)) bad();
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (bits > max) bad();
  return bits === max ? addr! : `${addr}/${bits}`;
}

/** Validates an access rule as the API receives it (`access_type`, `access_to`, `access_level`). */
export function validateNfsAccessRule(rule: { access_type?: unknown; access_to?: unknown; access_level?: unknown }): NfsAccessRule {
  if (rule.access_type !== 'ip') {
    throw new InvalidInput(`access_type '${String(rule.access_type)}' is not supported over NFS; only 'ip' is.`);
  }
  return { accessType: 'ip', accessTo: validateNfsAccessTo(rule.access_to), accessLevel: validateAccessLevel(rule.access_level ?? 'rw') };
}

/** `host:/path`, with an IPv6 host in brackets. */
export function formatNfsExportPath(host: string, path: string): string {
  if (!path.startsWith('/')) throw new InvalidInput(`NFS export path '${path}' must be absolute.`);
  return `${isIP(host) === 6 ? `[${host}]` : host}:${path}`;
}

export function parseNfsExportPath(location: string): { host: string; path: string } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/]+):(\/.*)$/.exec(location);
  if (!m) throw new InvalidInput(`NFS export location '${location}' is not host:/path.`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), path: m[2]! };
}

export function nfsExportLocation(host: string, path: string, opts: { isAdminOnly?: boolean; preferred?: boolean } = {}): NfsExportLocation {
  return { path: formatNfsExportPath(host, path), isAdminOnly: opts.isAdminOnly ?? false, preferred: opts.preferred ?? false };
}
