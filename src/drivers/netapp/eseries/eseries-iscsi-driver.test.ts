// netapp_eseries against the E-Series simulator: set-up (embedded, proxy handshake, version
// gates), thick and thin volumes, extend, attach rules (owning controller, multi-attach),
// snapshot limits and soft delete, copies, consistency groups, and each injected fault.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendCapacityError, ConfigError, Conflict, InvalidInput } from '../../../errors/errors.js';
import type { IscsiConnectionData } from '../../interface/objects.js';
import { Groups } from '../../interface/capabilities.js';
import { EseriesSimulator, type EseriesSimulatorOptions } from '../../../../test/sim/eseries/eseries-simulator.js';
import { makeEseriesDriver } from '../../../../test/sim/eseries/eseries-driver-fixture.js';
import { CONTROLLER_B, GiB } from '../../../../test/sim/eseries/eseries-state.js';
import { applyUpdate, makeIscsiConnector, makeSnapshot, makeVolume } from '../../../../test/contract/fixtures.js';
import { EsAuthError, EsOfflineError, EsPasswordError, EsTransportError } from './eseries-errors.js';
import { compareEsVersions, labelToUuid, uuidToLabel } from './eseries-utils.js';
import type { EseriesIscsiDriver } from './eseries-iscsi-driver.js';
import type { DriverVolume } from '../../interface/objects.js';

const sims: EseriesSimulator[] = [];
async function setup(opts: EseriesSimulatorOptions = {}, extra: Record<string, string> = {}): Promise<{ sim: EseriesSimulator; d: EseriesIscsiDriver }> {
  const sim = await EseriesSimulator.start(opts);
  sims.push(sim);
  const d = makeEseriesDriver(sim, extra);
  await d.doSetup();
  await d.checkForSetupError();
  return { sim, d };
}
afterEach(async () => {
  while (sims.length) await sims.pop()!.stop();
});
const poolId = (sim: EseriesSimulator, label: string) => [...sim.state.pools.values()].find((p) => p.label === label)!.id;
async function volume(d: EseriesIscsiDriver, size = 1, more: Partial<DriverVolume> = {}): Promise<DriverVolume> {
  const v = makeVolume({ size, ...more });
  return applyUpdate(v, await d.createVolume(v));
}

describe('E-Series names and versions', () => {
  test('a label is the UUID bytes in base32 without padding, 26 characters, and converts back', () => {
    const id = '00000000-0000-0000-0000-000000000000';
    assert.equal(uuidToLabel(id), 'A'.repeat(26));
    const other = '4be6b7e6-1e4b-4c45-b0c6-4e5f3d1e1a2b';
    assert.equal(uuidToLabel(other).length, 26);
    assert.equal(labelToUuid(uuidToLabel(other)), other);
    assert.equal(labelToUuid('legacy-data'), null);
  });
  test('versions compare part by part', () => {
    assert.ok(compareEsVersions('01.53.9010.0005', '01.53.9010.0015') < 0);
    assert.ok(compareEsVersions('02.00.9000.0001', '01.54.9000.0001') > 0);
    assert.equal(compareEsVersions('01.54.9090.0000', '01.54.9090.0000'), 0);
  });
});

