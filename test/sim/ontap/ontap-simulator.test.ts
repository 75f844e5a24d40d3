// The simulator answers on the wire as FACTS.md says ONTAP does: raw ZAPI and REST calls,
// no driver in between.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NaServer } from '../../../src/drivers/netapp/ontap/zapi/na-server.js';
import { NaElement } from '../../../src/drivers/netapp/ontap/zapi/na-element.js';
import { NaApiError } from '../../../src/drivers/netapp/ontap/zapi/na-errors.js';
import { OntapSimulator } from './ontap-simulator.js';
import { CYLINDER_BYTES } from './ontap-state.js';

const GiB = 1024 ** 3;
const rejectsErrno = (p: Promise<unknown>, errno: string) => assert.rejects(p, (e: unknown) => e instanceof NaApiError && e.errno === errno);

describe('ONTAP simulator over ZAPI (cluster mode)', () => {
  let sim: OntapSimulator;
  let s: NaServer;
  const call = (api: string, inputs: Record<string, unknown> = {}) => s.invokeSuccessfully(NaElement.create(api, inputs as never));
  before(async () => {
    sim = await OntapSimulator.start({ mode: 'cmode' });
    s = new NaServer({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password, vserver: 'svm1', backoffMs: 1 });
    await s.negotiateVersion();
  });
  after(async () => {
    s.close();
    await sim.stop();
  });

  test('lun-info carries block-size, is-space-alloc-enabled and the QoS group; actual-size is exact with use-exact-size', async () => {
    const res = await call('lun-create-by-size', { path: '/vol/vol1/a', size: GiB, ostype: 'linux', 'space-reservation-enabled': false, 'space-allocation-enabled': true, 'use-exact-size': true, 'qos-policy-group': 'gold' });
    assert.equal(res.getChildContent('actual-size'), String(GiB));
    const [info] = await s.iterate('lun-get-iter', { query: { 'lun-info': { path: '/vol/vol1/a' } } });
    assert.equal(info!.getChildContent('block-size'), '512');
    assert.equal(info!.getChildContent('is-space-alloc-enabled'), 'true');
    assert.equal(info!.getChildContent('qos-policy-group'), 'gold');
    // Without use-exact-size the LUN is sized to whole cylinders.
    const rounded = await call('lun-create-by-size', { path: '/vol/vol1/b', size: GiB, ostype: 'linux' });
    assert.equal(Number(rounded.getChildContent('actual-size')), Math.ceil(GiB / CYLINDER_BYTES) * CYLINDER_BYTES);
  });

  test('a LUN id in use is 9024 (INITGROUP_HAS_LUN); mapping twice is 9023 (INITGROUP_HAS_VDISK)', async () => {
    await call('igroup-create', { 'initiator-group-name': 'g1', 'initiator-group-type': 'iscsi', 'os-type': 'linux' });
    await call('lun-map', { path: '/vol/vol1/a', 'initiator-group': 'g1', 'lun-id': 3 });
    await rejectsErrno(call('lun-map', { path: '/vol/vol1/b', 'initiator-group': 'g1', 'lun-id': 3 }), '9024');
    await rejectsErrno(call('lun-map', { path: '/vol/vol1/a', 'initiator-group': 'g1' }), '9023');
  });

  test('CHAP: get-auth fails without an entry; modify-chap-params takes no auth-type; there is no modify-auth', async () => {
    const ini = 'iqn.1993-08.org.debian:01:sim';
    await assert.rejects(call('iscsi-initiator-get-auth', { initiator: ini }), NaApiError);
    await call('iscsi-initiator-add-auth', { initiator: ini, 'auth-type': 'CHAP', 'user-name': 'u', password: 'p1' });
    assert.equal((await call('iscsi-initiator-get-auth', { initiator: ini })).getChildContent('user-name'), 'u');
    await rejectsErrno(call('iscsi-initiator-modify-chap-params', { initiator: ini, 'auth-type': 'CHAP', 'user-name': 'u', password: 'p2' }), '13115');
    await call('iscsi-initiator-modify-chap-params', { initiator: ini, 'user-name': 'u', password: 'p2' });
    assert.equal(sim.state.chap.get(ini)?.password, 'p2');
    await rejectsErrno(call('iscsi-initiator-modify-auth', { initiator: ini, 'user-name': 'u', password: 'p3' }), '13005');
  });

  test('volume-get-iter: the SVM root is listed, and filtered out by Cinder\'s query; size-total is the size less the snapshot reserve', async () => {
    sim.state.volumes.get('vol1')!.snapshotReservePercent = 10;
    try {
      const all = (await s.iterate('volume-get-iter')).map((v) => v.path('volume-id-attributes')!.getChildContent('name'));
      assert.ok(all.includes('svm1_root'));
      const filtered = await s.iterate('volume-get-iter', {
        query: { 'volume-attributes': { 'volume-id-attributes': { type: 'rw', style: 'flex' }, 'volume-state-attributes': { 'is-vserver-root': false, 'is-inconsistent': false, 'is-invalid': false, state: 'online' } } },
      });
      const names = filtered.map((v) => v.path('volume-id-attributes')!.getChildContent('name'));
      assert.ok(!names.includes('svm1_root'));
      const vol1 = filtered.find((v) => v.path('volume-id-attributes')!.getChildContent('name') === 'vol1')!;
      assert.equal(Number(vol1.path('volume-space-attributes')!.getChildContent('size-total')), 90 * GiB);
    } finally {
      sim.state.volumes.get('vol1')!.snapshotReservePercent = 0;
    }
  });
});

