// The Shared File Systems API v2 through the whole service (fake share backend) on SQLite and
// PostgreSQL: the share lifecycle and its status machines, access rule states, quotas, share
// servers for DHSS=true, and bad input answered with Manila's 400s while nothing changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import type { FakeShareDriver } from '../../src/drivers/fake-share/fake-share-driver.js';
import { DB_KINDS, startTestService, waitUntil, type TestService } from '../support/test-service.js';

const P = 'share-proj';

for (const kind of DB_KINDS) {
  describe(`shares API (${kind})`, () => {
    let svc: TestService;
    const backend = `nas-${kind}`;
    const dhss = `dhss-${kind}`;

    before(async () => {
      svc = await startTestService({
        db: kind,
        backends: {
          [backend]: { share_driver: 'fake', fake_share_capacity_gib: 100 },
          [dhss]: { share_driver: 'fake', driver_handles_share_servers: true, fake_share_capacity_gib: 100 },
        },
        defaults: { default_share_type: 'plain', quota_shares: 40 },
      });
      await call('POST', '/types', { share_type: { name: 'plain', extra_specs: { driver_handles_share_servers: 'False', snapshot_support: 'True', revert_to_snapshot_support: 'True', create_share_from_snapshot_support: 'True' } } }, 200);
      await call('POST', '/types', { share_type: { name: 'servers', extra_specs: { driver_handles_share_servers: 'True' } } }, 200);
    });
    after(async () => {
      await svc?.cleanup();
      FakeShareStore.reset(backend);
      FakeShareStore.reset(dhss);
    });

    async function call(method: string, path: string, body?: unknown, status?: number, version = '2.73'): Promise<any> {
      const r = await fetch(`${svc.url}/v2/${P}${path}`, {
        method, headers: { 'content-type': 'application/json', 'x-openstack-manila-api-version': version }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (status !== undefined) assert.equal(r.status, status, `${method} ${path}: ${text}`);
      return text ? JSON.parse(text) : null;
    }
    const row = (id: string) => svc.db.kysely.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
    const untilStatus = (id: string, status: string) => waitUntil(async () => ((await row(id))?.status === status ? true : undefined), 15_000);
    const driver = (name: string) => svc.shareManagers.get(name)!.driver as FakeShareDriver;
    async function counts() {
      const n = async (t: 'shares' | 'shareAccessRules' | 'shareSnapshots' | 'shareTypes' | 'tasks') => Number((await svc.db.kysely.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const usage = await svc.db.kysely.selectFrom('shareQuotaUsages').selectAll().orderBy('resource').execute();
      return { shares: await n('shares'), rules: await n('shareAccessRules'), snaps: await n('shareSnapshots'), types: await n('shareTypes'), tasks: await n('tasks'), usage };
    }
    async function makeShare(size = 1, extra: Record<string, unknown> = {}): Promise<string> {
      const id = (await call('POST', '/shares', { share: { size, share_proto: 'NFS', ...extra } }, 200)).share.id as string;
      await untilStatus(id, 'available');
      return id;
    }

    test('create, show at several microversions, export locations, list filters', async () => {
      const id = await makeShare(1, { name: 'alpha', metadata: { tier: 'gold' } });
      const at20 = (await call('GET', `/shares/${id}`, undefined, 200, '2.0')).share;
      assert.ok(Array.isArray(at20.export_locations) && at20.export_locations.length === 2, 'before 2.9 the share carries its export locations');
      assert.equal(at20.share_type, 'plain', 'before 2.6 share_type is the name');
      assert.equal(at20.access_rules_status, undefined);
      const now = (await call('GET', `/shares/${id}`, undefined, 200)).share;
      assert.equal(now.export_locations, undefined);
      assert.equal(now.share_type_name, 'plain');
      assert.equal(now.access_rules_status, 'active');
      assert.equal(now.is_soft_deleted, false);
      const locations = (await call('GET', `/shares/${id}/export_locations`, undefined, 200)).export_locations;
      assert.ok(locations.some((l: any) => l.preferred && /^127\.0\.0\.1:\//.test(l.path)));
      assert.equal((await call('GET', '/shares/detail?name=alpha', undefined, 200)).shares.length, 1);
      assert.equal((await call('GET', `/shares/detail?metadata=${encodeURIComponent('{"tier":"gold"}')}`, undefined, 200)).shares.length, 1);
      assert.equal((await call('GET', `/shares?export_location=${encodeURIComponent(locations[0].path)}`, undefined, 200)).shares[0].id, id);
      assert.equal((await call('GET', '/shares?name~=lph', undefined, 200)).shares.length, 1);
      assert.equal((await call('GET', '/shares?status=error', undefined, 200)).shares.length, 0);
    });

    test('access rules go queued_to_apply → active, deny removes them; bad rules are 400 and change nothing', async () => {
      const id = await makeShare();
      const access = (await call('POST', `/shares/${id}/action`, { allow_access: { access_type: 'ip', access_to: '10.1.0.0/16', access_level: 'ro', metadata: { who: 'lab' } } }, 200)).access;
      assert.match(access.state, /queued_to_apply|applying|active/);
      await waitUntil(async () => ((await row(id))?.accessRulesStatus === 'active' ? true : undefined));
      const rules = (await call('GET', `/share-access-rules?share_id=${id}`, undefined, 200)).access_list;
      assert.deepEqual(rules.map((r: any) => [r.access_to, r.access_level, r.state, r.metadata.who]), [['10.1.0.0/16', 'ro', 'active', 'lab']]);
      assert.deepEqual(Object.values(driver(backend).store.state.shares[id]!.rules), ['ip:10.1.0.0/16:ro']);

      const before = await counts();
      const bad: Array<[unknown, RegExp]> = [
        [{ access_type: 'ip', access_to: '10.0.0.0/33' }, /Invalid IP access_to '10\.0\.0\.0\/33'/],
        [{ access_type: 'ip', access_to: '300.1.1.1' }, /Invalid IP access_to/],
        [{ access_type: 'user', access_to: 'alice' }, /Only 'ip' access type is allowed for NFS shares/],
        [{ access_type: 'ip', access_to: '10.1.0.0/16' }, /Share access ip:10\.1\.0\.0\/16 exists/],
        [{ access_type: 'ip', access_to: '10.2.0.1', access_level: 'rx' }, /Invalid or unsupported share access level: rx/],
        [{ access_type: 'magic', access_to: 'x' }, /Invalid access type 'magic'/],
      ];
      for (const [rule, message] of bad) {
        const r = await call('POST', `/shares/${id}/action`, { allow_access: rule }, 400);
        assert.match(r.badRequest.message, message);
      }
      assert.deepEqual(await counts(), before);

      await call('POST', `/shares/${id}/action`, { deny_access: { access_id: access.id } }, 202);
      await waitUntil(async () => ((await svc.db.kysely.selectFrom('shareAccessRules').select('id').where('shareId', '=', id).execute()).length === 0 ? true : undefined));
      assert.deepEqual(driver(backend).store.state.shares[id]!.rules, {});
      assert.equal((await row(id))?.accessRulesStatus, 'active');
    });

    test('bad sizes, protocols, types and bodies: Manila\'s 400 and nothing created', async () => {
      const before = await counts();
      const cases: Array<[unknown, RegExp]> = [
        [{ share: { size: 0, share_proto: 'NFS' } }, /size '0' must be an integer and greater than 0/],
        [{ share: { size: -3, share_proto: 'NFS' } }, /must be an integer and greater than 0/],
        [{ share: { size: 1.5, share_proto: 'NFS' } }, /must be an integer and greater than 0/],
        [{ share: { size: 'big', share_proto: 'NFS' } }, /must be an integer and greater than 0/],
        [{ share: { size: 1, share_proto: 'GLUSTERFS' } }, /Invalid share protocol provided: GLUSTERFS/],
        [{ share: { size: 1 } }, /share_proto is required/],
        [{ share: { size: 1, share_proto: 'NFS', share_type: 'nope' } }, /Share type nope could not be found/],
        [{ share: { size: 1, share_proto: 'NFS', share_type: 'servers' } }, /Share network must be set/],
        [{ share: { size: 1, share_proto: 'NFS', metadata: { k: 7 } } }, /the value of 'k' must be a string/],
        [{ volume: { size: 1 } }, /field\/attribute body/],
      ];
      for (const [body, message] of cases) {
        const r = await call('POST', '/shares', body);
        const fault = r.badRequest ?? r.itemNotFound;
        assert.ok(fault, JSON.stringify(r));
        assert.match(fault.message, message);
      }
      const typeless = await call('POST', '/types', { share_type: { name: 'no-dhss', extra_specs: {} } }, 400);
      assert.match(typeless.badRequest.message, /driver_handles_share_servers is missing/);
      const badBool = await call('POST', '/types', { share_type: { name: 'bad-bool', extra_specs: { driver_handles_share_servers: 'maybe' } } }, 400);
      assert.match(badBool.badRequest.message, /driver_handles_share_servers: 'maybe' is not a boolean/);
      assert.deepEqual(await counts(), before);
    });

    test('extend, shrink (refused while data would be lost, the share stays available), quota', async () => {
      const id = await makeShare(2);
      const bad = await call('POST', `/shares/${id}/action`, { extend: { new_size: 1 } }, 400);
      assert.match(bad.badRequest.message, /New size for extend must be greater than current size/);
      await call('POST', `/shares/${id}/action`, { extend: { new_size: 4 } }, 202);
      await waitUntil(async () => ((await row(id))?.size === 4 && (await row(id))?.status === 'available' ? true : undefined));
      driver(backend).writeData(id, 'data', 3);
      await call('POST', `/shares/${id}/action`, { shrink: { new_size: 2 } }, 202);
      await waitUntil(async () => ((await row(id))?.status === 'available' ? true : undefined));
      assert.equal((await row(id))?.size, 4, 'a shrink below the data is refused and changes nothing');
      const messages = (await call('GET', `/messages?resource_id=${id}`, undefined, 200)).messages;
      assert.match(messages[0].user_message, /would lose data/);
      driver(backend).writeData(id, 'data', 1);
      await call('POST', `/shares/${id}/action`, { shrink: { new_size: 2 } }, 202);
      await waitUntil(async () => ((await row(id))?.size === 2 ? true : undefined));
      const q = (await call('GET', `/quota-sets/${P}/detail`, undefined, 200)).quota_set;
      const sizes = (await svc.db.kysely.selectFrom('shares').select('size').where('projectId', '=', P).execute()).reduce((n, r) => n + r.size, 0);
      assert.equal(q.gigabytes.in_use, sizes);
    });

    test('snapshot, share from snapshot, revert to the latest only, delete order', async () => {
      const id = await makeShare();
      driver(backend).writeData(id, 'v1', 0);
      const snap = (await call('POST', '/snapshots', { snapshot: { share_id: id, name: 'one' } }, 202)).snapshot;
      await waitUntil(async () => ((await svc.db.kysely.selectFrom('shareSnapshots').select('status').where('id', '=', snap.id).executeTakeFirst())?.status === 'available' ? true : undefined));
      const child = await makeShare(2, { snapshot_id: snap.id });
      assert.equal(driver(backend).store.state.shares[child]!.content, 'v1');
      // `manila snapshot-show` reads the snapshot's export locations (2.32): none, since no snapshot is mountable.
      assert.deepEqual(await call('GET', `/snapshots/${snap.id}/export-locations`, undefined, 200), { share_snapshot_export_locations: [] });
      await call('GET', `/snapshots/${snap.id}/export-locations/${snap.id}`, undefined, 404);
      await call('GET', `/snapshots/${child}/export-locations`, undefined, 404);
      await call('GET', `/snapshots/${snap.id}/export-locations`, undefined, 404, '2.31');
      driver(backend).writeData(id, 'v2', 0);
      await call('POST', `/shares/${id}/action`, { revert: { snapshot_id: snap.id } }, 202);
      await untilStatus(id, 'available');
      assert.equal(driver(backend).store.state.shares[id]!.content, 'v1');
      const del = await call('DELETE', `/shares/${id}`, undefined, 400);
      assert.match(del.badRequest.message, /snapshot/);
      await call('DELETE', `/snapshots/${snap.id}`, undefined, 202);
      await call('DELETE', `/shares/${child}`, undefined, 202);
      await waitUntil(async () => ((await svc.db.kysely.selectFrom('shareSnapshots').select('id').where('id', '=', snap.id).executeTakeFirst()) ? undefined : true));
      await call('DELETE', `/shares/${id}`, undefined, 202);
      await waitUntil(async () => ((await row(id)) ? undefined : true));
      assert.equal(driver(backend).store.state.shares[id], undefined);
    });

    test('DHSS=true: a share on a share network gets a share server from the fake backend', async () => {
      const net = (await call('POST', '/share-networks', { share_network: { name: 'n1' } }, 200)).share_network;
      const id = await makeShare(1, { share_type: 'servers', share_network_id: net.id });
      const s = await row(id);
      assert.ok(s?.shareServerId);
      assert.match(s!.host!, new RegExp(`@${dhss}#`));
      const server = (await call('GET', `/share-servers/${s!.shareServerId}`, undefined, 200)).share_server;
      assert.equal(server.status, 'active');
      assert.equal(server.share_network_id, net.id);
      assert.ok(driver(dhss).store.state.servers[server.id]);
      const plain = await makeShare();
      assert.match((await row(plain))!.host!, new RegExp(`@${backend}#`), 'a DHSS=false type never lands on the DHSS=true backend');
      // The server goes with its last share.
      await call('DELETE', `/shares/${id}`, undefined, 202);
      await waitUntil(async () => ((await row(id)) ? undefined : true));
      assert.equal((await svc.db.kysely.selectFrom('shareServers').select('id').where('id', '=', server.id).executeTakeFirst()), undefined);
      assert.equal(driver(dhss).store.state.servers[server.id], undefined);
    });

    test('metadata, update, recycle bin (soft_delete/restore) and private type access', async () => {
      const id = await makeShare(1, { name: 'meta' });
      assert.deepEqual((await call('POST', `/shares/${id}/metadata`, { metadata: { a: '1', b: '2' } }, 200)).metadata, { a: '1', b: '2' });
      assert.deepEqual((await call('PUT', `/shares/${id}/metadata/a`, { meta: { a: '9' } }, 200)).meta, { a: '9' });
      await call('DELETE', `/shares/${id}/metadata/b`, undefined, 200);
      assert.deepEqual((await call('GET', `/shares/${id}/metadata`, undefined, 200)).metadata, { a: '9' });
      assert.equal((await call('PUT', `/shares/${id}`, { share: { display_name: 'renamed', is_public: true } }, 200)).share.name, 'renamed');

      await call('POST', `/shares/${id}/action`, { soft_delete: null }, 202);
      assert.equal((await call('GET', '/shares?name=renamed', undefined, 200)).shares.length, 0, 'a soft-deleted share leaves the default list');
      assert.equal((await call('GET', '/shares?name=renamed&is_soft_deleted=true', undefined, 200)).shares.length, 1);
      const refused = await call('POST', `/shares/${id}/action`, { soft_delete: null }, 409);
      assert.match(refused.conflictingRequest.message, /already in the recycle bin/);
      const before = await call('POST', `/shares/${id}/action`, { soft_delete: null }, undefined, '2.68');
      assert.match(before.badRequest.message, /needs API version 2\.69/);
      await call('POST', `/shares/${id}/action`, { restore: null }, 202);
      assert.equal((await call('GET', `/shares/${id}`, undefined, 200)).share.is_soft_deleted, false);

      const priv = (await call('POST', '/types', { share_type: { name: 'private-t', 'share_type_access:is_public': false, extra_specs: { driver_handles_share_servers: 'False' } } }, 200)).share_type;
      await call('POST', `/types/${priv.id}/action`, { addProjectAccess: { project: 'other' } }, 202);
      assert.deepEqual((await call('GET', `/types/${priv.id}/share_type_access`, undefined, 200)).share_type_access.map((a: any) => a.project_id), ['other']);
      const dup = await call('POST', `/types/${priv.id}/action`, { addProjectAccess: { project: 'other' } }, 409);
      assert.match(dup.conflictingRequest.message, /already exists/);
      await call('POST', `/types/${priv.id}/action`, { removeProjectAccess: { project: 'other' } }, 202);
      await call('DELETE', `/types/${priv.id}`, undefined, 202);
    });

    test('from 2.60 the project may be left out of the URL (the token names it)', async () => {
      const r = await fetch(`${svc.url}/v2/shares`, { headers: { 'x-openstack-manila-api-version': '2.60', 'x-auth-token': `u:${P}` } });
      assert.equal(r.status, 200);
      const listed = ((await r.json()) as any).shares.length;
      assert.equal(listed, (await call('GET', '/shares', undefined, 200)).shares.length);
      const old = await fetch(`${svc.url}/v2/shares`, { headers: { 'x-openstack-manila-api-version': '2.59', 'x-auth-token': `u:${P}` } });
      assert.equal(old.status, 404);
    });

    test('a project over its share quota gets 413 and nothing is created', async () => {
      await call('PUT', `/quota-sets/${P}`, { quota_set: { shares: 1 } }, 200);
      const before = await counts();
      const r = await call('POST', '/shares', { share: { size: 1, share_proto: 'NFS' } }, 413);
      assert.match(r.overLimit.message, /Quota exceeded for shares/);
      assert.deepEqual(await counts(), before);
      await call('DELETE', `/quota-sets/${P}`, undefined, 202);
    });

    test('reset_status and force_delete are admin actions with Manila\'s statuses', async () => {
      const id = await makeShare();
      const r = await call('POST', `/shares/${id}/action`, { reset_status: { status: 'bogus' } }, 400);
      assert.match(r.badRequest.message, /Invalid status 'bogus'/);
      await call('POST', `/shares/${id}/action`, { reset_status: { status: 'error' } }, 202);
      assert.equal((await row(id))?.status, 'error');
      await call('POST', `/shares/${id}/action`, { 'os-reset_status': { status: 'available' } }, 400);
      await call('POST', `/shares/${id}/action`, { force_delete: {} }, 202);
      await waitUntil(async () => ((await row(id)) ? undefined : true));
    });
  });
}