describe('set-up', () => {
  test('embedded: the one storage system is used, no registration', async () => {
    const { sim } = await setup({ mode: 'embedded' });
    assert.equal(sim.count('POST storage-systems'), 0);
    assert.equal(sim.count('GET storage-systems'), 1);
  });
  test('proxy: registers the controllers, stores the array password, and waits while the array is neverContacted', async () => {
    const { sim } = await setup({ mode: 'proxy', contactPolls: 3 });
    assert.equal(sim.count('POST storage-systems'), 1);
    assert.equal(sim.count('POST storage-systems/{id}'), 1);
    assert.ok(sim.count('GET storage-systems/{id}') >= 4, 'polled until contacted');
  });
  test('proxy: a wrong netapp_sa_password fails set-up with ConfigError naming the option', async () => {
    const sim = await EseriesSimulator.start({ mode: 'proxy' });
    sims.push(sim);
    const d = makeEseriesDriver(sim, { netapp_sa_password: 'wrong' });
    await assert.rejects(d.doSetup(), (e: Error) => e instanceof ConfigError && /netapp_sa_password/.test(e.message));
  });
  test('proxy without netapp_controller_ips fails with ConfigError', async () => {
    const sim = await EseriesSimulator.start({ mode: 'proxy' });
    sims.push(sim);
    const d = makeEseriesDriver(sim, { netapp_controller_ips: '' });
    await assert.rejects(d.doSetup(), (e: Error) => e instanceof ConfigError && /netapp_controller_ips/.test(e.message));
  });
  test('Web Services older than the supported release, or too old for CHAP, fail with ConfigError', async () => {
    const old = await EseriesSimulator.start({ version: '01.53.9000.0001' });
    sims.push(old);
    await assert.rejects(makeEseriesDriver(old).doSetup(), ConfigError);
    const sim = await EseriesSimulator.start({ version: '01.54.9000.0001' });
    sims.push(sim);
    await makeEseriesDriver(sim, { use_chap_auth: 'true' }).doSetup();
  });
  test('a wrong Web Services password is EsAuthError (401), not retried', async () => {
    const sim = await EseriesSimulator.start();
    sims.push(sim);
    await assert.rejects(makeEseriesDriver(sim, { netapp_password: 'nope' }).doSetup(), EsAuthError);
    assert.equal(sim.count('GET /devmgr/utils/about'), 1);
  });
  test('HTTPS: an untrusted certificate is a tls EsTransportError (not retried); netapp_ca_cert makes it work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const sim = await EseriesSimulator.start({ tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') } });
      sims.push(sim);
      await assert.rejects(makeEseriesDriver(sim, { netapp_transport_type: 'https' }).doSetup(), (e: Error) => e instanceof EsTransportError && e.kind === 'tls');
      assert.equal(sim.count('GET /devmgr/utils/about'), 0, 'the handshake failed before any request');
      const trusted = makeEseriesDriver(sim, { netapp_transport_type: 'https', netapp_ca_cert: join(dir, 'cert.pem') });
      await trusted.doSetup();
      await trusted.checkForSetupError();
      await assert.rejects(makeEseriesDriver(sim, { netapp_transport_type: 'https', netapp_ca_cert: join(dir, 'absent.pem') }).doSetup(), ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('pool patterns: comma-separated, each matching a whole label', async () => {
    const { d } = await setup({}, { netapp_pool_name_search_pattern: 'vg, ddp[0-9]' });
    assert.deepEqual((await d.getVolumeStats(true)).pools.map((p) => p.poolName), ['ddp1']);
    const both = await setup({}, { netapp_pool_name_search_pattern: 'vg1,ddp1' });
    assert.deepEqual((await both.d.getVolumeStats(true)).pools.map((p) => p.poolName).sort(), ['ddp1', 'vg1']);
  });
  test('a pattern matching no pool fails checkForSetupError', async () => {
    const sim = await EseriesSimulator.start();
    sims.push(sim);
    const d = makeEseriesDriver(sim, { netapp_pool_name_search_pattern: 'nothing' });
    await d.doSetup();
    await assert.rejects(d.checkForSetupError(), ConfigError);
  });
});