describe('ONTAP simulator over ZAPI (7-mode)', () => {
  test('the root volume says so in volume-options-list-info; volumes report is-inconsistent and is-invalid', async () => {
    const sim = await OntapSimulator.start({ mode: '7mode' });
    const s = new NaServer({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password, backoffMs: 1 });
    try {
      await s.negotiateVersion();
      const opts = await s.invokeSuccessfully(NaElement.create('volume-options-list-info', { volume: 'vol0' }));
      const root = opts.getChildByName('options')!.getChildren().find((o) => o.getChildContent('name') === 'root');
      assert.equal(root?.getChildContent('value'), 'true');
      const vols = (await s.invokeSuccessfully(new NaElement('volume-list-info'))).getChildByName('volumes')!.getChildren();
      assert.ok(vols.every((v) => v.getChildContent('is-inconsistent') === 'false' && v.getChildContent('is-invalid') === 'false'));
      // 7-mode (ONTAPI 1.19) has no use-exact-size.
      await rejectsErrno(s.invokeSuccessfully(NaElement.create('lun-create-by-size', { path: '/vol/vol1/x', size: GiB, ostype: 'linux', 'use-exact-size': true })), '13115');
    } finally {
      s.close();
      await sim.stop();
    }
  });
});

describe('ONTAP simulator over REST', () => {
  test('volumes carry afs_total, type, style and is_svm_root, and honour Cinder\'s filters', async () => {
    const sim = await OntapSimulator.start({ mode: 'cmode' });
    try {
      const auth = `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`;
      const get = async (q: string) => (await (await fetch(`http://127.0.0.1:${sim.port}/api/storage/volumes?${q}`, { headers: { authorization: auth, 'X-Dot-SVM-Name': 'svm1' } })).json()) as { records: any[] };
      const all = await get('fields=name');
      const root = all.records.find((r) => r.name === 'svm1_root');
      assert.deepEqual([root.is_svm_root, root.type, root.style], [true, 'rw', 'flexvol']);
      assert.equal(typeof root.space.afs_total, 'number');
      const pools = await get('type=rw&style=flex*&is_svm_root=false&error_state.is_inconsistent=false&state=online');
      assert.deepEqual(pools.records.map((r) => r.name).sort(), ['scratch', 'vol1', 'vol2']);
      const wrongSvm = await fetch(`http://127.0.0.1:${sim.port}/api/storage/luns`, { headers: { authorization: auth, 'X-Dot-SVM-Name': 'other' } });
      assert.equal(wrongSvm.status, 404);
    } finally {
      await sim.stop();
    }
  });
});
