// Over 10,000 distinct hostile requests over a real socket against the real service
// (VolumeApi, fake backend), on SQLite and PostgreSQL: hand-written cases plus a set
// fast-check generates for every route and method (hostile-requests.ts). Each gets an
// OpenStack-shaped 4xx whose message names the problem, none a 5xx, and afterwards the
// database holds exactly what it held before: nothing half-created, changed or stuck.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { RawClient, type RawReply } from '../support/raw-http.js';
import { hostileRequests, routeKey, routeSpecs, shareRouteSpecs, type Hostile } from './hostile-requests.js';
import { DB_KINDS, startTestService, waitForVolumeStatus, waitForSnapshotStatus, type TestService } from '../support/test-service.js';

const P = 'badin';

interface Case {
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /** Sent as is (malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** The message must match: it names the field, id, resource or version range at fault. */
  names: RegExp;
  status?: number;
}

const MV = (v: string) => ({ 'openstack-api-version': `volume ${v}` });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function generate(ids: { volume: string; snapshot: string; type: string; qos: string }): Case[] {
  const cases: Case[] = [];
  const V = `/v3/${P}/volumes`;
  const act = `${V}/${ids.volume}/action`;

  // 1. Malformed JSON on every body-taking route.
  const malformed = ['{', '{"volume": ', '{"volume": {"size": 1,}}', "{'volume': {}}", '{"a":1}}', 'nul', '[1, 2', '{"volume": {"size": 01}}', '"\\x"', '{"volume": {"size": NaN}}', '{"volume" {"size": 1}}', '{"volume": {"size": 1} // c}'];
  const bodyRoutes: [Case['method'], string][] = [
    ['POST', V], ['PUT', `${V}/${ids.volume}`], ['POST', act], ['POST', `/v3/${P}/snapshots`], ['POST', `/v3/${P}/types`],
    ['POST', `/v3/${P}/qos-specs`], ['PUT', `/v3/${P}/os-quota-sets/${P}`], ['POST', `${V}/${ids.volume}/metadata`],
    ['POST', `/v3/${P}/types/${ids.type}/extra_specs`], ['POST', `/v3/${P}/flint/schedule-explain`],
  ];
  for (const [method, url] of bodyRoutes) for (const raw of malformed) cases.push({ what: `malformed ${raw}`, method, url, raw, names: /Malformed request body/ });

  // 2. Wrong types, signs, fractions and magnitudes for every field of volume create.
  const badSizes: unknown[] = ['abc', true, false, [], {}, 1.5, 0.1, -1, 0, -100, 2 ** 40, 1e300, '-5', '1e3', '1.5', '', ' 1', 'ten', [1], { gb: 1 }];
  for (const size of badSizes) cases.push({ what: `size ${JSON.stringify(size)}`, method: 'POST', url: V, body: { volume: { size } }, names: /volume\.size/ });
  for (const size of badSizes) cases.push({ what: `extend ${JSON.stringify(size)}`, method: 'POST', url: act, body: { 'os-extend': { new_size: size } }, names: /os-extend\.new_size/ });
  for (const size of badSizes) cases.push({ what: `explain ${JSON.stringify(size)}`, method: 'POST', url: `/v3/${P}/flint/schedule-explain`, body: { size }, names: /size/ });
  const wrongTyped: unknown[] = [1, 1.5, true, [], ['a'], { a: 1 }];
  for (const field of ['name', 'description', 'volume_type', 'availability_zone', 'snapshot_id', 'source_volid', 'display_name', 'imageRef']) {
    for (const value of wrongTyped) cases.push({ what: `${field}=${JSON.stringify(value)}`, method: 'POST', url: V, body: { volume: { size: 1, [field]: value } }, names: new RegExp(`volume\\.${field}`) });
  }
  for (const value of ['maybe', 2, [], {}, 'yes please']) {
    cases.push({ what: `multiattach ${value}`, method: 'POST', url: V, body: { volume: { size: 1, multiattach: value } }, names: /volume\.multiattach/ });
    cases.push({ what: `bootable ${value}`, method: 'POST', url: act, body: { 'os-set_bootable': { bootable: value } }, names: /os-set_bootable\.bootable/ });
    cases.push({ what: `readonly ${value}`, method: 'POST', url: act, body: { 'os-update_readonly_flag': { readonly: value } }, names: /os-update_readonly_flag\.readonly/ });
  }
  for (const md of ['str', [], 5, { k: 1 }, { k: true }, { k: null }, { k: 'x'.repeat(256) }, { ['k'.repeat(256)]: 'v' }, { '': 'v' }]) {
    cases.push({ what: `metadata ${JSON.stringify(md).slice(0, 30)}`, method: 'POST', url: V, body: { volume: { size: 1, metadata: md } }, names: /volume\.metadata/ });
    cases.push({ what: `md route ${JSON.stringify(md).slice(0, 30)}`, method: 'POST', url: `${V}/${ids.volume}/metadata`, body: { metadata: md }, names: /metadata/ });
    cases.push({ what: `snap md ${JSON.stringify(md).slice(0, 30)}`, method: 'POST', url: `/v3/${P}/snapshots`, body: { snapshot: { volume_id: ids.volume, metadata: md } }, names: /snapshot\.metadata/ });
  }
  for (const extra of ['colour', 'size_gb', 'status', 'host', 'id', 'user_id', 'project_id']) {
    cases.push({ what: `unknown field ${extra}`, method: 'POST', url: V, body: { volume: { size: 1, [extra]: 'x' } }, names: new RegExp(`volume\\.${extra}`) });
    cases.push({ what: `unknown top ${extra}`, method: 'POST', url: V, body: { volume: { size: 1 }, [extra]: 1 }, names: new RegExp(extra) });
  }
  for (const body of [{}, [], 'volume', 1, null, { volumes: { size: 1 } }, { volume: null }, { volume: [] }, { volume: 'x' }]) {
    cases.push({ what: `shape ${JSON.stringify(body)}`, method: 'POST', url: V, body, names: /volume|body/ });
  }
  cases.push({ what: 'no size', method: 'POST', url: V, body: { volume: { name: 'n' } }, names: /volume\.size/ });

  // 3. Oversized strings.
  for (const n of [256, 300, 1000, 5000]) {
    cases.push({ what: `long name ${n}`, method: 'POST', url: V, body: { volume: { size: 1, name: 'n'.repeat(n) } }, names: /volume\.name/ });
    cases.push({ what: `long rename ${n}`, method: 'PUT', url: `${V}/${ids.volume}`, body: { volume: { name: 'n'.repeat(n) } }, names: /volume\.name/ });
    cases.push({ what: `long type ${n}`, method: 'POST', url: `/v3/${P}/types`, body: { volume_type: { name: 't'.repeat(n) } }, names: /volume_type\.name/ });
    cases.push({ what: `long snap ${n}`, method: 'POST', url: `/v3/${P}/snapshots`, body: { snapshot: { volume_id: ids.volume, name: 's'.repeat(n) } }, names: /snapshot\.name/ });
    cases.push({ what: `long qos ${n}`, method: 'POST', url: `/v3/${P}/qos-specs`, body: { qos_specs: { name: 'q'.repeat(n) } }, names: /qos_specs\.name/ });
    cases.push({ what: `long spec ${n}`, method: 'POST', url: `/v3/${P}/types/${ids.type}/extra_specs`, body: { extra_specs: { k: 'v'.repeat(n) } }, names: /extra_specs\.k/ });
  }
  cases.push({ what: 'long description', method: 'POST', url: V, body: { volume: { size: 1, description: 'd'.repeat(70_000) } }, names: /volume\.description/ });
  cases.push({ what: 'body over 1 MiB', method: 'POST', url: V, raw: JSON.stringify({ volume: { size: 1, description: 'd'.repeat(1_100_000) } }), names: /too large/, status: 413 });

  // 4. Unknown ids.
  for (let i = 0; i < 30; i++) {
    const id = randomUUID();
    const nf = new RegExp(esc(id));
    cases.push({ what: 'get vol', method: 'GET', url: `${V}/${id}`, names: nf });
    cases.push({ what: 'put vol', method: 'PUT', url: `${V}/${id}`, body: { volume: { name: 'x' } }, names: nf });
    cases.push({ what: 'del vol', method: 'DELETE', url: `${V}/${id}`, names: nf });
    cases.push({ what: 'act vol', method: 'POST', url: `${V}/${id}/action`, body: { 'os-extend': { new_size: 5 } }, names: nf });
    cases.push({ what: 'md vol', method: 'GET', url: `${V}/${id}/metadata`, names: nf });
    cases.push({ what: 'get snap', method: 'GET', url: `/v3/${P}/snapshots/${id}`, names: nf });
    cases.push({ what: 'del snap', method: 'DELETE', url: `/v3/${P}/snapshots/${id}`, names: nf });
    cases.push({ what: 'snap of unknown vol', method: 'POST', url: `/v3/${P}/snapshots`, body: { snapshot: { volume_id: id } }, names: nf });
    cases.push({ what: 'from unknown snap', method: 'POST', url: V, body: { volume: { size: 1, snapshot_id: id } }, names: nf });
    cases.push({ what: 'clone unknown', method: 'POST', url: V, body: { volume: { size: 1, source_volid: id } }, names: nf });
    cases.push({ what: 'unknown type', method: 'POST', url: V, body: { volume: { size: 1, volume_type: id } }, names: nf });
    cases.push({ what: 'get type', method: 'GET', url: `/v3/${P}/types/${id}`, names: nf });
    cases.push({ what: 'get qos', method: 'GET', url: `/v3/${P}/qos-specs/${id}`, names: nf });
    cases.push({ what: 'get attachment', method: 'GET', url: `/v3/${P}/attachments/${id}`, headers: MV('3.27'), names: nf });
    cases.push({ what: 'attach unknown vol', method: 'POST', url: `/v3/${P}/attachments`, headers: MV('3.27'), body: { attachment: { volume_uuid: id } }, names: nf });
    cases.push({ what: 'get message', method: 'GET', url: `/v3/${P}/messages/${id}`, headers: MV('3.3'), names: nf });
    cases.push({ what: 'revert unknown snap', method: 'POST', url: act, headers: MV('3.40'), body: { revert: { snapshot_id: id } }, names: nf });
  }
  for (const name of ['no-such-type', 'GOLD', 'gold ', 'platinum']) {
    cases.push({ what: `type name ${name}`, method: 'POST', url: V, body: { volume: { size: 1, volume_type: name } }, names: new RegExp(esc(name)) });
  }

  // 5. Over quota (gigabytes 50, volumes 3 for the project; one volume of 1 GiB exists).
  for (const size of [50, 51, 60, 100, 1000, 4096, 10_000, 65_536, 1_000_000, 2_147_483_647]) {
    cases.push({ what: `over quota ${size}`, method: 'POST', url: V, body: { volume: { size } }, names: /gigabytes|maximum/ });
    // 1 GiB is in use, so extending to 50 would fit exactly; 51 and up do not.
    cases.push({ what: `extend over quota ${size + 1}`, method: 'POST', url: act, body: { 'os-extend': { new_size: Math.min(size + 1, 2_147_483_647) } }, names: /gigabytes|maximum/ });
  }

  // 6. Wrong microversions.
  for (const v of ['3.71', '3.100', '4.0', '2.0', '1.0', '3.999', 'abc', '3.', '.3', '3.0.1', 'latest1', 'v3.1', '3,1', '-3.1', '99']) {
    for (const [method, url] of [['GET', V], ['GET', `${V}/detail`], ['POST', V], ['GET', `/v3/${P}/snapshots`], ['GET', `/v3/${P}/types`], ['GET', `/v3/${P}/limits`]] as const) {
      cases.push({ what: `version ${v}`, method, url, headers: MV(v), body: method === 'POST' ? { volume: { size: 1 } } : undefined, names: /3\.0.*3\.70/, status: 406 });
    }
    cases.push({ what: `legacy version ${v}`, method: 'GET', url: V, headers: { 'openstack-volume-microversion': v }, names: /3\.0.*3\.70/, status: 406 });
  }
  for (const v of ['3.0', '3.26']) cases.push({ what: `attachments at ${v}`, method: 'GET', url: `/v3/${P}/attachments`, headers: MV(v), names: /3\.27/, status: 404 });
  cases.push({ what: 'messages at 3.2', method: 'GET', url: `/v3/${P}/messages`, headers: MV('3.2'), names: /3\.3/, status: 404 });
  cases.push({ what: 'revert at 3.39', method: 'POST', url: act, headers: MV('3.39'), body: { revert: { snapshot_id: ids.snapshot } }, names: /3\.40/, status: 404 });

  // 7. Unknown and malformed actions.
  for (const a of ['os-foo', 'os-extend2', 'extend', 'os-EXTEND', 'os-migrate_volume_x', 'delete', 'os-retype_', 'x'.repeat(300)]) {
    cases.push({ what: `action ${a.slice(0, 20)}`, method: 'POST', url: act, body: { [a]: {} }, names: new RegExp(esc(a.slice(0, 64))) });
    cases.push({ what: `snap action ${a.slice(0, 20)}`, method: 'POST', url: `/v3/${P}/snapshots/${ids.snapshot}/action`, body: { [a]: {} }, names: new RegExp(esc(a.slice(0, 64))) });
  }
  const badActions: [unknown, RegExp][] = [
    [{}, /body/], [{ 'os-extend': {} }, /os-extend\.new_size/], [{ 'os-extend': { new_size: 1 } }, /new_size/], [{ 'os-extend': null }, /os-extend/],
    [{ 'os-reset_status': {} }, /os-reset_status/], [{ 'os-reset_status': { status: 7 } }, /os-reset_status\.status/],
    [{ 'os-attach': {} }, /os-attach\.mountpoint/], [{ 'os-attach': { mountpoint: '/dev/vdb' } }, /instance_uuid or host_name/],
    [{ 'os-attach': { mountpoint: '/dev/vdb', instance_uuid: 'i', mode: 'rx' } }, /os-attach\.mode/],
    [{ 'os-initialize_connection': {} }, /os-initialize_connection\.connector/], [{ 'os-initialize_connection': { connector: 'iqn' } }, /connector/],
    [{ 'os-terminate_connection': null }, /os-terminate_connection/], [{ 'os-reserve': 5 }, /os-reserve/], [{ 'os-detach': 'x' }, /os-detach/],
    [{ 'os-volume_upload_image': {} }, /image_name/], [{ 'os-volume_upload_image': { image_name: 'rel/path' } }, /image_name/],
    [{ 'os-volume_upload_image': { image_name: '/tmp/x', disk_format: 'vmdk' } }, /disk_format/],
    [{ 'os-reserve': null, 'os-unreserve': null }, /body|more than 1/], [{ 'os-unreserve': null }, /status is available/],
    [{ 'os-begin_detaching': null }, /status is available/], [{ 'os-roll_detaching': null }, /status is available/],
  ];
  for (const [body, names] of badActions) cases.push({ what: `action body ${JSON.stringify(body).slice(0, 40)}`, method: 'POST', url: act, body, names });

  // 8. Query parameters.
  const badQueries: [string, RegExp][] = [
    ['colour=red', /colour/], ['sort=shoe:asc', /shoe/], ['sort=size:sideways', /sideways/], ['sort_key=bogus', /bogus/], ['sort_dir=up', /direction 'up'/],
    ['limit=-1', /limit/], ['limit=abc', /limit/], ['limit=1.5', /limit/], ['offset=-2', /offset/],
    ['all_tenants=perhaps', /all_tenants/], ['bootable=sometimes', /bootable/], ['size=big', /size/], ['size=-1', /size/],
    ['metadata=notjson', /metadata/], ['metadata=[1]', /metadata/], ['sort=size:asc&sort_key=size', /sort_key/], ['limit=1&limit=2', /limit/],
  ];
  for (const [qs, names] of badQueries) for (const path of [V, `${V}/detail`]) cases.push({ what: `query ${qs}`, method: 'GET', url: `${path}?${qs}`, names });
  // An unknown marker is Cinder's MarkerNotFound: 404, naming the marker.
  for (const path of [V, `${V}/detail`]) cases.push({ what: 'query unknown marker', method: 'GET', url: `${path}?marker=${randomUUID()}`, names: /Marker volume/, status: 404 });
  for (const qs of ['cascade=maybe', 'force=2', 'colour=1']) cases.push({ what: `delete ${qs}`, method: 'DELETE', url: `${V}/${ids.volume}?${qs}`, names: new RegExp(qs.split('=')[0]!) });

  // 9. Quotas, types, QoS.
  for (const [k, v] of [['bananas', 1], ['volumes', -2], ['volumes', 'ten'], ['gigabytes', 1.5], ['snapshots', true], ['volumes', null], ['volumes', []]] as const) {
    cases.push({ what: `quota ${k}=${JSON.stringify(v)}`, method: 'PUT', url: `/v3/${P}/os-quota-sets/${P}`, body: { quota_set: { [k]: v } }, names: new RegExp(k) });
  }
  cases.push({ what: 'quota key too long', method: 'PUT', url: `/v3/${P}/os-quota-sets/${P}`, body: { quota_set: { [`volumes_${'x'.repeat(80)}`]: 1 } }, names: /quota_set/ });
  cases.push({ what: 'instance id too long', method: 'POST', url: act, body: { 'os-attach': { instance_uuid: 'i'.repeat(37), mountpoint: '/dev/vdb' } }, names: /os-attach\.instance_uuid/ });
  cases.push({ what: 'attachment instance too long', method: 'POST', url: `/v3/${P}/attachments`, headers: MV('3.27'), body: { attachment: { volume_uuid: ids.volume, instance_uuid: 'i'.repeat(37) } }, names: /attachment\.instance_uuid/ });
  cases.push({ what: 'quota empty', method: 'PUT', url: `/v3/${P}/os-quota-sets/${P}`, body: { quota_set: {} }, names: /quota_set/ });
  cases.push({ what: 'duplicate type', method: 'POST', url: `/v3/${P}/types`, body: { volume_type: { name: 'gold' } }, names: /gold already exists/, status: 409 });
  cases.push({ what: 'blank type', method: 'POST', url: `/v3/${P}/types`, body: { volume_type: { name: '   ' } }, names: /volume_type\.name/ });
  for (const specs of [{ a: 1 }, { a: true }, 'x', [], { '': 'v' }]) {
    cases.push({ what: `specs ${JSON.stringify(specs)}`, method: 'POST', url: `/v3/${P}/types/${ids.type}/extra_specs`, body: { extra_specs: specs }, names: /extra_specs/ });
    cases.push({ what: `type specs ${JSON.stringify(specs)}`, method: 'POST', url: `/v3/${P}/types`, body: { volume_type: { name: 'new', extra_specs: specs } }, names: /volume_type\.extra_specs/ });
  }
  cases.push({ what: 'qos consumer', method: 'POST', url: `/v3/${P}/qos-specs`, body: { qos_specs: { name: 'q', consumer: 'middle' } }, names: /qos_specs\.consumer/ });
  cases.push({ what: 'qos dup', method: 'POST', url: `/v3/${P}/qos-specs`, body: { qos_specs: { name: 'qos1' } }, names: /qos1 already exists/, status: 409 });
  cases.push({ what: 'qos associate without type', method: 'GET', url: `/v3/${P}/qos-specs/${ids.qos}/associate`, names: /vol_type_id/ });
  cases.push({ what: 'qos associate unknown type', method: 'GET', url: `/v3/${P}/qos-specs/${ids.qos}/associate?vol_type_id=nope`, names: /nope/ });
  cases.push({ what: 'delete type in use', method: 'DELETE', url: `/v3/${P}/types/${ids.type}`, names: /in use/ });
  cases.push({ what: 'wrong media type', method: 'POST', url: V, raw: 'size=1', headers: { 'content-type': 'text/plain' }, names: /Content-Type/, status: 415 });
  cases.push({ what: 'unknown route', method: 'GET', url: `/v3/${P}/widgets`, names: /widgets/, status: 404 });
  return cases;
}