describe('volumes and stats', () => {
  test('stats report each pool with SSC capabilities and capacity that fills', async () => {
    const { d } = await setup();
    const before = await d.getVolumeStats(true);
    const vg = before.pools.find((p) => p.poolName === 'vg1')!;
    assert.deepEqual(
      [vg.capabilities.netapp_raid_type, vg.capabilities.netapp_disk_type, vg.capabilities.netapp_thin_provisioned, vg.thinProvisioningSupport],
      ['raid6', 'SAS', false, false],
    );
    const ddp = before.pools.find((p) => p.poolName === 'ddp1')!;
    assert.deepEqual([ddp.capabilities.netapp_disk_type, ddp.thinProvisioningSupport, ddp.capabilities.netapp_eseries_flash_read_cache], ['SSD', true, true]);
    await volume(d, 10, { host: 'h@eseries#vg1' });
    const after = await d.getVolumeStats(true);
    const vgAfter = after.pools.find((p) => p.poolName === 'vg1')!;
    assert.ok(vg.capacity.known && vgAfter.capacity.known);
    assert.equal(vg.capacity.freeGiB - vgAfter.capacity.freeGiB, 10);
    assert.equal(vgAfter.provisionedCapacityGiB, 10);
    assert.ok(after.operations.includes('groups'));
  });
  test('a pool without room refuses with BackendCapacityError; thin needs a disk pool', async () => {
    const { d } = await setup();
    await assert.rejects(volume(d, 500, { host: 'h@eseries#vg1' }), BackendCapacityError);
    await assert.rejects(volume(d, 1, { host: 'h@eseries#vg1', extraSpecs: { netapp_thin_provisioned: 'true' } }), InvalidInput);
  });
  test('thin volumes take their repository from the disk pool and extend through thin-volumes/expand', async () => {
    const { sim, d } = await setup();
    const v = await volume(d, 100, { extraSpecs: { netapp_thin_provisioned: '<is> True' } });
    const es = sim.state.findVolume(uuidToLabel(v.id))!;
    assert.equal(es.thin, true);
    assert.equal(sim.state.usedBytes(poolId(sim, 'ddp1')), 4 * GiB, 'a thin volume uses its repository, not its virtual size');
    await d.extendVolume(v, 200);
    assert.equal(es.sizeBytes, 200 * GiB);
    assert.equal(sim.count('POST thin-volumes/{id}/expand'), 1);
    assert.equal(sim.count('POST volumes/{id}/expand'), 0);
  });
  test('thick extend on a volume group waits until the pool shows no remappingDve for the volume', async () => {
    const { sim, d } = await setup();
    const v = await volume(d, 1, { host: 'h@eseries#vg1' });
    await d.extendVolume(v, 3);
    assert.equal(sim.state.findVolume(uuidToLabel(v.id))!.sizeBytes, 3 * GiB);
    assert.equal(sim.count('GET storage-pools/{id}/action-progress'), 3, 'two polls show the DVE, the third none');
    await d.extendVolume(v, 3);
    assert.equal(sim.count('POST volumes/{id}/expand'), 1, 'extending to the current size sends nothing');
  });
  test('manage by source-id renames to the label; unmanage leaves it listed as safe to manage', async () => {
    const { sim, d } = await setup();
    const legacy = sim.state.createVolume(poolId(sim, 'vg1'), 'legacy', 3 * GiB + 1, false);
    const v = makeVolume();
    assert.equal(await d.manageExistingGetSize(v, { 'source-id': legacy.id }), 4);
    const update = await d.manageExisting(v, { 'source-id': legacy.id });
    assert.deepEqual(update, { providerLocation: legacy.id, size: 4 });
    assert.equal(legacy.label, uuidToLabel(v.id));
    const listed = (await d.listBackendVolumes()).find((o) => o.flintId === v.id)!;
    assert.equal(listed.safeToManage, false);
    await d.unmanage(applyUpdate(v, update));
    assert.equal((await d.listBackendVolumes()).find((o) => o.flintId === v.id)!.safeToManage, true);
    await assert.rejects(d.manageExistingGetSize(v, {}), InvalidInput);
  });
});

