// Every response of the routes Tempest's volume clients call, checked against Tempest's
// published response schemas (test/support/tempest-schemas.ts) at 3.0, Flint's maximum and
// each microversion that adds a field, for an admin and for a member (whose views lack the
// admin-only attributes), through the real services on SQLite and PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { makeHarness, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';
import { assertMatchesTempestSchema, microversionsToCheck } from '../support/tempest-schemas.js';
import { MAX_VERSION } from '../../src/api/microversion.js';

const TOKENS: FakeTokens = {
  admin: { project: 'padmin', roles: ['admin', 'member', 'reader'] },
  member: { project: 'pmember', roles: ['member', 'reader'] },
};
const INSTANCE = '11111111-2222-3333-4444-555555555555';
const CONNECTOR = { initiator: 'iqn.1994-05.com.redhat:tempest', host: 'tempest-host', ip: '127.0.0.1' };
/** 3.0, the maximum, and every version that adds a volume or snapshot field or a list key. */
const VOLUME_VERSIONS = microversionsToCheck(MAX_VERSION, '3.13', '3.14', '3.21', '3.41', '3.45', '3.48', '3.61', '3.63', '3.64', '3.65', '3.69');
const ADMIN_ONLY = ['os-vol-host-attr:host', 'os-vol-mig-status-attr:migstat', 'os-vol-mig-status-attr:name_id', 'migration_status', 'provider_id', 'cluster_name'];

