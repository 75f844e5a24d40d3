// Small helpers the routes share: links, admin checks, query parameter parsing.
import type { FastifyRequest } from 'fastify';
import { Forbidden, InvalidInput } from '../errors/errors.js';

/** The scheme://host the client used, for `links`. */
export function baseUrl(req: FastifyRequest): string {
  const host = req.headers.host ?? '127.0.0.1';
  return `${req.protocol}://${host}`;
}

export function selfLinks(req: FastifyRequest, projectId: string, collection: string, id: string) {
  const base = baseUrl(req);
  return [
    { href: `${base}/v3/${projectId}/${collection}/${id}`, rel: 'self' },
    { href: `${base}/${projectId}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

export function requireAdmin(req: FastifyRequest, action: string): void {
  if (!req.ctx.isAdmin) throw new Forbidden(`Policy doesn't allow ${action} to be performed: admin role required.`);
}

/** Cinder's lenient booleans: true/false, yes/no, 1/0, on/off, any case. */
export function parseBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 't', 'yes', 'y', '1', 'on'].includes(v)) return true;
    if (['false', 'f', 'no', 'n', '0', 'off', ''].includes(v)) return false;
  }
  throw new InvalidInput(`Invalid value for ${field}: '${String(value).slice(0, 50)}' is not a boolean.`);
}

export type Query = Record<string, string | string[] | undefined>;
/** A request whose query string is typed (its route's schema has `querystring: AnyQuery`). */
export type QueryRequest = FastifyRequest & { query: Query };

/** A single-valued query parameter; a repeated one is rejected, naming it. */
export function q(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw new InvalidInput(`Query parameter ${name} may be given only once.`);
  return v;
}

/** Bounds every request's query string, before any route reads it. */
export const MAX_QUERY_PARAMS = 32;
export const MAX_QUERY_VALUE = 4096;
const MAX_QUERY_NAME = 255;
/** Names, ids, statuses: stored in at most 255 characters, so a longer filter value is a mistake. */
const MAX_SCALAR_VALUE = 255;
/** Parameters whose value is a list or a dict and may be longer than one name. */
const LONG_PARAMS = new Set(['metadata', 'extra_specs', 'sort', 'glance_metadata']);

export function checkQueryBounds(query: Query): void {
  const names = Object.keys(query);
  if (names.length > MAX_QUERY_PARAMS) throw new InvalidInput(`Too many query parameters: at most ${MAX_QUERY_PARAMS} query parameters are allowed, got ${names.length}.`);
  for (const name of names) {
    if (name.length > MAX_QUERY_NAME) throw new InvalidInput(`Invalid query parameter name ${name.slice(0, 40)}…: longer than ${MAX_QUERY_NAME} characters.`);
    // No route takes a list in the query string; a repeated parameter is refused here, once for all.
    const v = q(query, name);
    const max = LONG_PARAMS.has(name) ? MAX_QUERY_VALUE : MAX_SCALAR_VALUE;
    if (v !== undefined && v.length > max) throw new InvalidInput(`Query parameter ${name} is longer than ${max} characters.`);
  }
}

/** Rejects query parameters a route does not know, naming them. */
export function checkQueryKeys(query: Query, allowed: readonly string[]): void {
  const bad = Object.keys(query).filter((k) => !allowed.includes(k));
  if (bad.length > 0) throw new InvalidInput(`Invalid filters ${bad.map((b) => b.slice(0, 60)).join(', ')} are found in query options.`);
}

/** Cinder renders times as naive UTC with microseconds. */
export function ts(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z?$/.exec(iso);
  if (!m) return iso;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}`;
}

/** Largest dict filter: each key is one more EXISTS clause in the query. */
export const MAX_DICT_KEYS = 50;
const MAX_DICT_STRING = 255;

/** Parses the python-dict-ish JSON cinderclient sends for `metadata` filters. */
export function parseDictParam(value: string, field: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.replace(/'/g, '"'));
  } catch {
    throw new InvalidInput(`Invalid value for ${field}: expected a JSON object such as {"key": "value"}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInput(`Invalid value for ${field}: expected a JSON object.`);
  }
  const entries = Object.entries(parsed);
  if (entries.length > MAX_DICT_KEYS) throw new InvalidInput(`Invalid value for ${field}: at most ${MAX_DICT_KEYS} keys are allowed, got ${entries.length}.`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k === '') throw new InvalidInput(`Invalid value for ${field}: empty key.`);
    if (k.length > MAX_DICT_STRING) throw new InvalidInput(`Invalid value for ${field}: key ${k.slice(0, 40)}… is longer than ${MAX_DICT_STRING} characters.`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InvalidInput(`Invalid value for ${field}: the value of ${k} must be a string.`);
    }
    const text = String(v);
    if (text.length > MAX_DICT_STRING) throw new InvalidInput(`Invalid value for ${field}: the value of ${k} is longer than ${MAX_DICT_STRING} characters.`);
    out[k] = text;
  }
  return out;
}
