// Helpers the Shared File Systems v2 routes share: reading Manila's request bodies (each
// field checked and named in the 400), loading what a share's view needs in a few queries.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../../db/database.js';
import type { ShareRow } from '../../../db/schema.js';
import { InvalidInput } from '../../../errors/errors.js';
import { metadataFor } from '../../../db/repos/metadata.js';
import { exportLocationsFor } from '../../../db/repos/shares.js';
import { shareExtraSpecsFor } from '../../../db/repos/share-types.js';
import { parseBoolean } from '../../http.js';
import { shareDetail } from '../../views/share-view.js';
import type { ShareOperations } from '../../../share/operations.js';
import type { ApiDeps } from '../../deps.js';

/** Both URL forms Manila serves: with the project, and (2.60+, rewritten) without. */
export const V2 = '/v2/:projectId';

export type Body = Record<string, unknown>;

/** The object under `key` of a request body, or Manila's 400 naming what is missing. */
export function bodyOf(req: FastifyRequest, key: string): Body {
  const b = req.body as Body | undefined;
  const inner = b && typeof b === 'object' && !Array.isArray(b) ? b[key] : undefined;
  if (!inner || typeof inner !== 'object' || Array.isArray(inner)) throw new InvalidInput(`Invalid input for field/attribute body: expected an object with the object '${key}' in it.`);
  return inner as Body;
}

export function optString(b: Body, field: string, max = 255): string | null | undefined {
  const v = b[field];
  if (v === undefined || v === null) return v as undefined | null;
  if (typeof v !== 'string') throw new InvalidInput(`Invalid input for field/attribute ${field}: must be a string.`);
  if (v.length > max) throw new InvalidInput(`Invalid input for field/attribute ${field}: at most ${max} characters.`);
  return v;
}

export function reqString(b: Body, field: string, max = 255): string {
  const v = optString(b, field, max);
  if (v === undefined || v === null || v === '') throw new InvalidInput(`${field} is required.`);
  return v;
}

export function optBool(b: Body, field: string): boolean | undefined {
  const v = b[field];
  return v === undefined || v === null ? undefined : parseBoolean(v, field);
}

/** Manila takes sizes as integers or strings of digits. */
export function reqSize(b: Body, field: string): number {
  const v = b[field];
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new InvalidInput(`Invalid input received: ${field} '${String(v).slice(0, 40)}' must be an integer and greater than 0.`);
  }
  return n;
}

/** A map of strings; `lenient` takes booleans and numbers as their text (extra specs are often sent so). */
export function optStringMap(b: Body, field: string, lenient = false): Record<string, string> | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidInput(`Invalid input for field/attribute ${field}: must be an object.`);
  const out: Record<string, string> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 128) throw new InvalidInput(`Invalid input for field/attribute ${field}: at most 128 keys.`);
  for (const [k, x] of entries) {
    if (lenient && (typeof x === 'boolean' || typeof x === 'number')) out[k] = String(x);
    else if (typeof x === 'string') out[k] = x;
    else throw new InvalidInput(`Invalid input for field/attribute ${field}: the value of '${k.slice(0, 40)}' must be a string.`);
  }
  return out;
}

export function sharesOf(deps: ApiDeps): ShareOperations {
  if (!deps.shares) throw new InvalidInput('The share service is not configured here.');
  return deps.shares;
}

/** Detail views of many shares, with their metadata, types, specs and export locations in 4 queries. */
export async function renderShares(db: Db, req: FastifyRequest, rows: ShareRow[]): Promise<Record<string, unknown>[]> {
  const ids = rows.map((r) => r.id);
  const typeIds = [...new Set(rows.map((r) => r.shareTypeId).filter((t): t is string => t !== null))];
  const k = db.kysely;
  const [md, specs, exports, types] = await Promise.all([
    metadataFor(k, 'shareMetadata', ids),
    shareExtraSpecsFor(k, typeIds),
    exportLocationsFor(k, ids, req.ctx.isAdmin),
    typeIds.length ? k.selectFrom('shareTypes').selectAll().where('id', 'in', typeIds).execute() : Promise.resolve([]),
  ]);
  return rows.map((r) => shareDetail(req, r, {
    metadata: md.get(r.id)!,
    type: types.find((t) => t.id === r.shareTypeId) ?? null,
    specs: r.shareTypeId ? specs.get(r.shareTypeId) ?? {} : {},
    exports: exports.get(r.id)!,
  }));
}

export async function renderShare(db: Db, req: FastifyRequest, row: ShareRow): Promise<Record<string, unknown>> {
  return (await renderShares(db, req, [row]))[0]!;
}
