// Tempest's published volume response schemas as a contract for Flint's own API tests.
//
// The schemas come from Debian's python3-tempest (tempest/lib/api_schema/response/volume/):
// python3 runs once to dump them (and the clients' per-microversion module tables) to JSON,
// cached in the temp dir under the Tempest version. A response is checked the way Tempest's
// RestClient.validate_response does: the status must be one of the schema's `status_code`s,
// the body must validate (or be empty when the schema has no `response_body`), and only the
// formats Tempest's draft-4 checker really checks are checked (not `uuid`, not `uri`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/** Debian's python, not a pyenv one: python3-tempest is installed for /usr/bin/python3. */
const PYTHON = '/usr/bin/python3';
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
const DUMPER = join(dirname(fileURLToPath(import.meta.url)), 'dump-tempest-schemas.py');

interface Contract {
  status_code: number | number[];
  response_body?: object;
}
interface VersionRow { min: string | null; max: string | null; module: string }
interface Dump {
  tempest_version: string;
  /** Module (short name, e.g. `volumes`, `v3_61.volumes`) → attribute → contract. */
  modules: Record<string, Record<string, Contract>>;
  /** Base module → the schema_versions_info of the Tempest client that uses it. */
  versions: Record<string, VersionRow[]>;
}

function installedTempestVersion(): string {
  const info = readdirSync(DIST_PACKAGES).map((n) => /^tempest-(.+)\.(egg|dist)-info$/.exec(n)).find(Boolean);
  if (!info) throw new Error('python3-tempest is not installed (scripts/install-deps.sh installs it)');
  return info[1];
}

let dump: Dump | undefined;

/** The schemas dump, from the cache or by running python3 once. */
export function tempestSchemaDump(): Dump {
  if (dump) return dump;
  const script = readFileSync(DUMPER);
  const key = `${installedTempestVersion()}-${createHash('sha256').update(script).digest('hex').slice(0, 12)}`;
  const cache = join(tmpdir(), `flint-tempest-schemas-${key}.json`);
  if (existsSync(cache)) {
    dump = JSON.parse(readFileSync(cache, 'utf8')) as Dump;
    return dump;
  }
  const text = execFileSync(PYTHON, [DUMPER], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  dump = JSON.parse(text) as Dump;
  // Written aside and renamed: test files running at once never read half a file.
  const partial = `${cache}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, cache);
  return dump;
}

/** "3.61" → [3, 61]; compares as Tempest's APIVersionRequest does. */
function parseVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a microversion: ${v}`);
  return [Number(m[1]), Number(m[2])];
}
function compareVersions(a: string, b: string): number {
  const [a1, a2] = parseVersion(a);
  const [b1, b2] = parseVersion(b);
  return a1 - b1 || a2 - b2;
}

/**
 * The module Tempest's client validates against at `microversion` (null = no microversion
 * header): the client's schema_versions_info row that covers it, or the module itself when
 * no client versions it.
 */
export function schemaModuleFor(baseModule: string, microversion: string | null): string {
  const rows = tempestSchemaDump().versions[baseModule];
  if (!rows) return baseModule;
  const row = rows.find((r) => microversion === null
    ? r.min === null
    : (r.min === null || compareVersions(microversion, r.min) >= 0) && (r.max === null || compareVersions(microversion, r.max) <= 0));
  if (!row) throw new Error(`no Tempest schema module for ${baseModule} at ${microversion}`);
  return row.module;
}

/**
 * The contract named `module.attr` (e.g. `volumes.show_volume`, `snapshots.create_snapshot`,
 * `volume_types.create_volume_type`) for `microversion`. A name already naming a versioned
 * module (`v3_61.volumes.show_volume`) is taken as it is.
 */
export function tempestContract(name: string, microversion: string | null): { module: string; attr: string; contract: Contract } {
  const dot = name.lastIndexOf('.');
  if (dot < 0) throw new Error(`schema name must be module.attr: ${name}`);
  const base = name.slice(0, dot);
  const attr = name.slice(dot + 1);
  let module = base.startsWith('v3_') ? base : schemaModuleFor(base, microversion);
  // Calls a client validates without get_schema (metadata items, image metadata) use the
  // base module at every microversion; the versioned modules do not copy them all.
  if (!tempestSchemaDump().modules[module]?.[attr] && !base.startsWith('v3_')) module = base;
  const contract = tempestSchemaDump().modules[module]?.[attr];
  if (!contract) throw new Error(`Tempest has no response schema ${module}.${attr}`);
  return { module, attr, contract };
}

/** oslo_utils.timeutils.parse_isotime's grammar (the iso8601 library's regex), anchored at both ends. */
const ISO8601 = /^\d{4}(?:(?:-\d{1,2}|\d{2}(?!$))(?:(?:-\d{1,2}|\d{2})(?:[ T]\d{2}(?::?\d{2})?(?::?\d{1,2}(?:[.,]\d+)?)?(?:Z|[-+]\d{2}:?(?:\d{2})?)?)?)?)?$/;

