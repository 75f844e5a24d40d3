// Tenancy and policy seen from outside, with Keystone tokens (a fake Keystone on loopback):
// a member of project B neither sees nor touches project A's volumes and snapshots (404, as
// Cinder answers: the resource is not there for B), a member gets 403 on admin-only actions
// and sees no admin-only attribute, a reader of A reads A but writes nothing. After each
// refused request the resource is checked unchanged.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { makeHarness, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';

const TOKENS: FakeTokens = {
  'member-a': { project: 'pa', roles: ['member', 'reader'] },
  'reader-a': { project: 'pa', roles: ['reader'] },
  'member-b': { project: 'pb', roles: ['member', 'reader'] },
  'admin-x': { project: 'px', roles: ['admin', 'member', 'reader'] },
};
const INSTANCE = '11111111-2222-3333-4444-555555555555';
const CONNECTOR = { initiator: 'iqn.1994-05.com.redhat:b', host: 'host-b' };

for (const kind of DB_KINDS) describe(`tenancy and policy from outside (${kind})`, () => {
  let keystone: FakeKeystone;
  let h: Harness;
  let volA: string;
  let snapA: string;

  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: 'svc' } });
    const v = await call('member-a', 'POST', '/v3/pa/volumes', { volume: { size: 1, name: 'a-vol', metadata: { owner: 'a' } } });
    assert.equal(v.statusCode, 202, v.body);
    volA = v.json().volume.id;
    assert.equal(await h.waitVolume(volA, ['available', 'error']), 'available');
    const s = await call('member-a', 'POST', '/v3/pa/snapshots', { snapshot: { volume_id: volA, name: 'a-snap', metadata: { owner: 'a' } } });
    assert.equal(s.statusCode, 202, s.body);
    snapA = s.json().snapshot.id;
    assert.equal(await h.waitSnapshot(snapA, ['available', 'error']), 'available');
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });

  function call(token: string, method: string, url: string, payload?: unknown, mv?: string): Promise<LightMyRequestResponse> {
    return h.app.inject({
      method: method as 'GET', url,
      headers: { 'x-auth-token': token, ...(mv ? { 'openstack-api-version': `volume ${mv}` } : {}) },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  }

  /** What A's resources look like in the database: any refused request must leave it as it was. */
  async function stateOfA() {
    const v = await h.db.kysely.selectFrom('volumes').selectAll().where('id', '=', volA).executeTakeFirst();
    const s = await h.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', snapA).executeTakeFirst();
    const md = await h.db.kysely.selectFrom('volumeMetadata').selectAll().where('resourceId', '=', volA).execute();
    const smd = await h.db.kysely.selectFrom('snapshotMetadata').selectAll().where('resourceId', '=', snapA).execute();
    const att = await h.db.kysely.selectFrom('attachments').select('id').where('volumeId', '=', volA).execute();
    return { v, s, md, smd, att: att.length };
  }

  test('a member of B gets 404 for every read, write and action on A\'s volume and snapshot', async () => {
    const before = await stateOfA();
    const V = `/v3/pb/volumes/${volA}`;
    const S = `/v3/pb/snapshots/${snapA}`;
    const requests: [string, string, unknown?, string?][] = [
      ['GET', V], ['PUT', V, { volume: { name: 'stolen' } }], ['DELETE', V], ['DELETE', `${V}?cascade=true`],
      ['GET', `${V}/metadata`], ['POST', `${V}/metadata`, { metadata: { b: '1' } }], ['PUT', `${V}/metadata`, { metadata: {} }],
      ['GET', `${V}/metadata/owner`], ['PUT', `${V}/metadata/owner`, { meta: { owner: 'b' } }], ['DELETE', `${V}/metadata/owner`],
      ['POST', `${V}/action`, { 'os-extend': { new_size: 5 } }],
      ['POST', `${V}/action`, { 'os-set_bootable': { bootable: true } }],
      ['POST', `${V}/action`, { 'os-update_readonly_flag': { readonly: true } }],
      ['POST', `${V}/action`, { 'os-reserve': null }],
      ['POST', `${V}/action`, { 'os-initialize_connection': { connector: CONNECTOR } }],
      ['POST', `${V}/action`, { 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdb' } }],
      ['POST', `${V}/action`, { 'os-detach': {} }],
      ['POST', `${V}/action`, { 'os-volume_upload_image': { image_name: 'img' } }],
      ['POST', `${V}/action`, { revert: { snapshot_id: snapA } }, '3.40'],
      ['GET', S], ['PUT', S, { snapshot: { name: 'stolen' } }], ['DELETE', S],
      ['GET', `${S}/metadata`], ['POST', `${S}/metadata`, { metadata: { b: '1' } }], ['DELETE', `${S}/metadata/owner`],
      // B cannot reach A's resources by naming them in its own requests either.
      ['POST', '/v3/pb/snapshots', { snapshot: { volume_id: volA } }],
      ['POST', '/v3/pb/volumes', { volume: { snapshot_id: snapA } }],
      ['POST', '/v3/pb/volumes', { volume: { source_volid: volA } }],
      ['POST', '/v3/pb/attachments', { attachment: { volume_uuid: volA, instance_uuid: INSTANCE } }, '3.27'],
    ];
    for (const [method, url, payload, mv] of requests) {
      const r = await call('member-b', method, url, payload, mv);
      assert.equal(r.statusCode, 404, `${method} ${url} ${JSON.stringify(payload ?? '')}: ${r.body}`);
      assert.ok(r.json().itemNotFound, `${method} ${url}: a Cinder itemNotFound fault`);
      // The same read by A's member finds it: the 404 is B's scope, not a wrong URL.
      if (method === 'GET') assert.equal((await call('member-a', method, url.replace('/v3/pb/', '/v3/pa/'), payload, mv)).statusCode, 200, url);
    }
    assert.deepEqual(await stateOfA(), before, 'A\'s volume, snapshot, metadata and attachments are unchanged');
    // Nor does B's quota carry anything B could not create.
    assert.equal((await h.db.kysely.selectFrom('volumes').select('id').where('projectId', '=', 'pb').execute()).length, 0);
  });

  test('lists and summaries of B leave A out; all_tenants is refused to a member', async () => {
    for (const url of ['/v3/pb/volumes', '/v3/pb/volumes/detail', '/v3/pb/snapshots', '/v3/pb/snapshots/detail']) {
      const r = await call('member-b', 'GET', url);
      assert.equal(r.statusCode, 200, r.body);
      const items = r.json().volumes ?? r.json().snapshots;
      assert.deepEqual(items, [], `${url} shows nothing of A`);
    }
    assert.deepEqual((await call('member-b', 'GET', '/v3/pb/volumes/summary', undefined, '3.12')).json()['volume-summary'], { total_size: 0, total_count: 0 });
    for (const url of ['/v3/pb/volumes?all_tenants=1', '/v3/pb/snapshots?all_tenants=1', `/v3/pb/volumes?all_tenants=1&project_id=pa`]) {
      assert.equal((await call('member-b', 'GET', url)).statusCode, 400, url);
    }
    assert.equal((await call('member-b', 'GET', '/v3/pb/os-quota-sets/pa')).statusCode, 403, 'another project\'s quotas');
    // The admin sees A's volume across projects.
    const all = (await call('admin-x', 'GET', '/v3/px/volumes?all_tenants=1')).json().volumes;
    assert.ok(all.some((v: { id: string }) => v.id === volA));
  });

  test('a member gets 403 on admin-only actions and routes, even on its own volume', async () => {
    const before = await stateOfA();
    const V = `/v3/pa/volumes/${volA}`;
    const S = `/v3/pa/snapshots/${snapA}`;
    const requests: [string, string, unknown?, string?][] = [
      ['POST', `${V}/action`, { 'os-reset_status': { status: 'error' } }],
      ['POST', `${V}/action`, { 'os-force_delete': {} }],
      ['POST', `${V}/action`, { 'os-force_detach': {} }],
      ['POST', `${V}/action`, { 'os-unmanage': {} }],
      ['DELETE', `${V}?force=true`],
      ['POST', `${S}/action`, { 'os-reset_status': { status: 'error' } }],
      ['POST', `${S}/action`, { 'os-force_delete': {} }],
      ['POST', '/v3/pa/types', { volume_type: { name: 'mine' } }],
      ['POST', '/v3/pa/qos-specs', { qos_specs: { name: 'mine' } }],
      ['GET', '/v3/pa/qos-specs'],
      ['PUT', '/v3/pa/os-quota-sets/pa', { quota_set: { volumes: 1000 } }],
      ['DELETE', '/v3/pa/os-quota-sets/pa'],
      ['GET', '/v3/pa/os-services'],
      ['PUT', '/v3/pa/os-services/disable', { host: h.backendHost, binary: 'flint-volume' }],
      ['GET', '/v3/pa/scheduler-stats/get_pools'],
      ['GET', `/v3/pa/capabilities/${h.backendHost}`],
      ['POST', '/v3/pa/os-volume-manage', { volume: { host: `${h.backendHost}#pool0`, ref: { 'source-name': 'x' } } }],
      ['GET', `/v3/pa/manageable_volumes?host=${h.backendHost}`, undefined, '3.8'],
    ];
    for (const [method, url, payload, mv] of requests) {
      const r = await call('member-a', method, url, payload, mv);
      assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
      assert.ok(r.json().forbidden, `${method} ${url}: a Cinder forbidden fault`);
    }
    assert.deepEqual(await stateOfA(), before);
    assert.equal((await h.db.kysely.selectFrom('volumeTypes').select('id').where('name', '=', 'mine').execute()).length, 0);
    const services = await h.db.kysely.selectFrom('services').select('disabled').execute();
    assert.ok(services.every((s) => s.disabled === 0), 'no service was disabled');
  });

  test('a member sees no admin-only attribute of its volume; an admin of another project does', async () => {
    const adminOnly = ['os-vol-host-attr:host', 'os-vol-mig-status-attr:migstat', 'os-vol-mig-status-attr:name_id', 'migration_status', 'provider_id', 'cluster_name'];
    for (const url of [`/v3/pa/volumes/${volA}`, '/v3/pa/volumes/detail']) {
      const r = await call('member-a', 'GET', url, undefined, '3.70');
      const v = r.json().volume ?? r.json().volumes[0];
      for (const k of adminOnly) assert.ok(!(k in v), `${url}: member sees no ${k}`);
      assert.equal(v['os-vol-tenant-attr:tenant_id'], 'pa', 'a reader of the project sees the project');
    }
    const asAdmin = (await call('admin-x', 'GET', `/v3/px/volumes/detail?all_tenants=1`, undefined, '3.70')).json().volumes.find((v: { id: string }) => v.id === volA);
    for (const k of adminOnly) assert.ok(k in asAdmin, `admin sees ${k}`);
    assert.equal(asAdmin['os-vol-host-attr:host'], `${h.backendHost}#pool0`);
    const t = await call('admin-x', 'POST', '/v3/px/types', { volume_type: { name: 'backend-pinned', extra_specs: { volume_backend_name: 'fake', multiattach: '<is> True' } } });
    assert.equal(t.statusCode, 200, t.body);
    const seen = (await call('member-a', 'GET', `/v3/pa/types/${t.json().volume_type.id}`)).json().volume_type;
    assert.deepEqual(seen.extra_specs, { multiattach: '<is> True' }, 'the backend name is not shown to members');
    assert.ok(!('qos_specs_id' in seen));
  });

  test('a reader of A reads A\'s volume but every write is 403 and changes nothing', async () => {
    assert.equal((await call('reader-a', 'GET', `/v3/pa/volumes/${volA}`)).statusCode, 200);
    assert.equal((await call('reader-a', 'GET', `/v3/pa/snapshots/${snapA}`)).statusCode, 200);
    const before = await stateOfA();
    const V = `/v3/pa/volumes/${volA}`;
    for (const [method, url, payload] of [
      ['PUT', V, { volume: { name: 'r' } }], ['DELETE', V], ['POST', `${V}/metadata`, { metadata: { r: '1' } }],
      ['POST', `${V}/action`, { 'os-extend': { new_size: 3 } }], ['POST', '/v3/pa/snapshots', { snapshot: { volume_id: volA } }],
      ['DELETE', `/v3/pa/snapshots/${snapA}`], ['POST', '/v3/pa/volumes', { volume: { size: 1 } }],
    ] as [string, string, unknown?][]) {
      const r = await call('reader-a', method, url, payload);
      assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
    }
    assert.deepEqual(await stateOfA(), before);
  });
});