describe('attach and detach', () => {
  test('the portal is the owning controller\'s iSCSI port', async () => {
    const { sim, d } = await setup();
    const v1 = await volume(d);
    const v2 = await volume(d);
    const c = makeIscsiConnector();
    for (const v of [v1, v2]) {
      const info = await d.initializeConnection(v, c);
      const owner = sim.state.findVolume(uuidToLabel(v.id))!.controller;
      assert.equal((info.data as IscsiConnectionData).target_portal, owner === CONTROLLER_B ? '127.0.0.2:3260' : '127.0.0.1:3260');
      assert.equal((info.data as IscsiConnectionData).target_iqn, sim.state.targetIqn);
    }
    const luns = [...sim.state.mappings.values()].map((m) => m.lun).sort();
    assert.deepEqual(luns, [1, 2], 'LUNs unique on the array, from 1');
    assert.equal(sim.state.hosts.size, 1, 'one host for the initiator');
  });
  test('a host is found by its port ignoring case; it is not created twice', async () => {
    const { sim, d } = await setup();
    const c = makeIscsiConnector({ initiator: 'iqn.1993-08.org.debian:01:abcdef12' });
    await d.initializeConnection(await volume(d), c);
    await d.initializeConnection(await volume(d), { ...c, initiator: 'iqn.1993-08.org.debian:01:ABCDEF12' });
    assert.equal(sim.state.hosts.size, 1);
    assert.equal([...sim.state.hosts.values()][0]!.hostTypeIndex, 28, 'linux_dm_mp is the LnxALUA host type');
  });
  test('racing attaches of two volumes on one host get distinct LUNs', async () => {
    const { sim, d } = await setup();
    const c = makeIscsiConnector();
    await d.initializeConnection(await volume(d), c);
    const [v1, v2] = [await volume(d), await volume(d)];
    const [i1, i2] = await Promise.all([d.initializeConnection(v1, c), d.initializeConnection(v2, c)]);
    assert.notEqual((i1.data as IscsiConnectionData).target_lun, (i2.data as IscsiConnectionData).target_lun);
    assert.equal(sim.state.mappings.size, 3);
  });
  test('without netapp_enable_multiattach a second host is refused with Conflict', async () => {
    const { d } = await setup();
    const v = await volume(d);
    await d.initializeConnection(v, makeIscsiConnector());
    await assert.rejects(d.initializeConnection(v, makeIscsiConnector()), Conflict);
  });
  test('multi-attach: the mapping moves to the group; one host leaving keeps it; the last removes it', async () => {
    const { sim, d } = await setup({}, { netapp_enable_multiattach: 'true' });
    const v = await volume(d, 1, { multiattach: true });
    const a = makeIscsiConnector();
    const b = makeIscsiConnector();
    const la = (await d.initializeConnection(v, a)).data as IscsiConnectionData;
    const lb = (await d.initializeConnection(v, b)).data as IscsiConnectionData;
    assert.equal(la.target_lun, lb.target_lun);
    const group = [...sim.state.groups.values()].find((g) => g.label === 'cinder-multi-attach')!;
    assert.deepEqual([...sim.state.hosts.values()].map((h) => h.clusterRef), [group.ref, group.ref]);
    assert.equal(sim.count('POST symbol/moveLUNMapping'), 1);
    const attB = { id: 'att-b', host: b.host as string, connector: b };
    await d.terminateConnection({ ...v, otherAttachments: [attB] }, a);
    assert.equal(sim.state.mappings.size, 1, 'B still uses the group mapping');
    await d.terminateConnection({ ...v, otherAttachments: [] }, b);
    assert.equal(sim.state.mappings.size, 0);
  });
  test('multi-attach refuses a host that belongs to another host group', async () => {
    const { sim, d } = await setup({}, { netapp_enable_multiattach: 'true' });
    const v = await volume(d);
    const a = makeIscsiConnector();
    const b = makeIscsiConnector();
    await d.initializeConnection(v, a);
    const other = sim.state.createGroup('operators');
    sim.state.createHost('other-host', 28, [{ type: 'iscsi', port: b.initiator as string }], other.ref);
    await assert.rejects(d.initializeConnection(v, b), Conflict);
  });
  test('one host attached twice keeps its mapping until the last detach; force detach removes it', async () => {
    const { sim, d } = await setup();
    const v = await volume(d);
    const c = makeIscsiConnector();
    await d.initializeConnection(v, c);
    await d.terminateConnection({ ...v, otherAttachments: [{ id: 'x', host: c.host as string, connector: c }] }, c);
    assert.equal(sim.state.mappings.size, 1);
    await d.terminateConnection(v, null);
    assert.equal(sim.state.mappings.size, 0);
  });
  test('CHAP: the target secret is set once and returned with the connection', async () => {
    const { sim, d } = await setup({}, { use_chap_auth: 'true', chap_username: 'flint' });
    const c = makeIscsiConnector();
    const d1 = (await d.initializeConnection(await volume(d), c)).data as IscsiConnectionData;
    const d2 = (await d.initializeConnection(await volume(d), c)).data as IscsiConnectionData;
    assert.equal(d1.auth_method, 'CHAP');
    assert.equal(d1.auth_username, 'flint');
    assert.equal(d1.auth_password, sim.state.chap.secret);
    assert.equal(d2.auth_password, d1.auth_password);
    assert.equal(sim.count('POST iscsi/target-settings'), 1);
  });
});

