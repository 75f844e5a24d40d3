// Generic volume groups through the API over the real services (scheduler, volume manager on
// the fake driver, SQLite and PostgreSQL): group types and specs, groups with their volumes,
// group snapshots, create-from-source, quotas, the errors Cinder answers, every response
// checked against Tempest's published schema for the microversion sent.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { waitUntil } from '../support/test-service.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`generic volume groups (${kind})`, () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness({ db: kind });
  });
  after(async () => { await h.close(); });

  const call = (method: string, url: string, mv: string | null, payload?: unknown) =>
    h.app.inject({ method: method as 'GET', url, headers: mv ? MV(mv) : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  /** Calls and checks the response against Tempest's schema `schema` at microversion `mv`. */
  const checked = async (schema: string, method: string, url: string, mv: string, payload?: unknown) => {
    const r = await call(method, url, mv, payload);
    assertMatchesTempestSchema(schema, mv, { status: r.statusCode, body: r.body });
    return r.body ? r.json() : null;
  };
  const status = async (table: 'groups' | 'groupSnapshots' | 'volumes' | 'snapshots', id: string, want: string[]) => waitUntil(async () => {
    const r = await h.db.kysely.selectFrom(table).select('status').where('id', '=', id).executeTakeFirst();
    const s = r?.status ?? 'deleted';
    return want.includes(s) ? s : undefined;
  });
  let seq = 0;
  const newVolumeType = async () => (await call('POST', '/v3/p1/types', null, { volume_type: { name: `vt-${kind}-${++seq}` } })).json().volume_type;
  const newGroupType = async (specs: Record<string, string> = {}) =>
    (await checked('group_types.create_group_type', 'POST', '/v3/p1/group_types', '3.11', { group_type: { name: `gt-${kind}-${++seq}`, group_specs: specs } })).group_type;
  const newGroup = async (gt: string, vt: string) => {
    const g = (await checked('groups.create_group', 'POST', '/v3/p1/groups', '3.13', { group: { name: `g${++seq}`, group_type: gt, volume_types: [vt] } })).group;
    assert.equal(await status('groups', g.id, ['available', 'error']), 'available');
    return g;
  };
  const newVolumeIn = async (groupId: string, vt: string) => {
    const r = await call('POST', '/v3/p1/volumes', '3.13', { volume: { size: 1, volume_type: vt, group_id: groupId } });
    assert.equal(r.statusCode, 202, r.body);
    const v = r.json().volume;
    assert.equal(v.group_id, groupId);
    assert.equal(await h.waitVolume(v.id, ['available', 'error']), 'available');
    return v;
  };

  test('group types: create, list sorted and by is_public, show, update, delete; group specs CRUD', async () => {
    const a = (await checked('group_types.create_group_type', 'POST', '/v3/p1/group_types', '3.11', {
      group_type: { name: `a-${kind}`, description: 'd', group_specs: { consistent_group_snapshot_enabled: '<is> False' }, is_public: true },
    })).group_type;
    assert.deepEqual(a.group_specs, { consistent_group_snapshot_enabled: '<is> False' });
    const b = (await checked('group_types.create_group_type', 'POST', '/v3/p1/group_types', '3.11', { group_type: { name: `b-${kind}`, is_public: false } })).group_type;
    const names = async (query: string) => (await checked('group_types.list_group_types', 'GET', `/v3/p1/group_types?${query}`, '3.11')).group_types.map((t: { name: string }) => t.name);
    const asc = await names('sort=name:asc&is_public=None');
    assert.ok(asc.indexOf(a.name) < asc.indexOf(b.name));
    const desc = await names('sort=name:desc&is_public=None');
    assert.ok(desc.indexOf(b.name) < desc.indexOf(a.name));
    assert.ok(!(await names('is_public=False')).includes(a.name));
    assert.ok((await names('is_public=False')).includes(b.name));
    assert.ok(!(await names('is_public=True')).includes(b.name));
    const dup = await call('POST', '/v3/p1/group_types', '3.11', { group_type: { name: a.name } });
    assert.equal(dup.statusCode, 409, dup.body);

    const upd = (await checked('group_types.update_group_type', 'PUT', `/v3/p1/group_types/${a.id}`, '3.11', { group_type: { name: `a2-${kind}`, description: 'new' } })).group_type;
    assert.equal(upd.name, `a2-${kind}`);
    const shown = (await checked('group_types.show_group_type', 'GET', `/v3/p1/group_types/${a.id}`, '3.11')).group_type;
    assert.deepEqual([shown.description, shown.is_public, shown.group_specs], ['new', true, { consistent_group_snapshot_enabled: '<is> False' }]);

    const specs = (await checked('group_types.create_or_update_group_type_specs', 'POST', `/v3/p1/group_types/${a.id}/group_specs`, '3.11', { group_specs: { k1: 'v1', k2: 'v2' } })).group_specs;
    assert.deepEqual(specs, { k1: 'v1', k2: 'v2' });
    assert.deepEqual(await checked('group_types.show_group_type_specs_item', 'GET', `/v3/p1/group_types/${a.id}/group_specs/k2`, '3.11'), { k2: 'v2' });
    assert.deepEqual(await checked('group_types.update_group_type_specs_item', 'PUT', `/v3/p1/group_types/${a.id}/group_specs/k2`, '3.11', { k2: 'v3' }), { k2: 'v3' });
    assert.deepEqual((await checked('group_types.list_group_type_specs', 'GET', `/v3/p1/group_types/${a.id}/group_specs`, '3.11')).group_specs,
      { consistent_group_snapshot_enabled: '<is> False', k1: 'v1', k2: 'v3' });
    await checked('group_types.delete_group_type_specs_item', 'DELETE', `/v3/p1/group_types/${a.id}/group_specs/k1`, '3.11');
    assert.equal((await call('GET', `/v3/p1/group_types/${a.id}/group_specs/k1`, '3.11')).statusCode, 404);
    assert.equal((await call('DELETE', `/v3/p1/group_types/${a.id}/group_specs/k1`, '3.11')).statusCode, 404);
    const mismatch = await call('PUT', `/v3/p1/group_types/${a.id}/group_specs/k2`, '3.11', { other: 'x' });
    assert.equal(mismatch.statusCode, 400, mismatch.body);

    await checked('group_types.delete_group_type', 'DELETE', `/v3/p1/group_types/${a.id}`, '3.11');
    await checked('group_types.delete_group_type', 'DELETE', `/v3/p1/group_types/${b.id}`, '3.11');
    assert.equal((await call('GET', `/v3/p1/group_types/${a.id}`, '3.11')).statusCode, 404);
    assert.equal((await call('GET', '/v3/p1/group_types', '3.10')).statusCode, 404, 'group types start at 3.11');
    assert.equal((await call('GET', '/v3/p1/group_types/default', '3.11')).statusCode, 404, 'no default_group_type configured');
  });

  test('the reserved default_cgsnapshot_type is listed but cannot be changed or deleted', async () => {
    const all = (await call('GET', '/v3/p1/group_types', '3.11')).json().group_types;
    const cg = all.find((t: { name: string }) => t.name === 'default_cgsnapshot_type');
    assert.ok(cg, 'seeded by the migration');
    assert.deepEqual(cg.group_specs, { consistent_group_snapshot_enabled: '<is> True' });
    for (const [method, url, payload] of [
      ['PUT', `/v3/p1/group_types/${cg.id}`, { group_type: { name: 'x' } }],
      ['DELETE', `/v3/p1/group_types/${cg.id}`, undefined],
      ['POST', `/v3/p1/group_types/${cg.id}/group_specs`, { group_specs: { a: 'b' } }],
    ] as const) {
      const r = await call(method, url, '3.11', payload);
      assert.equal(r.statusCode, 400, `${method} ${url}: ${r.body}`);
      assert.match(r.body, /reserved/);
    }
  });

  test('groups: create, volumes in the group, show with volumes (3.25), update remove/add, delete with volumes; quota counts groups', async () => {
    const vt = await newVolumeType();
    const gt = await newGroupType();
    const g = await newGroup(gt.id, vt.id);
    const empty = await newGroup(gt.id, vt.id);
    const v1 = await newVolumeIn(g.id, vt.id);
    const v2 = await newVolumeIn(g.id, vt.id);
    const shown = (await checked('groups.show_group', 'GET', `/v3/p1/groups/${g.id}?list_volume=True`, '3.25')).group;
    assert.deepEqual([shown.status, shown.group_type, shown.volume_types, [...shown.volumes].sort()], ['available', gt.id, [vt.id], [v1.id, v2.id].sort()]);
    assert.equal((await checked('groups.show_group', 'GET', `/v3/p1/groups/${g.id}`, '3.13')).group.volumes, undefined, 'volumes only from 3.25');
    const detail = (await checked('groups.list_groups_with_detail', 'GET', '/v3/p1/groups/detail', '3.13')).groups;
    assert.deepEqual(detail.map((x: { id: string }) => x.id).sort(), [g.id, empty.id].sort());
    await checked('groups.list_groups_no_detail', 'GET', '/v3/p1/groups', '3.13');
    const first = (await checked('groups.list_groups_with_detail', 'GET', '/v3/p1/groups/detail?limit=1', '3.13')).groups;
    assert.equal(first.length, 1);
    const rest = (await call('GET', `/v3/p1/groups/detail?marker=${first[0].id}`, '3.13')).json().groups;
    assert.deepEqual([...first, ...rest].map((x: { id: string }) => x.id).sort(), [g.id, empty.id].sort(), 'limit and marker page the list');
    assert.equal((await call('GET', '/v3/p1/groups?marker=00000000-0000-0000-0000-000000000000', '3.13')).statusCode, 404, 'an unknown marker is 404');
    const quota = (await call('GET', '/v3/p1/os-quota-sets/p1?usage=True', null)).json().quota_set;
    assert.equal(quota.groups.in_use, 2);

    await checked('groups.update_group', 'PUT', `/v3/p1/groups/${g.id}`, '3.13', { group: { name: 'renamed', description: 'nd', remove_volumes: v2.id } });
    assert.equal(await status('groups', g.id, ['available', 'error']), 'available');
    assert.equal((await h.row(v2.id))?.groupId, null);
    const after = (await call('GET', `/v3/p1/groups/${g.id}`, '3.13')).json().group;
    assert.deepEqual([after.name, after.description], ['renamed', 'nd']);
    await checked('groups.update_group', 'PUT', `/v3/p1/groups/${g.id}`, '3.13', { group: { add_volumes: v2.id } });
    assert.equal(await status('groups', g.id, ['available', 'error']), 'available');
    assert.equal((await h.row(v2.id))?.groupId, g.id);
    assert.equal(h.store.groups().get(g.id)?.has(v2.id), true, 'the array has it in the group');

    const keep = await call('POST', `/v3/p1/groups/${g.id}/action`, '3.13', { delete: { 'delete-volumes': false } });
    assert.equal(keep.statusCode, 400, keep.body);
    assert.match(keep.body, /delete-volumes flag is required/);
    await checked('groups.delete_group', 'POST', `/v3/p1/groups/${g.id}/action`, '3.13', { delete: { 'delete-volumes': true } });
    await checked('groups.delete_group', 'POST', `/v3/p1/groups/${empty.id}/action`, '3.13', { delete: { 'delete-volumes': false } });
    for (const id of [g.id, empty.id]) assert.equal(await status('groups', id, ['deleted', 'error_deleting']), 'deleted');
    for (const v of [v1, v2]) {
      assert.equal((await h.row(v.id)), undefined);
      assert.equal(h.store.volumes().has(v.id), false, 'gone from the array');
    }
    assert.equal((await call('GET', `/v3/p1/groups/${g.id}`, '3.13')).statusCode, 404);
    const usage = (await call('GET', '/v3/p1/os-quota-sets/p1?usage=True', null)).json().quota_set;
    assert.deepEqual([usage.groups.in_use, usage.groups.reserved], [0, 0]);
    // The group type is free again.
    assert.equal((await call('DELETE', `/v3/p1/group_types/${gt.id}`, '3.11')).statusCode, 202);
  });

  test('group snapshots: create with a snapshot per volume, show, list, groups from it and from the group, reset status, delete', async () => {
    const vt = await newVolumeType();
    const gt = await newGroupType();
    const g = await newGroup(gt.id, vt.id);
    const v = await newVolumeIn(g.id, vt.id);
    const gs = (await checked('group_snapshots.create_group_snapshot', 'POST', '/v3/p1/group_snapshots', '3.14', { group_snapshot: { group_id: g.id, name: 'gs1' } })).group_snapshot;
    assert.equal(gs.group_type_id, gt.id);
    assert.equal(await status('groupSnapshots', gs.id, ['available', 'error']), 'available');
    const snaps = (await call('GET', '/v3/p1/snapshots/detail', '3.14')).json().snapshots.filter((s: { volume_id: string }) => s.volume_id === v.id);
    assert.equal(snaps.length, 1);
    assert.deepEqual([snaps[0].status, snaps[0].group_snapshot_id], ['available', gs.id]);
    const alone = await call('DELETE', `/v3/p1/snapshots/${snaps[0].id}`, '3.14');
    assert.equal(alone.statusCode, 400, 'a member goes with its group snapshot');
    const cascade = await call('DELETE', `/v3/p1/volumes/${v.id}?cascade=true`, '3.14');
    assert.equal(cascade.statusCode, 400, 'nor with its volume');
    assert.equal((await h.row(v.id))?.status, 'available');
    const shown = (await checked('group_snapshots.show_group_snapshot', 'GET', `/v3/p1/group_snapshots/${gs.id}`, '3.14')).group_snapshot;
    assert.deepEqual([shown.name, shown.group_id, shown.status], ['gs1', g.id, 'available']);
    const listed = (await checked('group_snapshots.list_group_snapshots_with_detail', 'GET', '/v3/p1/group_snapshots/detail', '3.14')).group_snapshots;
    assert.ok(listed.some((x: { id: string }) => x.id === gs.id));
    await checked('group_snapshots.list_group_snapshots_no_detail', 'GET', '/v3/p1/group_snapshots', '3.14');

    const hasSnaps = await call('POST', `/v3/p1/groups/${g.id}/action`, '3.14', { delete: { 'delete-volumes': true } });
    assert.equal(hasSnaps.statusCode, 400, 'a group with group snapshots is not deleted');

    const fromSnap = (await checked('groups.create_group_from_source', 'POST', '/v3/p1/groups/action', '3.14', { 'create-from-src': { group_snapshot_id: gs.id, name: 'from-gs' } })).group;
    const fromGroup = (await checked('groups.create_group_from_source', 'POST', '/v3/p1/groups/action', '3.14', { 'create-from-src': { source_group_id: g.id, name: 'from-g' } })).group;
    for (const made of [fromSnap, fromGroup]) {
      assert.equal(await status('groups', made.id, ['available', 'error']), 'available');
      const members = await h.db.kysely.selectFrom('volumes').selectAll().where('groupId', '=', made.id).execute();
      assert.equal(members.length, 1);
      assert.equal(members[0]!.status, 'available', 'the group is available once its volumes are');
      assert.ok(h.store.volumes().has(members[0]!.id), 'made on the array');
      const shownMade = (await checked('groups.show_group', 'GET', `/v3/p1/groups/${made.id}`, '3.14')).group;
      assert.deepEqual([shownMade.group_type, shownMade.volume_types], [gt.id, [vt.id]]);
    }
    assert.equal((await h.db.kysely.selectFrom('volumes').select('snapshotId').where('groupId', '=', fromSnap.id).executeTakeFirstOrThrow()).snapshotId, snaps[0].id);
    const both = await call('POST', '/v3/p1/groups/action', '3.14', { 'create-from-src': { group_snapshot_id: gs.id, source_group_id: g.id } });
    assert.equal(both.statusCode, 400, both.body);
    const neither = await call('POST', '/v3/p1/groups/action', '3.14', { 'create-from-src': { name: 'x' } });
    assert.equal(neither.statusCode, 400, neither.body);

    for (const s of ['creating', 'available', 'error']) {
      await checked('group_snapshots.reset_group_snapshot_status', 'POST', `/v3/p1/group_snapshots/${gs.id}/action`, '3.19', { reset_status: { status: s } });
      assert.equal((await call('GET', `/v3/p1/group_snapshots/${gs.id}`, '3.19')).json().group_snapshot.status, s);
    }
    const bad = await call('POST', `/v3/p1/group_snapshots/${gs.id}/action`, '3.19', { reset_status: { status: 'bogus' } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await call('POST', `/v3/p1/group_snapshots/${gs.id}/action`, '3.18', { reset_status: { status: 'error' } })).statusCode, 404, 'reset needs 3.19');

    await checked('group_snapshots.delete_group_snapshot', 'DELETE', `/v3/p1/group_snapshots/${gs.id}`, '3.14');
    assert.equal(await status('groupSnapshots', gs.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal(await status('snapshots', snaps[0].id, ['deleted']), 'deleted');
    assert.equal(h.store.snapshots().has(snaps[0].id), false);
    for (const id of [fromSnap.id, fromGroup.id, g.id]) {
      await checked('groups.delete_group', 'POST', `/v3/p1/groups/${id}/action`, '3.14', { delete: { 'delete-volumes': true } });
      assert.equal(await status('groups', id, ['deleted', 'error_deleting']), 'deleted');
    }
    const usage = (await call('GET', '/v3/p1/os-quota-sets/p1?usage=True', null)).json().quota_set;
    assert.deepEqual([usage.groups.in_use, usage.snapshots.in_use, usage.groups.reserved, usage.snapshots.reserved], [0, 0, 0, 0]);
  });

  test('the legacy consistency group API maps onto groups of default_cgsnapshot_type', async () => {
    const vt = await newVolumeType();
    const made = await call('POST', '/v3/p1/consistencygroups', null, { consistencygroup: { name: 'cg1', volume_types: `${vt.id},` } });
    assert.equal(made.statusCode, 202, made.body);
    const cg = made.json().consistencygroup;
    assert.deepEqual(Object.keys(cg).sort(), ['id', 'name']);
    assert.equal(await status('groups', cg.id, ['available', 'error']), 'available');
    const shown = (await call('GET', `/v3/p1/consistencygroups/${cg.id}`, null)).json().consistencygroup;
    assert.deepEqual([shown.name, shown.status, shown.volume_types], ['cg1', 'available', [vt.id]]);
    const asGroup = (await call('GET', `/v3/p1/groups/${cg.id}`, '3.13')).json().group;
    const cgType = (await call('GET', '/v3/p1/group_types/default_cgsnapshot_type', '3.11')).json().group_type;
    assert.equal(asGroup.group_type, cgType.id, 'a group of the reserved type');
    const v = await call('POST', '/v3/p1/volumes', null, { volume: { size: 1, volume_type: vt.id, consistencygroup_id: cg.id } });
    assert.equal(v.statusCode, 202, v.body);
    assert.equal(await h.waitVolume(v.json().volume.id, ['available', 'error']), 'available');
    assert.equal((await h.row(v.json().volume.id))?.groupId, cg.id);
    assert.ok((await call('GET', '/v3/p1/consistencygroups/detail', null)).json().consistencygroups.some((x: { id: string }) => x.id === cg.id));

    // A group of another type is not a consistency group.
    const gt = await newGroupType();
    const g = await newGroup(gt.id, vt.id);
    assert.equal((await call('GET', `/v3/p1/consistencygroups/${g.id}`, null)).statusCode, 404);
    assert.ok(!(await call('GET', '/v3/p1/consistencygroups', null)).json().consistencygroups.some((x: { id: string }) => x.id === g.id));

    const snap = await call('POST', '/v3/p1/cgsnapshots', null, { cgsnapshot: { consistencygroup_id: cg.id, name: 'cgs' } });
    assert.equal(snap.statusCode, 202, snap.body);
    const cgs = snap.json().cgsnapshot;
    assert.equal(await status('groupSnapshots', cgs.id, ['available', 'error']), 'available');
    const cgsShown = (await call('GET', `/v3/p1/cgsnapshots/${cgs.id}`, null)).json().cgsnapshot;
    assert.deepEqual([cgsShown.consistencygroup_id, cgsShown.status, cgsShown.name], [cg.id, 'available', 'cgs']);
    const fromSnap = await call('POST', '/v3/p1/consistencygroups/create_from_src', null, { 'consistencygroup-from-src': { cgsnapshot_id: cgs.id, name: 'cg2' } });
    assert.equal(fromSnap.statusCode, 202, fromSnap.body);
    const cg2 = fromSnap.json().consistencygroup;
    assert.equal(await status('groups', cg2.id, ['available', 'error']), 'available');
    const updated = await call('PUT', `/v3/p1/consistencygroups/${cg.id}`, null, { consistencygroup: { name: 'renamed' } });
    assert.equal(updated.statusCode, 202, updated.body);
    assert.equal((await call('GET', `/v3/p1/consistencygroups/${cg.id}`, null)).json().consistencygroup.name, 'renamed');

    const busy = await call('POST', `/v3/p1/consistencygroups/${cg.id}/delete`, null, { consistencygroup: { force: true } });
    assert.equal(busy.statusCode, 400, 'a consistency group with cgsnapshots stays');
    assert.equal((await call('DELETE', `/v3/p1/cgsnapshots/${cgs.id}`, null)).statusCode, 202);
    assert.equal(await status('groupSnapshots', cgs.id, ['deleted', 'error_deleting']), 'deleted');
    const noForce = await call('POST', `/v3/p1/consistencygroups/${cg.id}/delete`, null, { consistencygroup: { force: false } });
    assert.equal(noForce.statusCode, 400, 'volumes need force');
    for (const id of [cg.id, cg2.id]) {
      assert.equal((await call('POST', `/v3/p1/consistencygroups/${id}/delete`, null, { consistencygroup: { force: true } })).statusCode, 202);
      assert.equal(await status('groups', id, ['deleted', 'error_deleting']), 'deleted');
    }
    await call('POST', `/v3/p1/groups/${g.id}/action`, '3.13', { delete: {} });
    assert.equal(await status('groups', g.id, ['deleted', 'error_deleting']), 'deleted');
    const noTypes = await call('POST', '/v3/p1/consistencygroups', null, { consistencygroup: { name: 'x', volume_types: ' , ' } });
    assert.equal(noTypes.statusCode, 400, noTypes.body);
  });

  test('reset group status (3.20), wrong input and the replication actions (3.38) answer Cinder\'s errors and change nothing', async () => {
    const vt = await newVolumeType();
    const gt = await newGroupType();
    const g = await newGroup(gt.id, vt.id);
    for (const s of ['creating', 'available', 'error']) {
      await checked('groups.reset_group_status', 'POST', `/v3/p1/groups/${g.id}/action`, '3.20', { reset_status: { status: s } });
      assert.equal((await call('GET', `/v3/p1/groups/${g.id}`, '3.20')).json().group.status, s);
    }
    assert.equal((await call('POST', `/v3/p1/groups/${g.id}/action`, '3.19', { reset_status: { status: 'error' } })).statusCode, 404, 'reset needs 3.20');
    await call('POST', `/v3/p1/groups/${g.id}/action`, '3.20', { reset_status: { status: 'available' } });
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/v3/p1/groups', { group: { group_type: 'nope', volume_types: [vt.id] } }, 404],
      ['POST', '/v3/p1/groups', { group: { group_type: gt.id, volume_types: ['nope'] } }, 404],
      ['POST', '/v3/p1/groups', { group: { group_type: gt.id, volume_types: [] } }, 400],
      ['POST', '/v3/p1/groups', { group: { group_type: gt.id } }, 400],
      ['POST', '/v3/p1/groups', { group: { group_type: gt.id, volume_types: [vt.id], availability_zone: 'mars' } }, 400],
      ['PUT', `/v3/p1/groups/${g.id}`, { group: {} }, 400],
      ['PUT', `/v3/p1/groups/${g.id}`, { group: { add_volumes: '00000000-0000-0000-0000-000000000000' } }, 400],
      ['PUT', `/v3/p1/groups/${g.id}`, { group: { remove_volumes: '00000000-0000-0000-0000-000000000000' } }, 400],
      ['POST', `/v3/p1/groups/${g.id}/action`, { reset_status: { status: 'bogus' } }, 400],
      ['POST', `/v3/p1/groups/${g.id}/action`, { enable_replication: {} }, 400],
      ['POST', `/v3/p1/groups/${g.id}/action`, { list_replication_targets: {} }, 400],
      ['POST', '/v3/p1/volumes', { volume: { size: 1, group_id: g.id } }, 400],
      ['POST', '/v3/p1/group_snapshots', { group_snapshot: { group_id: 'nope' } }, 404],
    ];
    for (const [method, url, payload, code] of cases) {
      const r = await call(method, url, '3.38', payload);
      assert.equal(r.statusCode, code, `${method} ${url} ${JSON.stringify(payload)}: ${r.body}`);
    }
    assert.equal((await call('POST', `/v3/p1/groups/${g.id}/action`, '3.37', { enable_replication: {} })).statusCode, 404, 'replication needs 3.38');
    assert.equal((await call('GET', '/v3/p1/groups', '3.12')).statusCode, 404, 'groups start at 3.13');
    // The groups quota: a second group over a limit of one is a 413 and leaves no row.
    assert.equal((await call('PUT', '/v3/p1/os-quota-sets/pq', null, { quota_set: { groups: 1 } })).statusCode, 200);
    const one = await call('POST', '/v3/pq/groups', '3.13', { group: { name: 'q1', group_type: gt.id, volume_types: [vt.id] } });
    assert.equal(one.statusCode, 202, one.body);
    const two = await call('POST', '/v3/pq/groups', '3.13', { group: { name: 'q2', group_type: gt.id, volume_types: [vt.id] } });
    assert.equal(two.statusCode, 413, two.body);
    assert.match(two.body, /groups/);
    assert.equal((await h.db.kysely.selectFrom('groups').select('id').where('projectId', '=', 'pq').execute()).length, 1);
    assert.equal(await status('groups', one.json().group.id, ['available', 'error']), 'available');
    await call('POST', `/v3/pq/groups/${one.json().group.id}/action`, '3.13', { delete: {} });
    assert.equal(await status('groups', one.json().group.id, ['deleted', 'error_deleting']), 'deleted');
    // Deleted at once, whatever its create had reached: nothing stays used or reserved.
    for (let i = 0; i < 3; i++) {
      const quick = (await call('POST', '/v3/pr/groups', '3.13', { group: { name: `r${i}`, group_type: gt.id, volume_types: [vt.id] } })).json().group;
      const del = await call('POST', `/v3/pr/groups/${quick.id}/action`, '3.13', { delete: { 'delete-volumes': true } });
      assert.equal(del.statusCode, 202, del.body);
      assert.equal(await status('groups', quick.id, ['deleted', 'error_deleting']), 'deleted');
    }
    await waitUntil(async () => {
      const u = (await call('GET', '/v3/pr/os-quota-sets/pr?usage=True', null)).json().quota_set.groups;
      return u.in_use === 0 && u.reserved === 0 ? true : undefined;
    }, 5000);
    const other = await call('POST', '/v3/p1/volumes', '3.13', { volume: { size: 1, volume_type: (await newVolumeType()).id, group_id: g.id } });
    assert.equal(other.statusCode, 400, 'a type the group does not take');
    assert.equal((await h.db.kysely.selectFrom('volumes').select('id').where('groupId', '=', g.id).execute()).length, 0, 'nothing was created');
    assert.equal((await call('GET', `/v3/p1/groups/${g.id}`, '3.13')).json().group.status, 'available');
    await call('POST', `/v3/p1/groups/${g.id}/action`, '3.13', { delete: {} });
    assert.equal(await status('groups', g.id, ['deleted', 'error_deleting']), 'deleted');
  });
});

for (const kind of ['sqlite', 'postgres'] as const) describe(`group replication and the generic group fallback (${kind})`, () => {
  let h: Harness;
  let plain: Harness;
  before(async () => {
    h = await makeHarness({ db: kind, backend: { fake_replication_targets: 'dr1,dr2' } });
    // A backend without the Groups and Replication capabilities: Cinder's generic groups.
    plain = await makeHarness({ db: kind, backend: { fake_disabled_capabilities: 'groups,replication' } });
  });
  after(async () => {
    await h.close();
    await plain.close();
  });
  const call = (x: Harness, method: string, url: string, mv: string | null, payload?: unknown) =>
    x.app.inject({ method: method as 'GET', url, headers: mv ? MV(mv) : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const wait = (x: Harness, table: 'groups' | 'groupSnapshots', id: string, want: string[], column: 'status' | 'replicationStatus' = 'status') => waitUntil(async () => {
    const r = await x.db.kysely.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
    const s = r ? String((r as Record<string, unknown>)[column]) : 'deleted';
    return want.includes(s) ? s : undefined;
  });
  /**
   * A group of a replication group type with one volume on `x`; its volume type asks for
   * replication only where the backend has it (the scheduler places nothing else there).
   */
  let n = 0;
  const setup = async (x: Harness, replicatedType = true) => {
    const vt = (await call(x, 'POST', '/v3/p1/types', null, { volume_type: { name: `rep-${kind}-${++n}`, extra_specs: replicatedType ? { replication_enabled: '<is> True' } : {} } })).json().volume_type;
    const gt = (await call(x, 'POST', '/v3/p1/group_types', '3.11', { group_type: { name: `rep-gt-${kind}-${n}`, group_specs: { group_replication_enabled: '<is> True' } } })).json().group_type;
    const g = (await call(x, 'POST', '/v3/p1/groups', '3.38', { group: { name: 'rg', group_type: gt.id, volume_types: [vt.id] } })).json().group;
    assert.equal(await wait(x, 'groups', g.id, ['available', 'error']), 'available');
    const v = (await call(x, 'POST', '/v3/p1/volumes', '3.38', { volume: { size: 1, volume_type: vt.id, group_id: g.id } })).json().volume;
    assert.equal(await x.waitVolume(v.id, ['available', 'error']), 'available');
    return { g, v };
  };
  const action = (x: Harness, id: string, body: unknown) => call(x, 'POST', `/v3/p1/groups/${id}/action`, '3.38', body);

  test('enable, list targets, fail over and disable replication of a group on a backend that replicates', async () => {
    const { g, v } = await setup(h);
    const shown = (await call(h, 'GET', `/v3/p1/groups/${g.id}`, '3.38')).json().group;
    assert.equal(shown.replication_status, 'disabled');
    assertMatchesTempestSchema('groups.show_group', '3.38', { status: 200, body: { group: shown } });
    assert.equal((await action(h, g.id, { disable_replication: {} })).statusCode, 400, 'not enabled yet');
    assert.equal((await action(h, g.id, { enable_replication: {} })).statusCode, 202);
    assert.equal(await wait(h, 'groups', g.id, ['enabled', 'error'], 'replicationStatus'), 'enabled');
    assert.equal(h.store.volumes().get(v.id)?.replication, 'enabled', 'the array replicates the volume');
    assert.equal((await h.row(v.id))?.replicationStatus, 'enabled');
    const targets = await action(h, g.id, { list_replication_targets: {} });
    assert.equal(targets.statusCode, 200, targets.body);
    assert.deepEqual(targets.json(), { replication_targets: [{ backend_id: 'dr1' }, { backend_id: 'dr2' }] });
    const unknown = await action(h, g.id, { failover_replication: { secondary_backend_id: 'nowhere' } });
    assert.equal(unknown.statusCode, 202);
    assert.equal(await wait(h, 'groups', g.id, ['failed-over', 'error'], 'replicationStatus'), 'error', 'an unknown target fails the task, not the API');
    assert.equal((await action(h, g.id, { disable_replication: {} })).statusCode, 202, 'disable recovers from error');
    assert.equal(await wait(h, 'groups', g.id, ['disabled', 'error'], 'replicationStatus'), 'disabled');
    assert.equal((await action(h, g.id, { enable_replication: {} })).statusCode, 202);
    assert.equal(await wait(h, 'groups', g.id, ['enabled', 'error'], 'replicationStatus'), 'enabled');
    assert.equal((await action(h, g.id, { failover_replication: { secondary_backend_id: 'dr2' } })).statusCode, 202);
    assert.equal(await wait(h, 'groups', g.id, ['failed-over', 'error'], 'replicationStatus'), 'failed-over');
    assert.equal(h.store.activeBackendId, 'dr2');
  });

  test('without replication (backend or volume type) the replication actions answer 400 and change nothing', async () => {
    const rep = await call(plain, 'POST', '/v3/p1/types', null, { volume_type: { name: `needs-rep-${kind}`, extra_specs: { replication_enabled: '<is> True' } } });
    const gt = (await call(plain, 'GET', '/v3/p1/group_types/default_cgsnapshot_type', '3.11')).json().group_type;
    const unplaceable = (await call(plain, 'POST', '/v3/p1/groups', '3.38', { group: { name: 'x', group_type: gt.id, volume_types: [rep.json().volume_type.id] } })).json().group;
    assert.equal(await wait(plain, 'groups', unplaceable.id, ['available', 'error']), 'error', 'no pool of this backend replicates');
    assert.equal((await action(plain, unplaceable.id, { delete: {} })).statusCode, 202);
    assert.equal(await wait(plain, 'groups', unplaceable.id, ['deleted']), 'deleted', 'never placed: deleted at once');
    const usage = (await call(plain, 'GET', '/v3/p1/os-quota-sets/p1?usage=True', null)).json().quota_set.groups;
    assert.deepEqual([usage.in_use, usage.reserved], [0, 0]);
    const { g } = await setup(plain, false);
    for (const body of [{ enable_replication: {} }, { disable_replication: {} }, { failover_replication: {} }, { list_replication_targets: {} }]) {
      const r = await action(plain, g.id, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.match(r.body, /not replication-enabled/);
    }
    assert.equal((await call(plain, 'GET', `/v3/p1/groups/${g.id}`, '3.38')).json().group.replication_status, 'disabled');
  });

  test('without the Groups capability groups and group snapshots use the generic per-volume path', async () => {
    const { g, v } = await setup(plain, false);
    assert.equal(plain.store.groups().has(g.id), false, 'no group object on the array');
    const gs = (await call(plain, 'POST', '/v3/p1/group_snapshots', '3.14', { group_snapshot: { group_id: g.id, name: 'gen' } })).json().group_snapshot;
    assert.equal(await wait(plain, 'groupSnapshots', gs.id, ['available', 'error']), 'available');
    const snap = await plain.db.kysely.selectFrom('snapshots').selectAll().where('groupSnapshotId', '=', gs.id).executeTakeFirstOrThrow();
    assert.equal(plain.store.snapshots().get(snap.id)?.volumeId, v.id, 'one snapshot per volume on the array');
    assert.equal((await call(plain, 'DELETE', `/v3/p1/group_snapshots/${gs.id}`, '3.14')).statusCode, 202);
    assert.equal(await wait(plain, 'groupSnapshots', gs.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal(plain.store.snapshots().has(snap.id), false);
    assert.equal((await action(plain, g.id, { delete: { 'delete-volumes': true } })).statusCode, 202);
    assert.equal(await wait(plain, 'groups', g.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal(plain.store.volumes().has(v.id), false, 'each volume deleted on the array');
  });
});