function isIsoTime(s: string): boolean {
  if (!ISO8601.test(s)) return false;
  // parse_isotime builds a datetime: month 13 or hour 25 are not dates.
  const m = /^(\d{4})-?(\d{1,2})?-?(\d{1,2})?(?:[ T](\d{2}):?(\d{2})?:?(\d{1,2})?)?/.exec(s);
  if (!m) return false;
  const [, , mo, d, h, mi, sec] = m.map((x) => (x === undefined ? undefined : Number(x)));
  return (mo === undefined || (mo >= 1 && mo <= 12)) && (d === undefined || (d >= 1 && d <= 31))
    && (h === undefined || h <= 23) && (mi === undefined || mi <= 59) && (sec === undefined || sec <= 59);
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
ajv.addFormat('iso8601-date-time', { type: 'string', validate: isIsoTime });
ajv.addFormat('ipv4', { type: 'string', validate: (s: string) => isIPv4(s) });
ajv.addFormat('ipv6', { type: 'string', validate: (s: string) => isIPv6(s) });
// Declared but not checked by Tempest's draft-4 format checker: accepted as they are.
for (const f of ['uuid', 'uri', 'base64', 'email']) ajv.addFormat(f, true);

/**
 * Fields Cinder answers that Tempest 33's schemas do not model yet (their own TODOs say
 * "added in 3.x, move to the 3.x schema when microversions are supported"): from the
 * microversion that adds them, they are added to the schema before validating. Everything
 * else stays as Tempest wrote it, `additionalProperties: false` included.
 */
interface Addition {
  /** `module.attr` names (base module names) the addition applies to. */
  calls: string[];
  from: string;
  /** Path from response_body to the object schema that gains the properties. */
  path: string[];
  properties: (dump: Dump, module: string, microversion: string) => Record<string, unknown>;
}

const uuidOrNull = { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] };
const SNAPSHOT = ['properties', 'snapshot'];
const SNAPSHOT_ITEMS = ['properties', 'snapshots', 'items'];
const CINDER_ADDITIONS: Addition[] = [
  // Snapshot detail view (cinder/api/v3/views/snapshots.py): group_snapshot_id 3.14, user_id 3.41, consumes_quota 3.65.
  ...(['create_snapshot', 'show_snapshot', 'update_snapshot'] as const).flatMap((a) => snapshotAdditions(`snapshots.${a}`, SNAPSHOT)),
  ...snapshotAdditions('snapshots.list_snapshots_with_detail', SNAPSHOT_ITEMS),
  // with_count (3.45) adds the total to volume and snapshot lists.
  {
    calls: ['volumes.list_volumes_no_detail', 'volumes.list_volumes_with_detail', 'snapshots.list_snapshots_no_detail', 'snapshots.list_snapshots_with_detail'],
    from: '3.45', path: [], properties: () => ({ count: { type: 'integer' } }),
  },
  // Update answers the same detail view as create; the v3_6x modules copy the 3.0 update schema.
  {
    calls: ['volumes.update_volume'], from: '3.61', path: ['properties', 'volume'],
    properties: (dump, module) => (dump.modules[module]!.create_volume!.response_body as any).properties.volume.properties,
  },
  // Manage answers the volume detail view of the request's microversion; Tempest validates it
  // against the 3.0 volume schema only.
  {
    calls: ['manage_volume.manage_volume'], from: '3.61', path: ['properties', 'volume'],
    properties: (dump, _module, mv) => (dump.modules[schemaModuleFor('volumes', mv)]!.show_volume!.response_body as any).properties.volume.properties,
  },
];

function snapshotAdditions(call: string, path: string[]): Addition[] {
  return [
    { calls: [call], from: '3.14', path, properties: () => ({ group_snapshot_id: uuidOrNull }) },
    { calls: [call], from: '3.41', path, properties: () => ({ user_id: { type: 'string' } }) },
    { calls: [call], from: '3.65', path, properties: () => ({ consumes_quota: { type: 'boolean' } }) },
  ];
}

function withCinderAdditions(baseName: string, module: string, microversion: string | null, body: object): { schema: object; applied: number } {
  const additions = CINDER_ADDITIONS.filter((a) => a.calls.includes(baseName) && microversion !== null && compareVersions(microversion, a.from) >= 0);
  if (additions.length === 0) return { schema: body, applied: 0 };
  const schema = structuredClone(body) as any;
  for (const a of additions) {
    let node = schema;
    for (const k of a.path) node = node[k];
    node.properties = { ...node.properties, ...a.properties(tempestSchemaDump(), module, microversion!) };
  }
  return { schema, applied: additions.length };
}

const compiled = new Map<string, ValidateFunction>();

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or the raw text (parsed here; '' is an empty body). */
  body: unknown;
}

/** Throws (an AssertionError naming every violation) unless the response meets Tempest's contract. */
export function assertMatchesTempestSchema(name: string, microversion: string | null, res: ApiResponse): void {
  const { module, attr, contract } = tempestContract(name, microversion);
  const where = `${module}.${attr} @ ${microversion ?? 'no microversion'}`;
  const codes = Array.isArray(contract.status_code) ? contract.status_code : [contract.status_code];
  let body = res.body;
  if (typeof body === 'string') body = body === '' ? null : JSON.parse(body);
  assert.ok(codes.includes(res.status), `${where}: status ${res.status}, Tempest expects ${codes.join(' or ')}; body ${JSON.stringify(body)}`);
  if (!contract.response_body) {
    assert.ok(body === null || body === undefined || body === '', `${where}: Tempest expects no body, got ${JSON.stringify(body)}`);
    return;
  }
  const baseName = `${name.slice(0, name.lastIndexOf('.')).replace(/^v3_\d+\./, '')}.${attr}`;
  const { schema, applied } = withCinderAdditions(baseName, module, microversion, contract.response_body);
  const key = applied ? `${module}.${attr}@${microversion}` : `${module}.${attr}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    assert.fail(`${where}: body does not match Tempest's schema:\n  ${errors.join('\n  ')}\nbody: ${JSON.stringify(body)}`);
  }
}

/** The microversions a route is worth checking at: 3.0, Flint's maximum, and each given one. */
export function microversionsToCheck(max: string, ...adding: string[]): string[] {
  return [...new Set(['3.0', ...adding, max])].sort(compareVersions);
}