describe('snapshots, clones and copies', () => {
  test('32 images fill a group, the next goes to a new group; 3 groups are the limit (one kept for clones)', async () => {
    const { sim, d } = await setup({ pools: [{ label: 'vg1', totalGiB: 1000 }] });
    const v = await volume(d);
    const snaps = [];
    for (let i = 0; i < 96; i++) snaps.push(applyUpdate(makeSnapshot(v), await d.createSnapshot(makeSnapshot(v))));
    assert.equal(sim.state.snapGroups.size, 3);
    await assert.rejects(d.createSnapshot(makeSnapshot(v)), /the most E-Series allows/);
    // A clone still works: its temporary group uses the reserved fourth.
    const clone = makeVolume();
    await d.createClonedVolume(clone, v);
    assert.equal(sim.state.snapGroups.size, 3, 'the clone group is gone');
  });
  test('deleting a younger image only records it; deleting the oldest purges the recorded ones after it', async () => {
    const { sim, d } = await setup();
    const v = await volume(d);
    const s = [];
    for (let i = 0; i < 3; i++) {
      const snap = makeSnapshot(v);
      s.push(applyUpdate(snap, await d.createSnapshot(snap)));
    }
    await d.deleteSnapshot(s[1]!);
    assert.equal(sim.state.images.size, 3, 'the array keeps a younger image');
    assert.equal(sim.state.records.size, 1, 'it is recorded as deleted');
    await d.deleteSnapshot(s[0]!);
    assert.equal(sim.state.images.size, 1, 'the oldest and the recorded one after it are gone');
    assert.equal(sim.state.records.size, 0);
    await d.deleteSnapshot(s[2]!);
    assert.equal(sim.state.images.size, 0);
    assert.equal(sim.state.snapGroups.size, 0, 'an emptied group is deleted');
    await d.deleteSnapshot(s[2]!);
  });
  test('at the limit, images deleted in Flint are purged to make room and no live snapshot is lost', async () => {
    const { sim, d } = await setup({ pools: [{ label: 'vg1', totalGiB: 1000 }] });
    const v = await volume(d);
    const snaps = [];
    for (let i = 0; i < 96; i++) {
      const snap = makeSnapshot(v);
      snaps.push(applyUpdate(snap, await d.createSnapshot(snap)));
    }
    // Flint deletes the first two of the first group: they are only recorded (the oldest goes at once).
    await d.deleteSnapshot(snaps[1]!);
    await d.deleteSnapshot(snaps[0]!);
    const next = makeSnapshot(v);
    const made = applyUpdate(next, await d.createSnapshot(next));
    const live = new Set([...snaps.slice(2), made].map((s) => s.providerLocation));
    assert.equal(sim.state.images.size, 95);
    for (const id of live) assert.ok(sim.state.images.has(id!), `image ${id} survives`);
  });
  test('a failed copy job fails the clone and removes its half-made target', async () => {
    const { sim, d } = await setup();
    const v = await volume(d);
    sim.state.failCopies = true;
    const clone = makeVolume();
    await assert.rejects(d.createClonedVolume(clone, v), /ended failed/);
    assert.equal(sim.state.findVolume(uuidToLabel(clone.id)), undefined, 'the target was deleted');
    assert.equal(sim.state.copyJobs.size, 0, 'the job was deleted');
    assert.equal(sim.state.snapGroups.size, 0, 'the clone group was deleted');
  });
  test('a copy target is tmp-labelled until done; one left by a crash is redone on retry or removed at start-up', async () => {
    const { sim, d } = await setup();
    const v = await volume(d);
    const snap = makeSnapshot(v);
    const s = applyUpdate(snap, await d.createSnapshot(snap));
    // A crashed attempt left its target (partial bytes) under the tmp label.
    const target = makeVolume();
    const stale = sim.state.createVolume(poolId(sim, 'vg1'), `tmp-${uuidToLabel(target.id)}`, GiB, false);
    const update = await d.createVolumeFromSnapshot(target, s);
    assert.notEqual(update.providerLocation, stale.id, 'the stale target was not taken');
    assert.equal(sim.state.volumes.has(stale.id), false);
    assert.equal(sim.state.findVolume(uuidToLabel(target.id))!.id, update.providerLocation);
    // The same call again (a lost reply) answers the finished volume.
    assert.deepEqual(await d.createVolumeFromSnapshot(target, s), update);
    // Start-up removes tmp targets no copy job is writing.
    const left = sim.state.createVolume(poolId(sim, 'vg1'), `tmp-${uuidToLabel(crypto.randomUUID())}`, GiB, false);
    const foreign = sim.state.createVolume(poolId(sim, 'vg1'), 'tmp-operator-volume', GiB, false);
    await d.checkForSetupError();
    assert.equal(sim.state.volumes.has(left.id), false);
    assert.equal(sim.state.volumes.has(foreign.id), true, 'a tmp- volume not named by Flint stays');
  });
  test('a volume from a snapshot is copied by a job that progresses over time, then the view and job go', async () => {
    const { sim, d } = await setup({ copyRate: 4 * GiB });
    const v = await volume(d, 1);
    const snap = makeSnapshot(v);
    const s = applyUpdate(snap, await d.createSnapshot(snap));
    const target = makeVolume({ size: 2 });
    await d.createVolumeFromSnapshot(target, s);
    assert.ok(sim.count('GET volume-copy-jobs/{id}') >= 2, 'polled while in progress');
    assert.equal(sim.state.findVolume(uuidToLabel(target.id))!.sizeBytes, 2 * GiB);
    assert.equal([...sim.state.volumes.values()].filter((x) => x.view).length, 0);
  });
});

