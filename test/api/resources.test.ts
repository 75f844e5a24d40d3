// Route tests for the other resources: snapshots, types, QoS, attachments, quotas, limits,
// services, availability zones, pools, messages, manage and Flint's schedule-explain.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import type { BackendStats } from '../../src/drivers/interface/stats.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`resource routes (${kind})`, () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness({ db: kind });
  });
  after(async () => { await h.close(); });
  const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}), headers });
  const newVolume = async () => {
    const v = (await inject('POST', '/v3/p1/volumes', { volume: { size: 1 } })).json().volume;
    assert.equal(await h.waitVolume(v.id, ['available', 'error']), 'available');
    return v;
  };

  test('snapshots: create, list, show, update, metadata, actions, delete', async () => {
    const v = await newVolume();
    const c = await inject('POST', '/v3/p1/snapshots', { snapshot: { volume_id: v.id, name: 's1', metadata: { k: 'v' } } });
    assert.equal(c.statusCode, 202, c.body);
    const s = c.json().snapshot;
    assert.equal(s.volume_id, v.id);
    assert.equal(s.size, 1);
    assert.ok(['creating', 'available'].includes(s.status), s.status);
    assert.deepEqual(s.metadata, { k: 'v' });
    assert.equal(await h.waitSnapshot(s.id, ['available', 'error']), 'available');
    const made = (await inject('GET', `/v3/p1/snapshots/${s.id}`)).json().snapshot;
    assert.equal(made.status, 'available');
    assert.equal(made['os-extended-snapshot-attributes:progress'], '100%');
    assert.equal(h.store.snapshots().get(s.id)?.volumeId, v.id, 'the array has the snapshot');
    assert.equal((await inject('GET', '/v3/p1/snapshots')).json().snapshots.length, 1);
    assert.equal((await inject('GET', `/v3/p1/snapshots/detail?volume_id=${v.id}`)).json().snapshots[0].id, s.id);
    assert.equal((await inject('GET', '/v3/p1/snapshots?with_count=1', undefined, MV('3.45'))).json().count, 1);
    assert.equal((await inject('PUT', `/v3/p1/snapshots/${s.id}`, { snapshot: { name: 's2' } })).json().snapshot.name, 's2');
    assert.deepEqual((await inject('POST', `/v3/p1/snapshots/${s.id}/metadata`, { metadata: { x: 'y' } })).json().metadata, { k: 'v', x: 'y' });
    assert.equal((await inject('POST', `/v3/p1/snapshots/${s.id}/action`, { 'os-reset_status': { status: 'error' } })).statusCode, 202);
    assert.equal((await inject('GET', `/v3/p1/snapshots/${s.id}`)).json().snapshot.status, 'error');
    const missing = await inject('POST', '/v3/p1/snapshots', { snapshot: { volume_id: 'nope' } });
    assert.equal(missing.statusCode, 404);
    assert.equal((await inject('POST', `/v3/p1/snapshots/${s.id}/action`, { 'os-reset_status': { status: 'available' } })).statusCode, 202);
    assert.equal((await inject('DELETE', `/v3/p1/snapshots/${s.id}`)).statusCode, 202);
    assert.equal(await h.waitSnapshot(s.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal((await inject('GET', `/v3/p1/snapshots/${s.id}`)).statusCode, 404);
    assert.equal(h.store.snapshots().has(s.id), false, 'the array no longer has it');
  });

  test('types: create with extra specs, duplicate name conflicts, extra specs CRUD, private access, delete in use', async () => {
    const c = await inject('POST', '/v3/p1/types', { volume_type: { name: 'fast', extra_specs: { volume_backend_name: 'a' } } });
    assert.equal(c.statusCode, 200, c.body);
    const t = c.json().volume_type;
    assert.deepEqual(t.extra_specs, { volume_backend_name: 'a' });
    assert.equal(t['os-volume-type-access:is_public'], true);
    const dup = await inject('POST', '/v3/p1/types', { volume_type: { name: 'fast' } });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.json().conflictingRequest.message, /fast already exists/);
    assert.deepEqual((await inject('POST', `/v3/p1/types/${t.id}/extra_specs`, { extra_specs: { 'capabilities:thin': '<is> True' } })).json().extra_specs, { 'capabilities:thin': '<is> True' });
    assert.deepEqual((await inject('PUT', `/v3/p1/types/${t.id}/extra_specs/tier`, { tier: 'gold' })).json(), { tier: 'gold' });
    assert.deepEqual((await inject('GET', `/v3/p1/types/${t.id}/extra_specs`)).json().extra_specs, { volume_backend_name: 'a', 'capabilities:thin': '<is> True', tier: 'gold' });
    assert.equal((await inject('DELETE', `/v3/p1/types/${t.id}/extra_specs/tier`)).statusCode, 202);
    assert.equal((await inject('GET', `/v3/p1/types/${t.id}/extra_specs/tier`)).statusCode, 404);
    assert.equal((await inject('PUT', `/v3/p1/types/${t.id}`, { volume_type: { description: 'quick' } })).json().volume_type.description, 'quick');
    assert.equal((await inject('GET', '/v3/p1/types/fast')).json().volume_type.id, t.id, 'types are found by name too');
    assert.deepEqual((await inject('GET', '/v3/p1/types?name=fast')).json().volume_types.map((x: any) => x.id), [t.id]);
    const bySpec = await inject('GET', `/v3/p1/types?extra_specs=${encodeURIComponent("{'volume_backend_name': 'a'}")}`);
    assert.deepEqual(bySpec.json().volume_types.map((x: any) => x.name), ['fast']);

    const priv = (await inject('POST', '/v3/p1/types', { volume_type: { name: 'secret', 'os-volume-type-access:is_public': false } })).json().volume_type;
    assert.equal((await inject('POST', `/v3/p1/types/${priv.id}/action`, { addProjectAccess: { project: 'p7' } })).statusCode, 202);
    assert.deepEqual((await inject('GET', `/v3/p1/types/${priv.id}/os-volume-type-access`)).json().volume_type_access, [{ volume_type_id: priv.id, project_id: 'p7' }]);
    assert.equal((await inject('POST', `/v3/p1/types/${priv.id}/action`, { removeProjectAccess: { project: 'p7' } })).statusCode, 202);

    await inject('POST', '/v3/p1/volumes', { volume: { size: 1, volume_type: 'fast' } });
    const inUse = await inject('DELETE', `/v3/p1/types/${t.id}`);
    assert.equal(inUse.statusCode, 400);
    assert.match(inUse.json().badRequest.message, /in use/);
    assert.equal((await inject('DELETE', `/v3/p1/types/${priv.id}`)).statusCode, 202);
    const unknownType = await inject('POST', '/v3/p1/volumes', { volume: { size: 1, volume_type: 'nonesuch' } });
    assert.equal(unknownType.statusCode, 404);
  });

  test('qos specs: create, update keys, associate with a type, disassociate, delete', async () => {
    const c = await inject('POST', '/v3/p1/qos-specs', { qos_specs: { name: 'q1', consumer: 'front-end', total_iops_sec: '1000' } });
    assert.equal(c.statusCode, 200, c.body);
    const q = c.json().qos_specs;
    assert.deepEqual(q.specs, { total_iops_sec: '1000' });
    assert.deepEqual((await inject('PUT', `/v3/p1/qos-specs/${q.id}`, { qos_specs: { read_iops_sec: '5' } })).json().qos_specs, { read_iops_sec: '5' });
    assert.equal((await inject('PUT', `/v3/p1/qos-specs/${q.id}/delete_keys`, { keys: ['read_iops_sec'] })).statusCode, 202);
    const t = (await inject('POST', '/v3/p1/types', { volume_type: { name: 'qtype' } })).json().volume_type;
    assert.equal((await inject('GET', `/v3/p1/qos-specs/${q.id}/associate?vol_type_id=${t.id}`)).statusCode, 202);
    assert.deepEqual((await inject('GET', `/v3/p1/qos-specs/${q.id}/associations`)).json().qos_associations, [{ association_type: 'volume_type', name: 'qtype', id: t.id }]);
    assert.equal((await inject('DELETE', `/v3/p1/qos-specs/${q.id}`)).statusCode, 400, 'associated specs need force');
    assert.equal((await inject('GET', `/v3/p1/qos-specs/${q.id}/disassociate?vol_type_id=${t.id}`)).statusCode, 202);
    assert.equal((await inject('DELETE', `/v3/p1/qos-specs/${q.id}`)).statusCode, 202);
    assert.equal((await inject('GET', `/v3/p1/qos-specs/${q.id}`)).statusCode, 404);
  });

  test('attachments need 3.27; create, update, complete (3.44), delete', async () => {
    const v = await newVolume();
    const old = await inject('POST', '/v3/p1/attachments', { attachment: { volume_uuid: v.id } });
    assert.equal(old.statusCode, 404);
    assert.match(old.json().itemNotFound.message, /3\.27/);
    const c = await inject('POST', '/v3/p1/attachments', { attachment: { volume_uuid: v.id, instance_uuid: '11111111-1111-1111-1111-111111111111' } }, MV('3.27'));
    assert.equal(c.statusCode, 200, c.body);
    const a = c.json().attachment;
    assert.equal(a.status, 'reserved');
    const u = await inject('PUT', `/v3/p1/attachments/${a.id}`, { attachment: { connector: { initiator: 'iqn.1994-05.com.redhat:h', host: 'h' } } }, MV('3.27'));
    assert.equal(u.statusCode, 200, u.body);
    assert.equal(u.json().attachment.connection_info.driver_volume_type, 'iscsi');
    assert.equal((await inject('POST', `/v3/p1/attachments/${a.id}/action`, { 'os-complete': null }, MV('3.27'))).statusCode, 404);
    assert.equal((await inject('POST', `/v3/p1/attachments/${a.id}/action`, { 'os-complete': null }, MV('3.44'))).statusCode, 204);
    assert.equal((await inject('GET', `/v3/p1/attachments/${a.id}`, undefined, MV('3.44'))).json().attachment.status, 'attached');
    assert.deepEqual([(await h.row(v.id))?.status, (await h.row(v.id))?.attachStatus], ['in-use', 'attached']);
    assert.equal(h.store.volumes().get(v.id)?.connections.size, 1, 'the array has the host connected');
    assert.equal((await inject('GET', '/v3/p1/attachments', undefined, MV('3.44'))).json().attachments.length, 1);
    assert.equal((await inject('DELETE', `/v3/p1/attachments/${a.id}`, undefined, MV('3.44'))).statusCode, 200);
    assert.equal((await inject('GET', `/v3/p1/volumes/${v.id}`)).json().volume.status, 'available');
    assert.deepEqual([(await h.row(v.id))?.status, (await h.row(v.id))?.attachStatus], ['available', 'detached']);
    assert.equal(h.store.volumes().get(v.id)?.connections.size, 0, 'the connection is gone from the array');
  });

  test('quotas: show, usage, update, defaults, reset; limits', async () => {
    const created = (await inject('POST', '/v3/q1/volumes', { volume: { size: 3 } })).json().volume;
    assert.equal(await h.waitVolume(created.id, ['available', 'error']), 'available');
    const show = (await inject('GET', '/v3/q1/os-quota-sets/q1')).json().quota_set;
    assert.equal(show.id, 'q1');
    assert.equal(show.volumes, 10);
    const usage = (await inject('GET', '/v3/q1/os-quota-sets/q1?usage=True')).json().quota_set;
    assert.deepEqual(usage.gigabytes, { limit: 1000, in_use: 3, reserved: 0, allocated: 0 });
    assert.equal((await inject('PUT', '/v3/q1/os-quota-sets/q1', { quota_set: { volumes: 20 } })).json().quota_set.volumes, 20);
    const bad = await inject('PUT', '/v3/q1/os-quota-sets/q1', { quota_set: { bananas: 2 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().badRequest.message, /bananas/);
    const neg = await inject('PUT', '/v3/q1/os-quota-sets/q1', { quota_set: { volumes: -5 } });
    assert.match(neg.json().badRequest.message, /quota_set\.volumes/);
    assert.equal((await inject('GET', '/v3/q1/os-quota-sets/q1/defaults')).json().quota_set.volumes, 10);
    const limits = (await inject('GET', '/v3/q1/limits')).json().limits.absolute;
    assert.equal(limits.maxTotalVolumes, 20);
    assert.equal(limits.totalGigabytesUsed, 3);
    assert.equal((await inject('DELETE', '/v3/q1/os-quota-sets/q1')).statusCode, 200);
    assert.equal((await inject('GET', '/v3/q1/os-quota-sets/q1')).json().quota_set.volumes, 10);
  });

  test('services, availability zones and pools read their tables', async () => {
    const now = new Date().toISOString();
    await h.db.kysely.insertInto('services').values([
      { id: 's1', binary: 'cinder-volume', host: 'node1@fake', availabilityZone: 'zone-a', disabled: 0, disabledReason: null, frozen: 0, replicationStatus: 'disabled', activeBackendId: null, lastHeartbeat: now, createdAt: now },
      { id: 's2', binary: 'cinder-scheduler', host: 'node1', availabilityZone: 'zone-a', disabled: 0, disabledReason: null, frozen: 0, replicationStatus: 'disabled', activeBackendId: null, lastHeartbeat: '2000-01-01T00:00:00.000Z', createdAt: now },
    ]).execute();
    const services = (await inject('GET', '/v3/p1/os-services')).json().services;
    assert.deepEqual(services.filter((s: any) => s.host.startsWith('node1')).map((s: any) => [s.binary, s.state, s.status]),
      [['cinder-scheduler', 'down', 'enabled'], ['cinder-volume', 'up', 'enabled']]);
    const own = services.find((s: any) => s.binary.endsWith('-volume') && s.host === h.backendHost);
    assert.deepEqual([own?.state, own?.zone], ['up', 'nova'], 'the running volume manager reports itself');
    const dis = await inject('PUT', '/v3/p1/os-services/disable-log-reason', { host: 'node1@fake', binary: 'cinder-volume', disabled_reason: 'maintenance' });
    assert.equal(dis.json().status, 'disabled');
    assert.equal((await inject('GET', '/v3/p1/os-services?binary=cinder-volume')).json().services[0].disabled_reason, 'maintenance');
    assert.equal((await inject('PUT', '/v3/p1/os-services/enable', { host: 'nowhere', binary: 'cinder-volume' })).statusCode, 404);
    const zones = (await inject('GET', '/v3/p1/os-availability-zone')).json().availabilityZoneInfo;
    assert.deepEqual(zones.filter((z: any) => z.zoneName === 'zone-a'), [{ zoneName: 'zone-a', zoneState: { available: true } }]);

    const stats: BackendStats = {
      volumeBackendName: 'node1', vendorName: 'Flint', driverVersion: '1.0', storageProtocol: 'iSCSI', operations: [],
      pools: [
        { poolName: 'p0', capacity: { known: true, totalGiB: 100, freeGiB: 60 }, provisionedCapacityGiB: 40, allocatedCapacityGiB: 40, thinProvisioningSupport: true, thickProvisioningSupport: false, maxOverSubscriptionRatio: 20, reservedPercentage: 5, multiattach: true, onlineExtendSupport: true, qosSupport: false, capabilities: { compression: true } },
        { poolName: 'p1', capacity: { known: false, reason: 'infinite' }, provisionedCapacityGiB: 0, allocatedCapacityGiB: 0, thinProvisioningSupport: true, thickProvisioningSupport: false, maxOverSubscriptionRatio: 1, reservedPercentage: 0, multiattach: false, onlineExtendSupport: false, qosSupport: false, capabilities: {} },
      ],
    };
    await h.db.kysely.insertInto('backendStats').values({ backendHost: 'node1@fake', backendName: 'fake', availabilityZone: 'zone-a', stats: JSON.stringify(stats), problems: '[]', updatedAt: now }).execute();
    assert.deepEqual((await inject('GET', '/v3/p1/scheduler-stats/get_pools')).json().pools.map((p: any) => p.name).sort(),
      [`${h.backendHost}#pool0`, 'node1@fake#p0', 'node1@fake#p1'].sort());
    const pools = (await inject('GET', '/v3/p1/scheduler-stats/get_pools?detail=True')).json().pools.filter((p: any) => p.name.startsWith('node1@'));
    assert.equal(pools[0].capabilities.total_capacity_gb, 100);
    assert.equal(pools[0].capabilities.free_capacity_gb, 60);
    assert.equal(pools[0].capabilities.thin_provisioning_support, true);
    assert.equal(pools[0].capabilities.compression, true);
    assert.equal(pools[0].capabilities.volume_backend_name, 'node1');
    assert.equal(pools[1].capabilities.free_capacity_gb, 'infinite');
    const caps = (await inject('GET', '/v3/p1/capabilities/node1@fake')).json();
    assert.equal(caps.volume_backend_name, 'node1');
    assert.equal(caps.properties.compression.type, 'boolean');
    assert.equal((await inject('GET', '/v3/p1/capabilities/elsewhere@x')).statusCode, 404);
  });

  test('messages need 3.3 and are scoped to the project', async () => {
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 3600_000).toISOString();
    await h.db.kysely.insertInto('messages').values({ id: 'm1', projectId: 'p1', resourceType: 'VOLUME', resourceUuid: 'v', eventId: 'VOLUME_VOLUME_001_002', messageLevel: 'ERROR', userMessage: 'schedule allocate volume: Could not find any available weighted backend.', requestId: 'req-1', createdAt: now, expiresAt: later }).execute();
    assert.equal((await inject('GET', '/v3/p1/messages')).statusCode, 404);
    const list = (await inject('GET', '/v3/p1/messages', undefined, MV('3.3'))).json().messages.filter((m: any) => m.id === 'm1');
    assert.equal(list.length, 1);
    assert.equal(list[0].event_id, 'VOLUME_VOLUME_001_002');
    assert.equal((await inject('GET', '/v3/p2/messages', undefined, { ...MV('3.3'), 'x-auth-token': 'u:p2' })).json().messages.some((m: any) => m.id === 'm1'), false);
    assert.equal((await inject('DELETE', '/v3/p1/messages/m1', undefined, MV('3.3'))).statusCode, 204);
    assert.equal((await inject('GET', '/v3/p1/messages/m1', undefined, MV('3.3'))).statusCode, 404);
  });

  test('manageable volumes (3.8) and os-volume-manage', async () => {
    h.store.addForeignVolume('lv-outside', 4);
    const m = await inject('GET', `/v3/p1/manageable_volumes/detail?host=${h.backendHost}`, undefined, MV('3.8'));
    assert.deepEqual(m.json()['manageable-volumes'].filter((x: any) => x.reference['source-name'] === 'lv-outside'),
      [{ reference: { 'source-name': 'lv-outside' }, size: 4, safe_to_manage: true, reason_not_safe: null, cinder_id: null, extra_info: null }]);
    assert.equal((await inject('GET', '/v3/p1/manageable_volumes', undefined, MV('3.8'))).statusCode, 400);
    assert.equal((await inject('GET', '/v3/p1/manageable_volumes?host=nowhere@none', undefined, MV('3.8'))).statusCode, 404);
    const r = await inject('POST', '/v3/p1/os-volume-manage', { volume: { host: `${h.backendHost}#pool0`, ref: { 'source-name': 'lv-outside' }, name: 'managed' } });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(r.json().volume.name, 'managed');
    assert.equal(await h.waitVolume(r.json().volume.id, ['available', 'error_managing']), 'available');
    assert.equal((await inject('GET', `/v3/p1/volumes/${r.json().volume.id}`)).json().volume.size, 4);
    const unknown = await inject('POST', '/v3/p1/os-volume-manage', { volume: { host: 'node9@fake#p0', ref: { 'source-name': 'lv' } } });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().badRequest.message, /node9@fake#p0/);
  });

  test('schedule-explain returns the placement explanation', async () => {
    // Pinned to the running backend: the pools the services test wrote are real to the scheduler too.
    assert.equal((await inject('POST', '/v3/p1/types', { volume_type: { name: 'on-fake', extra_specs: { volume_backend_name: 'fake' } } })).statusCode, 200);
    const r = await inject('POST', '/v3/p1/flint/schedule-explain', { size: 5, volume_type: 'on-fake' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().explanation.chosen, `${h.backendHost}#pool0`);
    const bad = await inject('POST', '/v3/p1/flint/schedule-explain', { size: 0 });
    assert.match(bad.json().badRequest.message, /size/);
  });
});