for (const kind of DB_KINDS) describe(`responses match Tempest's schemas (${kind})`, () => {
  let keystone: FakeKeystone;
  let h: Harness;
  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: 'svc' } });
    for (const p of ['padmin', 'pmember']) {
      const q = await call('admin', 'PUT', `/v3/padmin/os-quota-sets/${p}`, { quota_set: { volumes: -1, snapshots: -1, gigabytes: -1 } });
      assert.equal(q.statusCode, 200, q.body);
    }
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });

  const project = (who: keyof typeof TOKENS) => TOKENS[who]!.project;
  function call(who: keyof typeof TOKENS, method: string, url: string, payload?: unknown, mv?: string | null): Promise<LightMyRequestResponse> {
    return h.app.inject({
      method: method as 'GET', url,
      headers: { 'x-auth-token': who, ...(mv ? { 'openstack-api-version': `volume ${mv}` } : {}) },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  }
  /** The call's answer, checked against the named Tempest schema; returns the parsed body. */
  function check(name: string, mv: string | null, r: LightMyRequestResponse): any {
    assertMatchesTempestSchema(name, mv, { status: r.statusCode, body: r.body });
    return r.body ? r.json() : null;
  }

  async function volumeTour(who: 'admin' | 'member', mv: string) {
    const P = `/v3/${project(who)}`;
    const created = check('volumes.create_volume', mv, await call(who, 'POST', `${P}/volumes`, { volume: { size: 1, name: `tour-${mv}`, metadata: { a: '1' } } }, mv)).volume;
    for (const k of ['os-vol-tenant-attr:tenant_id', 'os-vol-host-attr:host']) assert.ok(!(k in created), `create answers no ${k}`);
    assert.equal(await h.waitVolume(created.id, ['available', 'error']), 'available');
    const V = `${P}/volumes/${created.id}`;

    const shown = check('volumes.show_volume', mv, await call(who, 'GET', V, undefined, mv)).volume;
    assert.equal(shown['os-vol-tenant-attr:tenant_id'], project(who), 'a reader of the project sees its tenant');
    for (const k of ADMIN_ONLY) assert.equal(k in shown, who === 'admin' && fieldAt(k, mv), `${who} at ${mv}: ${k}`);
    assert.equal('volume_type_id' in shown, atLeastVersion(mv, '3.63'));
    check('volumes.list_volumes_no_detail', mv, await call(who, 'GET', `${P}/volumes?limit=1`, undefined, mv));
    const detail = check('volumes.list_volumes_with_detail', mv, await call(who, 'GET', `${P}/volumes/detail`, undefined, mv));
    assert.ok(detail.volumes.some((v: any) => v.id === created.id));
    if (atLeastVersion(mv, '3.45')) {
      const counted = check('volumes.list_volumes_with_detail', mv, await call(who, 'GET', `${P}/volumes/detail?with_count=true`, undefined, mv));
      assert.equal(typeof counted.count, 'number');
    }
    check('volumes.show_volume_summary', mv, await call(who, 'GET', `${P}/volumes/summary`, undefined, mv === '3.0' ? '3.12' : mv));
    check('volumes.update_volume', mv, await call(who, 'PUT', V, { volume: { description: 'updated' } }, mv));

    check('volumes.create_volume_metadata', mv, await call(who, 'POST', `${V}/metadata`, { metadata: { b: '2' } }, mv));
    check('volumes.show_volume_metadata', mv, await call(who, 'GET', `${V}/metadata`, undefined, mv));
    check('volumes.update_volume_metadata', mv, await call(who, 'PUT', `${V}/metadata`, { metadata: { a: '1', c: '3' } }, mv));
    check('volumes.show_volume_metadata_item', mv, await call(who, 'GET', `${V}/metadata/a`, undefined, mv));
    check('volumes.update_volume_metadata_item', mv, await call(who, 'PUT', `${V}/metadata/a`, { meta: { a: '9' } }, mv));
    check('volumes.delete_volume_metadata_item', mv, await call(who, 'DELETE', `${V}/metadata/c`, undefined, mv));

    const act = (body: unknown) => call(who, 'POST', `${V}/action`, body, mv);
    check('volumes.set_bootable_volume', mv, await act({ 'os-set_bootable': { bootable: true } }));
    check('volumes.update_volume_readonly', mv, await act({ 'os-update_readonly_flag': { readonly: false } }));
    check('volumes.reserve_volume', mv, await act({ 'os-reserve': null }));
    check('volumes.unreserve_volume', mv, await act({ 'os-unreserve': null }));
    check('volumes.extend_volume', mv, await act({ 'os-extend': { new_size: 2 } }));
    assert.equal(await waitSize(created.id, 2), 2);
    assert.equal((await act({ 'os-initialize_connection': { connector: CONNECTOR } })).statusCode, 200);
    check('volumes.attach_volume', mv, await act({ 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdb' } }));
    const attached = check('volumes.show_volume', mv, await call(who, 'GET', V, undefined, mv)).volume;
    assert.equal(attached.attachments.length, 1);
    assert.equal(attached.attachments[0].host_name, null, 'attachments name no host: os-attach gave an instance');
    if (who === 'admin') check('volumes.force_detach_volume', mv, await act({ 'os-force_detach': { attachment_id: attached.attachments[0].attachment_id } }));
    else check('volumes.detach_volume', mv, await act({ 'os-detach': { attachment_id: attached.attachments[0].attachment_id } }));
    await h.waitVolume(created.id, ['available']);

    // Snapshots of the volume.
    const snap = check('snapshots.create_snapshot', mv, await call(who, 'POST', `${P}/snapshots`, { snapshot: { volume_id: created.id, name: `s-${mv}`, metadata: { k: 'v' } } }, mv)).snapshot;
    for (const k of ['os-extended-snapshot-attributes:project_id', 'links']) assert.ok(!(k in snap), `snapshot create answers no ${k}`);
    assert.equal(await h.waitSnapshot(snap.id, ['available', 'error']), 'available');
    const S = `${P}/snapshots/${snap.id}`;
    const shownSnap = check('snapshots.show_snapshot', mv, await call(who, 'GET', S, undefined, mv)).snapshot;
    assert.equal(shownSnap['os-extended-snapshot-attributes:project_id'], project(who));
    const summaries = check('snapshots.list_snapshots_no_detail', mv, await call(who, 'GET', `${P}/snapshots`, undefined, mv));
    assert.ok(summaries.snapshots.every((s: any) => !('user_id' in s) && !('group_snapshot_id' in s)), 'the summary has the base fields only');
    check('snapshots.list_snapshots_with_detail', mv, await call(who, 'GET', `${P}/snapshots/detail`, undefined, mv));
    if (atLeastVersion(mv, '3.45')) check('snapshots.list_snapshots_no_detail', mv, await call(who, 'GET', `${P}/snapshots?with_count=true`, undefined, mv));
    check('snapshots.update_snapshot', mv, await call(who, 'PUT', S, { snapshot: { name: 'renamed' } }, mv));
    check('snapshots.create_snapshot_metadata', mv, await call(who, 'POST', `${S}/metadata`, { metadata: { x: '1' } }, mv));
    check('snapshots.show_snapshot_metadata', mv, await call(who, 'GET', `${S}/metadata`, undefined, mv));
    check('snapshots.update_snapshot_metadata', mv, await call(who, 'PUT', `${S}/metadata`, { metadata: { k: 'v', y: '2' } }, mv));
    check('snapshots.show_snapshot_metadata_item', mv, await call(who, 'GET', `${S}/metadata/k`, undefined, mv));
    check('snapshots.update_snapshot_metadata_item', mv, await call(who, 'PUT', `${S}/metadata/k`, { meta: { k: 'w' } }, mv));
    check('snapshots.delete_snapshot_metadata_item', mv, await call(who, 'DELETE', `${S}/metadata/y`, undefined, mv));
    if (who === 'admin') {
      check('snapshots.reset_snapshot_status', mv, await call(who, 'POST', `${S}/action`, { 'os-reset_status': { status: 'error' } }, mv));
      check('snapshots.force_delete_snapshot', mv, await call(who, 'POST', `${S}/action`, { 'os-force_delete': {} }, mv));
    } else {
      check('snapshots.delete_snapshot', mv, await call(who, 'DELETE', S, undefined, mv));
    }
    await h.waitSnapshot(snap.id, ['deleted']);

    if (who === 'admin') {
      check('volumes.reset_volume_status', mv, await act({ 'os-reset_status': { status: 'error' } }));
      check('volumes.force_delete_volume', mv, await act({ 'os-force_delete': {} }));
    } else {
      check('volumes.delete_volume', mv, await call(who, 'DELETE', V, undefined, mv));
    }
    await h.waitVolume(created.id, ['deleted']);
  }

  /** Whether an admin-only attribute is in a show view at `mv` (the extension ones always are). */
  function fieldAt(k: string, mv: string): boolean {
    const from: Record<string, string> = { provider_id: '3.21', cluster_name: '3.61' };
    const min = from[k];
    return !min || atLeastVersion(mv, min);
  }

  async function waitSize(id: string, size: number): Promise<number> {
    for (let i = 0; i < 500; i++) {
      const r = await h.row(id);
      if (r && r.size === size && r.status === 'available') return r.size;
      await new Promise((res) => setTimeout(res, 20));
    }
    return (await h.row(id))?.size ?? -1;
  }

  for (const mv of VOLUME_VERSIONS) {
    test(`volumes, their actions, metadata and snapshots at ${mv} (admin)`, () => volumeTour('admin', mv));
  }
  for (const mv of ['3.0', '3.21', '3.61', MAX_VERSION]) {
    test(`volumes, their actions, metadata and snapshots at ${mv} (member)`, () => volumeTour('member', mv));
  }

  for (const mv of ['3.0', MAX_VERSION]) test(`volume types, extra specs and type access at ${mv}`, async () => {
    const P = '/v3/padmin/types';
    const t = check('volume_types.create_volume_type', mv, await call('admin', 'POST', P, { volume_type: { name: `type-${mv}`, description: 'd', extra_specs: { volume_backend_name: 'fake', multiattach: '<is> True' } } }, mv)).volume_type;
    assert.ok(!('qos_specs_id' in t), 'create answers no qos_specs_id');
    const shown = check('volume_types.show_volume_type', mv, await call('admin', 'GET', `${P}/${t.id}`, undefined, mv)).volume_type;
    assert.equal(shown.qos_specs_id, null, 'admins see the QoS association');
    const asMember = check('volume_types.show_volume_type', mv, await call('member', 'GET', `/v3/pmember/types/${t.id}`, undefined, mv)).volume_type;
    assert.ok(!('qos_specs_id' in asMember));
    assert.deepEqual(asMember.extra_specs, { multiattach: '<is> True' }, 'members see the user-visible specs only');
    check('volume_types.list_volume_types', mv, await call('admin', 'GET', P, undefined, mv));
    check('volume_types.list_volume_types', mv, await call('member', 'GET', '/v3/pmember/types', undefined, mv));
    const updated = check('volume_types.update_volume_types', mv, await call('admin', 'PUT', `${P}/${t.id}`, { volume_type: { description: 'e' } }, mv)).volume_type;
    assert.equal(updated.description, 'e');

    check('volume_types.list_volume_types_extra_specs', mv, await call('admin', 'GET', `${P}/${t.id}/extra_specs`, undefined, mv));
    assert.deepEqual(check('volume_types.list_volume_types_extra_specs', mv, await call('member', 'GET', `/v3/pmember/types/${t.id}/extra_specs`, undefined, mv)).extra_specs,
      { multiattach: '<is> True' });
    check('volume_types.create_volume_types_extra_specs', mv, await call('admin', 'POST', `${P}/${t.id}/extra_specs`, { extra_specs: { tier: 'gold' } }, mv));
    check('volume_types.show_volume_types_extra_specs', mv, await call('admin', 'GET', `${P}/${t.id}/extra_specs/tier`, undefined, mv));
    check('volume_types.show_volume_types_extra_specs', mv, await call('member', 'GET', `/v3/pmember/types/${t.id}/extra_specs/multiattach`, undefined, mv));
    assert.equal((await call('member', 'GET', `/v3/pmember/types/${t.id}/extra_specs/tier`, undefined, mv)).statusCode, 404, 'a backend spec is not there for a member');
    check('volume_types.update_volume_type_extra_specs', mv, await call('admin', 'PUT', `${P}/${t.id}/extra_specs/tier`, { tier: 'silver' }, mv));
    check('volume_types.delete_volume_types_extra_specs', mv, await call('admin', 'DELETE', `${P}/${t.id}/extra_specs/tier`, undefined, mv));

    const priv = check('volume_types.create_volume_type', mv, await call('admin', 'POST', P, { volume_type: { name: `private-${mv}`, 'os-volume-type-access:is_public': false } }, mv)).volume_type;
    check('volume_types.add_type_access', mv, await call('admin', 'POST', `${P}/${priv.id}/action`, { addProjectAccess: { project: 'pmember' } }, mv));
    check('volume_types.list_type_access', mv, await call('admin', 'GET', `${P}/${priv.id}/os-volume-type-access`, undefined, mv));
    check('volume_types.remove_type_access', mv, await call('admin', 'POST', `${P}/${priv.id}/action`, { removeProjectAccess: { project: 'pmember' } }, mv));
    check('volume_types.delete_volume_type', mv, await call('admin', 'DELETE', `${P}/${priv.id}`, undefined, mv));
    check('volume_types.delete_volume_type', mv, await call('admin', 'DELETE', `${P}/${t.id}`, undefined, mv));
  });

  for (const mv of ['3.0', MAX_VERSION]) test(`QoS specs and their associations at ${mv}`, async () => {
    const P = '/v3/padmin/qos-specs';
    const q = check('qos.show_qos', mv, await call('admin', 'POST', P, { qos_specs: { name: `qos-${mv}`, consumer: 'back-end', read_iops_sec: '100' } }, mv)).qos_specs;
    check('qos.show_qos', mv, await call('admin', 'GET', `${P}/${q.id}`, undefined, mv));
    check('qos.list_qos', mv, await call('admin', 'GET', P, undefined, mv));
    check('qos.set_qos_key', mv, await call('admin', 'PUT', `${P}/${q.id}`, { qos_specs: { write_iops_sec: '50' } }, mv));
    check('qos.unset_qos_key', mv, await call('admin', 'PUT', `${P}/${q.id}/delete_keys`, { keys: ['write_iops_sec'] }, mv));
    const t = (await call('admin', 'POST', '/v3/padmin/types', { volume_type: { name: `qos-type-${mv}` } }, mv)).json().volume_type;
    check('qos.associate_qos', mv, await call('admin', 'GET', `${P}/${q.id}/associate?vol_type_id=${t.id}`, undefined, mv));
    assert.equal(check('volume_types.show_volume_type', mv, await call('admin', 'GET', `/v3/padmin/types/${t.id}`, undefined, mv)).volume_type.qos_specs_id, q.id);
    check('qos.show_association_qos', mv, await call('admin', 'GET', `${P}/${q.id}/associations`, undefined, mv));
    check('qos.disassociate_qos', mv, await call('admin', 'GET', `${P}/${q.id}/disassociate?vol_type_id=${t.id}`, undefined, mv));
    check('qos.disassociate_all_qos', mv, await call('admin', 'GET', `${P}/${q.id}/disassociate_all`, undefined, mv));
    check('qos.delete_qos', mv, await call('admin', 'DELETE', `${P}/${q.id}`, undefined, mv));
    await call('admin', 'DELETE', `/v3/padmin/types/${t.id}`, undefined, mv);
  });

  for (const mv of ['3.0', MAX_VERSION]) test(`quotas and limits at ${mv}`, async () => {
    check('quotas.show_quota_set', mv, await call('member', 'GET', '/v3/pmember/os-quota-sets/pmember', undefined, mv));
    check('quotas.show_quota_set_usage', mv, await call('member', 'GET', '/v3/pmember/os-quota-sets/pmember?usage=True', undefined, mv));
    check('quotas.show_quota_set', mv, await call('member', 'GET', '/v3/pmember/os-quota-sets/pmember/defaults', undefined, mv));
    check('quotas.update_quota_set', mv, await call('admin', 'PUT', '/v3/padmin/os-quota-sets/pq', { quota_set: { volumes: 7 } }, mv));
    check('quotas.show_quota_set', mv, await call('admin', 'GET', '/v3/padmin/os-quota-sets/pq', undefined, mv));
    check('quotas.delete_quota_set', mv, await call('admin', 'DELETE', '/v3/padmin/os-quota-sets/pq', undefined, mv));
    check('limits.show_limits', mv, await call('member', 'GET', '/v3/pmember/limits', undefined, mv));
    // Tempest checks only the status of the zone list; its shape is Cinder's.
    const az = await call('member', 'GET', '/v3/pmember/os-availability-zone', undefined, mv);
    assert.equal(az.statusCode, 200);
    for (const z of az.json().availabilityZoneInfo) assert.deepEqual(Object.keys(z).sort(), ['zoneName', 'zoneState']);
  });

  for (const mv of ['3.0', '3.7', '3.49', MAX_VERSION]) test(`services, pools and capabilities at ${mv}`, async () => {
    const services = check('services.list_services', mv, await call('admin', 'GET', '/v3/padmin/os-services', undefined, mv)).services;
    const vol = services.find((s: any) => s.binary.endsWith('-volume') && s.host === h.backendHost);
    assert.ok(vol, 'the volume service is listed');
    assert.equal('cluster' in vol, mv !== '3.0');
    assert.equal('backend_state' in vol, mv === '3.49' || mv === MAX_VERSION);
    const body = { host: vol.host, binary: vol.binary };
    check('services.disable_service', mv, await call('admin', 'PUT', '/v3/padmin/os-services/disable', body, mv));
    check('services.disable_log_reason', mv, await call('admin', 'PUT', '/v3/padmin/os-services/disable-log-reason', { ...body, disabled_reason: 'tempest' }, mv));
    check('services.enable_service', mv, await call('admin', 'PUT', '/v3/padmin/os-services/enable', body, mv));
    check('scheduler_stats.get_pools_no_detail', mv, await call('admin', 'GET', '/v3/padmin/scheduler-stats/get_pools', undefined, mv));
    check('scheduler_stats.get_pools_with_detail', mv, await call('admin', 'GET', '/v3/padmin/scheduler-stats/get_pools?detail=True', undefined, mv));
    check('capabilities.show_backend_capabilities', mv, await call('admin', 'GET', `/v3/padmin/capabilities/${h.backendHost}`, undefined, mv));
  });

  for (const mv of ['3.3', MAX_VERSION]) test(`user messages at ${mv}`, async () => {
    const now = new Date().toISOString();
    const id = `0000000${mv.replace('.', '')}-0000-4000-8000-000000000000`.slice(-36);
    await h.db.kysely.insertInto('messages').values({
      id, projectId: 'pmember', resourceType: 'VOLUME', resourceUuid: INSTANCE, eventId: 'VOLUME_VOLUME_001_002', messageLevel: 'ERROR',
      userMessage: 'schedule allocate volume: Could not find any available weighted backend.', requestId: 'req-1', createdAt: now,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    }).execute();
    check('messages.list_messages', mv, await call('member', 'GET', '/v3/pmember/messages', undefined, mv));
    check('messages.show_message', mv, await call('member', 'GET', `/v3/pmember/messages/${id}`, undefined, mv));
    check('messages.delete_message', mv, await call('member', 'DELETE', `/v3/pmember/messages/${id}`, undefined, mv));
  });

  for (const mv of ['3.0', '3.63', MAX_VERSION]) test(`manage an existing backend volume at ${mv}`, async () => {
    const ref = `lv-manage-${mv}`;
    h.store.addForeignVolume(ref, 2);
    const r = check('manage_volume.manage_volume', mv, await call('admin', 'POST', '/v3/padmin/os-volume-manage', { volume: { host: `${h.backendHost}#pool0`, ref: { 'source-name': ref }, name: ref } }, mv));
    assert.equal(await h.waitVolume(r.volume.id, ['available', 'error']), 'available');
    check('volumes.unmanage_volume', mv, await call('admin', 'POST', `/v3/padmin/volumes/${r.volume.id}/action`, { 'os-unmanage': {} }, mv));
    await h.waitVolume(r.volume.id, ['deleted']);
  });
});

function atLeastVersion(v: string, min: string): boolean {
  const [a, b] = v.split('.').map(Number) as [number, number];
  const [c, d] = min.split('.').map(Number) as [number, number];
  return a > c || (a === c && b >= d);
}