describe('consistency groups (driver level: Flint has no groups API yet)', () => {
  test('group, members, group snapshot, volume from a member snapshot, delete snapshot and group', async () => {
    const { sim, d } = await setup();
    assert.ok(Groups.is(d));
    const groupId = crypto.randomUUID();
    await d.createGroup(groupId);
    const a = await volume(d);
    const b = await volume(d);
    await d.updateGroup(groupId, [a, b], []);
    const cg = [...sim.state.cgs.values()][0]!;
    assert.equal(cg.members.length, 2);
    const sa = makeSnapshot(a);
    const sb = makeSnapshot(b);
    await d.createGroupSnapshot('gs-1', [sa, sb]);
    assert.equal(sim.state.images.size, 2, 'one image per member, taken together');
    const fromMember = makeVolume();
    await d.createVolumeFromSnapshot(fromMember, sa);
    assert.ok(sim.state.findVolume(uuidToLabel(fromMember.id)));
    // A younger group snapshot deleted first is only marked; the oldest's deletion purges both.
    await d.createGroupSnapshot('gs-2', [makeSnapshot(a), makeSnapshot(b)]);
    await d.deleteGroupSnapshot('gs-2', []);
    assert.equal(sim.state.images.size, 4, 'the array keeps a younger CG snapshot');
    await d.deleteGroupSnapshot('gs-1', [sa, sb]);
    assert.equal(sim.state.images.size, 0);
    assert.equal(sim.state.records.size, 0);
    await d.updateGroup(groupId, [], [b]);
    assert.equal(cg.members.length, 1);
    await d.deleteGroup(groupId, [a, b]);
    assert.equal(sim.state.cgs.size, 0);
    assert.equal(sim.state.findVolume(uuidToLabel(a.id)), undefined);
  });
});

