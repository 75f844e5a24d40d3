// Tenancy and policy of groups, group types and group snapshots with real (fake-Keystone)
// tokens: another project's groups are not there at all (404, as Cinder answers), members
// cannot use admin-only routes or see group specs, private group types are hidden.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { waitUntil } from '../support/test-service.js';

const TOKENS: FakeTokens = {
  'admin-pa': { project: 'pa', roles: ['admin', 'member'] },
  'member-pa': { project: 'pa', roles: ['member'] },
  'member-pb': { project: 'pb', roles: ['member'] },
  'reader-pa': { project: 'pa', roles: ['reader'] },
};

for (const kind of ['sqlite', 'postgres'] as const) describe(`group policy and tenancy (${kind})`, () => {
  let keystone: FakeKeystone;
  let h: Harness;
  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: 'svc' } });
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });
  const call = (token: string, method: string, url: string, payload?: unknown, mv = '3.38') =>
    h.app.inject({ method: method as 'GET', url, headers: { 'x-auth-token': token, ...MV(mv) }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const status = (table: 'groups' | 'groupSnapshots', id: string, want: string[]) => waitUntil(async () => {
    const r = await h.db.kysely.selectFrom(table).select('status').where('id', '=', id).executeTakeFirst();
    return want.includes(r?.status ?? 'deleted') ? (r?.status ?? 'deleted') : undefined;
  });

  test('a member works with its own groups; another project sees none of them; admin-only routes are 403', async () => {
    const vt = (await call('admin-pa', 'POST', '/v3/pa/types', { volume_type: { name: `pvt-${kind}` } })).json().volume_type;
    const gt = (await call('admin-pa', 'POST', '/v3/pa/group_types', { group_type: { name: `pgt-${kind}`, group_specs: { secret: 'x' } } })).json().group_type;
    const hidden = (await call('admin-pa', 'POST', '/v3/pa/group_types', { group_type: { name: `hidden-${kind}`, is_public: false } })).json().group_type;

    const made = await call('member-pa', 'POST', '/v3/pa/groups', { group: { name: 'mine', group_type: gt.id, volume_types: [vt.id] } });
    assert.equal(made.statusCode, 202, made.body);
    const g = made.json().group;
    assert.equal(await status('groups', g.id, ['available', 'error']), 'available');
    const v = (await call('member-pa', 'POST', '/v3/pa/volumes', { volume: { size: 1, volume_type: vt.id, group_id: g.id } })).json().volume;
    assert.equal(await h.waitVolume(v.id, ['available', 'error']), 'available');
    const gs = (await call('member-pa', 'POST', '/v3/pa/group_snapshots', { group_snapshot: { group_id: g.id, name: 'gs' } })).json().group_snapshot;
    assert.equal(await status('groupSnapshots', gs.id, ['available', 'error']), 'available');

    // The member sees the types, without their specs, and not the private one.
    const types = await call('member-pa', 'GET', '/v3/pa/group_types', undefined, '3.11');
    assertMatchesTempestSchema('group_types.list_group_types', '3.11', { status: types.statusCode, body: types.body });
    const listed = types.json().group_types;
    assert.ok(listed.every((t: Record<string, unknown>) => !('group_specs' in t)), 'group specs are for admins');
    assert.ok(!listed.some((t: { id: string }) => t.id === hidden.id));
    assert.equal((await call('member-pa', 'GET', `/v3/pa/group_types/${hidden.id}`)).statusCode, 404);

    // Another project: not found, whatever the route.
    const other: Array<[string, string, unknown?]> = [
      ['GET', `/v3/pb/groups/${g.id}`],
      ['PUT', `/v3/pb/groups/${g.id}`, { group: { name: 'stolen' } }],
      ['POST', `/v3/pb/groups/${g.id}/action`, { delete: { 'delete-volumes': true } }],
      ['GET', `/v3/pb/group_snapshots/${gs.id}`],
      ['DELETE', `/v3/pb/group_snapshots/${gs.id}`],
      ['POST', '/v3/pb/group_snapshots', { group_snapshot: { group_id: g.id } }],
      ['POST', '/v3/pb/groups/action', { 'create-from-src': { source_group_id: g.id } }],
      ['POST', '/v3/pb/groups/action', { 'create-from-src': { group_snapshot_id: gs.id } }],
      ['POST', '/v3/pb/volumes', { volume: { size: 1, volume_type: vt.id, group_id: g.id } }],
      ['GET', `/v3/pb/consistencygroups/${g.id}`],
    ];
    for (const [method, url, body] of other) {
      const r = await call('member-pb', method, url, body);
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
    }
    assert.deepEqual((await call('member-pb', 'GET', '/v3/pb/groups/detail')).json().groups, []);
    assert.deepEqual((await call('member-pb', 'GET', '/v3/pb/group_snapshots')).json().group_snapshots, []);
    assert.equal((await call('member-pb', 'GET', '/v3/pb/groups?all_tenants=1')).statusCode, 400);
    // pb's own group cannot take pa's volume.
    const pbGroup = (await call('member-pb', 'POST', '/v3/pb/groups', { group: { name: 'pbg', group_type: gt.id, volume_types: [vt.id] } })).json().group;
    assert.equal(await status('groups', pbGroup.id, ['available', 'error']), 'available');
    const steal = await call('member-pb', 'PUT', `/v3/pb/groups/${pbGroup.id}`, { group: { add_volumes: v.id } });
    assert.equal(steal.statusCode, 400, steal.body);
    assert.match(steal.body, /cannot be found/);

    // Admin-only: group type writes, group specs, reset status; readers write nothing.
    const adminOnly: Array<[string, string, unknown?]> = [
      ['POST', '/v3/pa/group_types', { group_type: { name: 'nope' } }],
      ['PUT', `/v3/pa/group_types/${gt.id}`, { group_type: { description: 'x' } }],
      ['DELETE', `/v3/pa/group_types/${gt.id}`],
      ['GET', `/v3/pa/group_types/${gt.id}/group_specs`],
      ['POST', `/v3/pa/group_types/${gt.id}/group_specs`, { group_specs: { a: 'b' } }],
      ['POST', `/v3/pa/groups/${g.id}/action`, { reset_status: { status: 'error' } }],
      ['POST', `/v3/pa/group_snapshots/${gs.id}/action`, { reset_status: { status: 'error' } }],
    ];
    for (const [method, url, body] of adminOnly) {
      const r = await call('member-pa', method, url, body);
      assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
    }
    const readerWrite = await call('reader-pa', 'POST', '/v3/pa/groups', { group: { name: 'r', group_type: gt.id, volume_types: [vt.id] } });
    assert.equal(readerWrite.statusCode, 403);
    assert.equal((await call('reader-pa', 'GET', `/v3/pa/groups/${g.id}`)).statusCode, 200);
    // The admin sees every project's groups.
    const all = (await call('admin-pa', 'GET', '/v3/pa/groups?all_tenants=1')).json().groups.map((x: { id: string }) => x.id);
    assert.ok(all.includes(g.id) && all.includes(pbGroup.id));
    // Nothing the refused calls touched changed.
    assert.equal((await call('member-pa', 'GET', `/v3/pa/groups/${g.id}`)).json().group.name, 'mine');
    assert.equal((await call('member-pa', 'GET', `/v3/pa/group_snapshots/${gs.id}`)).json().group_snapshot.status, 'available');
  });
});