/** `METHOD /path` of every route Fastify has, read from its route tree. */
export function registeredRoutes(app: FastifyInstance): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) out.add(`${method} ${stack.join('')}`);
  }
  return out;
}

/** The hand-written cases above in the generated set's shape. */
function fromCases(cases: Case[]): Hostile[] {
  return cases.map((c) => {
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    let body: string | undefined;
    if (c.raw !== undefined) {
      body = c.raw;
      headers['content-type'] ??= 'application/json';
    } else if (c.body !== undefined) {
      body = JSON.stringify(c.body);
      headers['content-type'] = 'application/json';
    }
    return { family: `case: ${c.what}`, method: c.method, path: c.url, headers, ...(body !== undefined ? { body } : {}), status: c.status ?? 0, names: c.names };
  });
}

/** Sends one hostile request and returns what is wrong with the answer, or null. */
export async function check(client: RawClient, h: Hostile): Promise<{ status: number; problem: string | null }> {
  let r: RawReply;
  try {
    r = h.raw !== undefined ? await client.sendRaw(Buffer.from(h.raw, 'latin1')) : await client.send({ method: h.method, path: h.path, headers: h.headers, ...(h.body !== undefined ? { body: h.body } : {}) });
  } catch (e) {
    client.close();
    return { status: -1, problem: `no answer: ${(e as Error).message}` };
  }
  const statusOk = h.status ? r.status === h.status : r.status >= 400 && r.status < 500;
  if (!statusOk) return { status: r.status, problem: `status ${r.status}, expected ${h.status || '4xx'}: ${r.body.slice(0, 160)}` };
  if (h.method === 'HEAD') {
    return { status: r.status, problem: (r.headers['content-type'] ?? '').startsWith('application/json') ? null : `HEAD answered ${r.headers['content-type']}` };
  }
  try {
    const f = fault(r);
    if (!h.names.test(f.message)) return { status: r.status, problem: `message does not name the problem (${h.names}): ${f.message.slice(0, 200)}` };
  } catch (e) {
    return { status: r.status, problem: (e as Error).message.slice(0, 200) };
  }
  return { status: r.status, problem: null };
}