describe('consistency groups: a member snapshot deleted on its own', () => {
  test('its image goes; the member\'s snapshot group stays with the consistency group', async () => {
    const { sim, d } = await setup();
    const groupId = crypto.randomUUID();
    await d.createGroup(groupId);
    const a = await volume(d);
    await d.updateGroup(groupId, [a], []);
    const sa = makeSnapshot(a);
    await d.createGroupSnapshot('gs-solo', [sa]);
    await d.deleteSnapshot(sa);
    assert.equal(sim.state.images.size, 0);
    assert.equal(sim.state.snapGroups.size, 1, 'the CG member group is kept');
    await d.deleteGroupSnapshot('gs-solo', [sa]);
    await d.deleteGroup(groupId, [a]);
    assert.equal(sim.state.snapGroups.size, 0);
  });
});

describe('injected faults', () => {
  test('5xx and a dropped connection are retried and the call succeeds', async () => {
    const { sim, d } = await setup();
    sim.addFault({ match: 'POST ssc/volumes', kind: 'http503', times: 1 });
    sim.addFault({ match: 'GET ssc/volumes/{id}', kind: 'drop', times: 1 });
    const v = await volume(d);
    await d.initializeConnection(v, makeIscsiConnector());
    assert.equal(sim.count('POST ssc/volumes'), 2);
    assert.equal(sim.state.volumes.size, 1);
  });
  test('a 5xx on every try fails with a retryable error naming the attempts', async () => {
    const { sim, d } = await setup();
    sim.addFault({ match: 'POST ssc/volumes', kind: 'http500' });
    await assert.rejects(volume(d), (e: Error & { retryable?: boolean }) => e.retryable === true && /3 attempts/.test(e.message));
  });
  test('an offline array (424) is EsOfflineError, retryable, and not retried inline', async () => {
    const { sim, d } = await setup();
    sim.offline = true;
    await assert.rejects(volume(d), (e: Error) => e instanceof EsOfflineError && e.retryable);
    assert.equal(sim.count('POST ssc/volumes'), 1);
    sim.offline = false;
    await volume(d);
  });
  test('a reply slower than netapp_api_timeout is a timeout EsTransportError', async () => {
    const { sim } = await setup();
    const d = makeEseriesDriver(sim, { netapp_api_timeout: '1', netapp_api_tries: '1' });
    await d.doSetup();
    sim.addFault({ match: 'GET storage-pools', kind: 'delay', delayMs: 1500 });
    await assert.rejects(d.checkForSetupError(), (e: Error) => e instanceof EsTransportError && e.kind === 'timeout');
  });
  test('a lost reply to a create (work done, connection dropped) is retried and the existing volume taken', async () => {
    const { sim, d } = await setup();
    sim.addFault({ match: 'POST ssc/volumes', kind: 'drop-after', times: 1 });
    const v = await volume(d);
    assert.equal(sim.state.volumes.size, 1);
    assert.ok(v.providerLocation);
  });
  test('a lost reply to a snapshot image or a copy job is not answered by a second one', async () => {
    const { sim, d } = await setup();
    const v = await volume(d);
    sim.addFault({ match: 'POST snapshot-images', kind: 'drop-after', times: 1 });
    const snap = makeSnapshot(v);
    const s = applyUpdate(snap, await d.createSnapshot(snap));
    assert.equal(sim.state.images.size, 1, 'one image, the one the lost reply made');
    assert.ok(sim.state.images.has(s.providerLocation!));
    sim.addFault({ match: 'POST volume-copy-jobs', kind: 'drop-after', times: 1 });
    const target = makeVolume();
    await d.createVolumeFromSnapshot(target, s);
    assert.equal(sim.count('POST volume-copy-jobs'), 1);
    assert.equal(sim.state.copyJobs.size, 0);
    assert.ok(sim.state.findVolume(uuidToLabel(target.id)));
  });
  test('proxy: the array password changed behind Web Services is EsPasswordError (422 authFailPassword)', async () => {
    const { sim, d } = await setup({ mode: 'proxy' });
    sim.systems.get(sim.systemId!)!.storedPassword = 'stale';
    await assert.rejects(volume(d), EsPasswordError);
  });
});

after(async () => {
  while (sims.length) await sims.pop()!.stop();
});
