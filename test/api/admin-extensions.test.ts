// Cinder's admin extensions through the real services: quota classes (the `default` class is
// what os-quota-sets defaults and every project's unset limits are), the extensions list,
// and os-hosts (volume hosts with their volumes and snapshots per project). Answers are
// validated against Tempest's schemas; members get 403.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';

const TOKENS: FakeTokens = { admin: { project: 'padmin', roles: ['admin'] }, m: { project: 'pm', roles: ['member'] } };

for (const kind of DB_KINDS) describe(`admin extensions (${kind})`, () => {
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
  const call = (token: 'admin' | 'm', method: string, path: string, payload?: object) => h.app.inject({
    method: method as 'GET', url: `/v3/${TOKENS[token]!.project}${path}`, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}),
  });

  test('the default quota class sets the defaults and the limits of projects without their own', async () => {
    assert.equal((await call('admin', 'POST', '/types', { volume_type: { name: 'qc-gold' } })).statusCode, 200);
    const shown = await call('admin', 'GET', '/os-quota-class-sets/default');
    assertMatchesTempestSchema('quota_classes.show_quota_classes', null, { status: shown.statusCode, body: shown.body });
    const cls = shown.json().quota_class_set;
    assert.equal(cls.id, 'default');
    assert.equal(cls.volumes, 10);
    const typeKeys = Object.keys(cls).filter((k) => k.startsWith('volumes_'));
    assert.ok(typeKeys.includes('volumes_qc-gold') && 'gigabytes_qc-gold' in cls && 'snapshots_qc-gold' in cls);
    assert.ok(typeKeys.length >= 1, 'a counter per volume type');

    const updated = await call('admin', 'PUT', '/os-quota-class-sets/default', { quota_class_set: { volumes: 7, [typeKeys[0]!]: 3 } });
    assertMatchesTempestSchema('quota_classes.update_quota_classes', null, { status: updated.statusCode, body: updated.body });
    assert.equal(updated.json().quota_class_set.volumes, 7);
    const defaults = await call('admin', 'GET', '/os-quota-sets/pm/defaults');
    assertMatchesTempestSchema('quotas.show_quota_set', null, { status: defaults.statusCode, body: defaults.body });
    assert.equal(defaults.json().quota_set.volumes, 7);
    assert.equal(defaults.json().quota_set[typeKeys[0]!], 3);
    assert.equal((await call('admin', 'GET', '/os-quota-sets/pm')).json().quota_set.volumes, 7, 'a project without its own limit gets the class value');
    assert.equal((await call('admin', 'PUT', '/os-quota-sets/pm', { quota_set: { volumes: 2 } })).statusCode, 200);
    assert.equal((await call('admin', 'GET', '/os-quota-sets/pm')).json().quota_set.volumes, 2, 'its own value wins');

    const bad = await call('admin', 'PUT', '/os-quota-class-sets/default', { quota_class_set: { volumes: -2 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /volumes/);
    const unknown = await call('admin', 'PUT', '/os-quota-class-sets/default', { quota_class_set: { bananas: 1 } });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /bananas/);
    assert.equal((await call('admin', 'GET', '/os-quota-class-sets/default')).json().quota_class_set.volumes, 7, 'a refused update changes nothing');
    assert.equal((await call('m', 'GET', '/os-quota-class-sets/default')).statusCode, 403);
    assert.equal((await call('m', 'PUT', '/os-quota-class-sets/default', { quota_class_set: { volumes: 100 } })).statusCode, 403);
    await call('admin', 'PUT', '/os-quota-class-sets/default', { quota_class_set: { volumes: 10, [typeKeys[0]!]: -1 } });
  });

  test('extensions are listed as Cinder lists them', async () => {
    const r = await call('m', 'GET', '/extensions');
    assertMatchesTempestSchema('extensions.list_extensions', null, { status: r.statusCode, body: r.body });
    const aliases = r.json().extensions.map((e: { alias: string }) => e.alias);
    for (const a of ['os-volume-transfer', 'os-hosts', 'os-quota-class-sets', 'encryption', 'os-snapshot-manage', 'os-snapshot-unmanage']) assert.ok(aliases.includes(a), a);
  });

  test('os-hosts lists the services as cinder-* and shows a volume host with its usage per project', async () => {
    const list = await call('admin', 'GET', '/os-hosts');
    assertMatchesTempestSchema('hosts.list_hosts', null, { status: list.statusCode, body: list.body });
    const volumeHosts = list.json().hosts.filter((x: { service: string }) => x.service === 'cinder-volume');
    assert.deepEqual(volumeHosts.map((x: { host_name: string }) => x.host_name), [h.backendHost]);

    const v = await call('m', 'POST', '/volumes', { volume: { size: 2 } });
    assert.equal(v.statusCode, 202, v.body);
    const vid = v.json().volume.id;
    assert.equal(await h.waitVolume(vid, ['available', 'error']), 'available');
    const s = await call('m', 'POST', '/snapshots', { snapshot: { volume_id: vid } });
    assert.equal(await h.waitSnapshot(s.json().snapshot.id, ['available', 'error']), 'available');

    const shown = await call('admin', 'GET', `/os-hosts/${encodeURIComponent(h.backendHost)}`);
    assertMatchesTempestSchema('hosts.show_host', null, { status: shown.statusCode, body: shown.body });
    const rows = shown.json().host.map((x: { resource: Record<string, string> }) => x.resource);
    const pm = rows.find((x: { project: string }) => x.project === 'pm');
    assert.deepEqual(pm, { host: h.backendHost, project: 'pm', volume_count: '1', total_volume_gb: '2', snapshot_count: '1', total_snapshot_gb: '2' });
    assert.equal(rows[0].project, '(total)');
    assert.equal((await call('admin', 'GET', '/os-hosts/nohost@nothing')).statusCode, 404);
    assert.equal((await call('m', 'GET', '/os-hosts')).statusCode, 403);
    // A disabled volume service is not a host to show (Cinder: 404).
    await h.db.kysely.updateTable('services').set({ disabled: 1 }).where('host', '=', h.backendHost).execute();
    assert.equal((await call('admin', 'GET', `/os-hosts/${encodeURIComponent(h.backendHost)}`)).statusCode, 404);
    await h.db.kysely.updateTable('services').set({ disabled: 0 }).where('host', '=', h.backendHost).execute();
  });
});