/** Generated samples per family and route: enough for well over 10,000 distinct requests. */
const PER = Number(process.env.FLINT_HOSTILE_PER ?? 12);
const SEED = Number(process.env.FLINT_HOSTILE_SEED ?? 13);

for (const kind of DB_KINDS) describe(`bad input (${kind})`, () => {
  let svc: TestService;
  let client: RawClient;
  const ids = { volume: '', snapshot: '', type: '', qos: '' };

  before(async () => {
    svc = await startTestService({ db: kind, backends: { fake: { volume_driver: 'fake', fake_capacity_gib: 100000 } }, defaults: { report_interval: 1 } });
    client = new RawClient(Number(new URL(svc.url!).port), 5_000);
    const j = async (method: Case['method'], url: string, body?: unknown) => {
      const r = await client.send({ method, path: url, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${r.body}`);
      return JSON.parse(r.body);
    };
    ids.type = (await j('POST', `/v3/${P}/types`, { volume_type: { name: 'gold' } })).volume_type.id;
    ids.qos = (await j('POST', `/v3/${P}/qos-specs`, { qos_specs: { name: 'qos1' } })).qos_specs.id;
    await j('PUT', `/v3/${P}/os-quota-sets/${P}`, { quota_set: { gigabytes: 50, volumes: 3 } });
    ids.volume = (await j('POST', `/v3/${P}/volumes`, { volume: { size: 1, name: 'keeper', volume_type: 'gold' } })).volume.id;
    await waitForVolumeStatus(svc, ids.volume, ['available']);
    ids.snapshot = (await j('POST', `/v3/${P}/snapshots`, { snapshot: { volume_id: ids.volume } })).snapshot.id;
    await waitForSnapshotStatus(svc, ids.snapshot, ['available']);
  });
  after(async () => { client?.close(); await svc?.cleanup(); });

  async function counts() {
    const k = svc.db.kysely;
    const n = async (t: 'volumes' | 'snapshots' | 'volumeTypes' | 'qosSpecs' | 'attachments' | 'volumeMetadata' | 'snapshotMetadata' | 'volumeTypeExtraSpecs' | 'reservations' | 'messages' | 'qosSpecValues' | 'volumeTypeProjects') =>
      Number((await k.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const usage = await k.selectFrom('quotaUsages').select(['projectId', 'resource', 'inUse', 'reserved']).orderBy('projectId').orderBy('resource').execute();
    const quotas = await k.selectFrom('quotas').selectAll().orderBy('projectId').orderBy('resource').execute();
    const statuses = await k.selectFrom('volumes').select(['id', 'status', 'size', 'bootable', 'attachStatus', 'displayName']).orderBy('id').execute();
    const snapStatuses = await k.selectFrom('snapshots').select(['id', 'status', 'displayName']).orderBy('id').execute();
    const services = await k.selectFrom('services').select(['binary', 'host', 'disabled']).orderBy('binary').orderBy('host').execute();
    const tasks = Number((await k.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return {
      volumes: await n('volumes'), snapshots: await n('snapshots'), typeCount: await n('volumeTypes'), qos: await n('qosSpecs'),
      attachments: await n('attachments'), volumeMetadata: await n('volumeMetadata'), snapshotMetadata: await n('snapshotMetadata'),
      extraSpecs: await n('volumeTypeExtraSpecs'), reservations: await n('reservations'), messages: await n('messages'),
      qosValues: await n('qosSpecValues'), typeAccess: await n('volumeTypeProjects'),
      types: await k.selectFrom('volumeTypes').selectAll().orderBy('id').execute(),
      usage, quotas, statuses, snapStatuses, services, tasks,
    };
  }

  test('the hostile set covers every route and method the API has', () => {
    const seeded = { project: P, ...ids };
    const covered = new Set([...routeSpecs(seeded), ...shareRouteSpecs()].flatMap((r) => (r.method === 'GET' ? [routeKey(r), routeKey({ ...r, method: 'HEAD' })] : [routeKey(r)])));
    const registered = registeredRoutes(svc.app!);
    assert.ok(registered.size > 100, `read ${registered.size} routes from the route tree`);
    const missing = [...registered].filter((r) => !covered.has(r));
    assert.deepEqual(missing, []);
  });

  test('at least 10,000 distinct hostile requests over a socket: each a 4xx naming the problem, no 5xx, nothing changed', async () => {
    const all = [...fromCases(generate(ids)), ...hostileRequests({ project: P, ...ids }, { seed: SEED, per: PER })];
    const distinct = new Set(all.map((h) => h.raw ?? `${h.method} ${h.path}\n${JSON.stringify(h.headers)}\n${h.body ?? ''}`));
    assert.ok(distinct.size >= 10_000, `only ${distinct.size} distinct hostile requests`);
    const before = await counts();
    const failures = new Map<string, string[]>();
    const byStatus = new Map<number, number>();
    let fiveHundreds = 0;
    const fiveFamilies = new Set<string>();
    for (const h of all) {
      const { status, problem } = await check(client, h);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (status >= 500) {
        fiveHundreds++;
        fiveFamilies.add(h.family.replace(/\d+/g, 'N'));
      }
      if (problem) {
        const key = h.family.replace(/\d+/g, 'N');
        if (!failures.has(key)) failures.set(key, []);
        failures.get(key)!.push(`${h.method} ${h.path.slice(0, 100)} ${h.body?.slice(0, 80) ?? ''} → ${problem}`);
      }
    }
    console.log(`# hostile requests (${kind}): ${all.length} sent, ${distinct.size} distinct, seed ${SEED}, statuses ${JSON.stringify(Object.fromEntries(byStatus))}, 5xx ${fiveHundreds}`);
    if (fiveFamilies.size > 0) console.log(`# 5xx from: ${[...fiveFamilies].join('; ')}`);
    const report = [...failures].map(([k, v]) => `${k} (${v.length}×): ${v[0]}`);
    assert.equal(fiveHundreds, 0, `5xx answers:\n${report.join('\n')}`);
    assert.deepEqual(report, [], `${report.length} families failed`);
    assert.deepEqual(await counts(), before);
  });
});

/** The fault of an OpenStack error body: one key, {code, message}, code equal to the status. */
function fault(r: RawReply): { name: string; code: number; message: string } {
  let body: Record<string, { code: number; message: string }>;
  try {
    body = JSON.parse(r.body);
  } catch {
    throw new Error(`not a JSON body (${r.status}): ${r.body.slice(0, 200)}`);
  }
  const keys = Object.keys(body);
  assert.equal(keys.length, 1, `one fault key: ${r.body.slice(0, 200)}`);
  const f = body[keys[0]!]!;
  assert.equal(f.code, r.status, `fault code equals the status: ${r.body.slice(0, 200)}`);
  assert.equal(typeof f.message, 'string');
  return { name: keys[0]!, code: f.code, message: f.message };
}

describe('issue 13: inputs that broke the API over a real socket (sqlite)', () => {
  let svc: TestService;
  let client: RawClient;
  let volumeId = '';
  before(async () => {
    svc = await startTestService({ db: 'sqlite', backends: { fake: { volume_driver: 'fake', backend_availability_zone: 'zone-a' } } });
    client = new RawClient(Number(new URL(svc.url!).port));
    const r = await client.send({ method: 'POST', path: `/v3/${P}/volumes`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ volume: { size: 1, availability_zone: 'zone-a' } }) });
    assert.equal(r.status, 202, r.body);
    volumeId = JSON.parse(r.body).volume.id;
    await waitForVolumeStatus(svc, volumeId, ['available']);
  });
  after(async () => { client?.close(); await svc?.cleanup(); });

  const get = (path: string, headers: Record<string, string> = {}) => client.send({ method: 'GET', path, headers });

  test('300 and 2,000 sort keys (with a marker) are a 400 naming the repeated key', async () => {
    for (const n of [300, 1400, 2000]) {
      const sort = Array.from({ length: n }, () => 'size').join(',');
      const r = await get(`/v3/${P}/volumes/detail?marker=${volumeId}&sort=${sort}`);
      assert.equal(r.status, 400, r.body.slice(0, 200));
      assert.match(fault(r).message, n * 5 <= 4096 ? /sort key 'size' is given more than once/ : /Query parameter sort is longer than 4096 characters/);
    }
  });

  test('a 500-key metadata filter on the summary is a 400 naming metadata', async () => {
    const md = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'])));
    const r = await get(`/v3/${P}/volumes/summary?metadata=${encodeURIComponent(md)}`, { 'openstack-api-version': 'volume 3.36' });
    assert.equal(r.status, 400, r.body.slice(0, 200));
    assert.match(fault(r).message, /metadata/);
  });

  test('bad percent-encoding, long path segments, huge headers, malformed HTTP: OpenStack-shaped, never echoing the URL', async () => {
    const bad = await get(`/v3/${P}/volumes/%E0%A4%A`);
    assert.equal(bad.status, 400);
    assert.match(fault(bad).message, /percent-encod/);
    const within = await get(`/v3/${P}/volumes/${'v'.repeat(200)}`);
    assert.equal(within.status, 404);
    assert.match(fault(within).message, /Volume v{200} could not be found/);
    const secret = `s3cr3t${'x'.repeat(300)}`;
    const long = await get(`/v3/${P}/volumes/${secret}`);
    assert.equal(long.status, 400);
    assert.match(fault(long).message, /path segment is longer than 255/);
    assert.ok(!long.body.includes('s3cr3t'), 'the URL is not echoed');
    const huge = await get(`/v3/${P}/volumes`, { 'x-padding': 'p'.repeat(100_000) });
    assert.equal(huge.status, 431);
    assert.match(fault(huge).message, /request line and headers are too large/);
    for (const bytes of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /v3 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n']) {
      const c = new RawClient(Number(new URL(svc.url!).port));
      const r = await c.sendRaw(Buffer.from(bytes, 'latin1'));
      c.close();
      assert.equal(r.status, 400, bytes);
      assert.match(fault(r).message, /Malformed HTTP request/);
    }
    const c = new RawClient(Number(new URL(svc.url!).port));
    const connect = await c.sendRaw(Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 'latin1'));
    c.close();
    assert.equal(connect.status, 405);
    assert.equal(fault(connect).name, 'badMethod');
    assert.match(fault(connect).message, /CONNECT is not supported/);
  });

  test('a body nested 10,000 deep is a 400 naming the nesting', async () => {
    const r = await client.send({ method: 'POST', path: `/v3/${P}/volumes`, headers: { 'content-type': 'application/json' }, body: '{"volume":'.repeat(1) + '['.repeat(10_000) + ']'.repeat(10_000) + '}' });
    assert.equal(r.status, 400);
    assert.match(fault(r).message, /nested deeper than 32 levels/);
  });

  test('an unknown availability zone is a 400 naming the zone; a known one is accepted', async () => {
    const before = await svc.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const r = await client.send({ method: 'POST', path: `/v3/${P}/volumes`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ volume: { size: 1, availability_zone: 'atlantis' } }) });
    assert.equal(r.status, 400, r.body);
    assert.match(fault(r).message, /availability zone 'atlantis'.*zone-a/i);
    const after = await svc.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });
});
