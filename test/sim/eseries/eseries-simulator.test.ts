// Wire-level checks of what the E-Series simulator answers (no driver): statuses, error
// bodies with retcodes, the proxy handshake, limits, copy jobs over time, and tgtd LUNs with
// ACLs following mappings, so the driver's tests rest on the facts in FACTS.md.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EseriesSimulator, type EseriesSimulatorOptions } from './eseries-simulator.js';
import { GiB, MAX_IMAGES_PER_GROUP } from './eseries-state.js';
import { ShellExecutor } from '../../../src/exec/executor.js';
import { readCapacity } from '../../../src/connector/volume-io.js';

const sims: EseriesSimulator[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.stop();
});
async function start(opts: EseriesSimulatorOptions = {}): Promise<EseriesSimulator> {
  const s = await EseriesSimulator.start(opts);
  sims.push(s);
  return s;
}
async function call(sim: EseriesSimulator, method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; json: any }> {
  const r = await fetch(`http://127.0.0.1:${sim.port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: 'Basic ' + Buffer.from(`${sim.username}:${sim.password}`).toString('base64') } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}
const sys = (sim: EseriesSimulator, sub: string) => `/devmgr/v2/storage-systems/${sim.systemId}/${sub}`;
const vg = (sim: EseriesSimulator) => [...sim.state.pools.values()].find((p) => p.label === 'vg1')!.id;

describe('E-Series simulator on the wire', () => {
  test('about, 401 without credentials, embedded system "1"', async () => {
    const sim = await start();
    assert.equal((await call(sim, 'GET', '/devmgr/utils/about', undefined, false)).status, 401);
    const about = await call(sim, 'GET', '/devmgr/utils/about');
    assert.deepEqual([about.json.runningAsProxy, about.json.version], [false, '02.00.9000.0001']);
    assert.deepEqual((await call(sim, 'GET', '/devmgr/v2/storage-systems')).json.map((s: any) => s.id), ['1']);
  });
  test('proxy: register → neverContacted, password unknown; stored password → valid; array calls before that are 422 authFailPassword', async () => {
    const sim = await start({ mode: 'proxy', contactPolls: 1 });
    const reg = await call(sim, 'POST', '/devmgr/v2/storage-systems', { controllerAddresses: ['127.0.0.1', '127.0.0.2'] });
    assert.equal(reg.status, 201);
    const id = reg.json.id;
    const first = await call(sim, 'GET', `/devmgr/v2/storage-systems/${id}`);
    assert.deepEqual([first.json.status, first.json.passwordStatus], ['neverContacted', 'unknown']);
    const refused = await call(sim, 'GET', `/devmgr/v2/storage-systems/${id}/storage-pools`);
    assert.deepEqual([refused.status, refused.json.retcode], [422, 'authFailPassword']);
    await call(sim, 'POST', `/devmgr/v2/storage-systems/${id}`, { storedPassword: sim.arrayPassword });
    const now = await call(sim, 'GET', `/devmgr/v2/storage-systems/${id}`);
    assert.deepEqual([now.json.status, now.json.passwordStatus], ['optimal', 'valid']);
    assert.equal((await call(sim, 'POST', '/devmgr/v2/storage-systems', { controllerAddresses: ['127.0.0.1'] })).json.id, id, 'registering again answers the same id');
    assert.equal((await call(sim, 'POST', '/devmgr/v2/storage-systems', { controllerAddresses: ['10.0.0.9'] })).status, 422);
  });
  test('404 for an unknown volume on ssc/volumes/{id}; 422 with a retcode for a rule; 424 while offline', async () => {
    const sim = await start();
    const nf = await call(sim, 'GET', sys(sim, 'ssc/volumes/NOSUCHVOLUME'));
    assert.equal(nf.status, 404);
    const big = await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name: 'big', sizeUnit: 'gb', size: 201, thinProvision: false });
    assert.deepEqual([big.status, big.json.retcode, typeof big.json.errorMessage], [422, 'noSpace', 'string']);
    sim.offline = true;
    const off = await call(sim, 'GET', sys(sim, 'storage-pools'));
    assert.equal(off.status, 424);
    assert.equal((await call(sim, 'GET', '/devmgr/v2/storage-systems/1')).json.status, 'offline');
  });
  test('a volume is found by id, label and WWN; the pool\'s usedSpace follows it', async () => {
    const sim = await start();
    const v = (await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name: 'VOLA', sizeUnit: 'gb', size: 2, thinProvision: false })).json;
    for (const key of [v.id, 'VOLA', v.wwn]) assert.equal((await call(sim, 'GET', sys(sim, `ssc/volumes/${key}`))).json.id, v.id);
    const pool = (await call(sim, 'GET', sys(sim, 'storage-pools'))).json.find((p: any) => p.label === 'vg1');
    assert.equal(Number(pool.usedSpace), 2 * GiB);
    assert.equal(v.capacity, String(2 * GiB));
  });
  test('one mapping per volume; a LUN used by the host is refused; moveLUNMapping answers "ok"', async () => {
    const sim = await start();
    const mk = async (name: string) => (await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name, sizeUnit: 'gb', size: 1 })).json.id;
    const [a, b] = [await mk('A'), await mk('B')];
    const host = (await call(sim, 'POST', sys(sim, 'hosts'), { name: 'h1', hostType: { index: 28 }, ports: [{ type: 'iscsi', port: 'iqn.2000-01.x:h1', label: 'h1' }] })).json;
    const m = await call(sim, 'POST', sys(sim, 'volume-mappings'), { mappableObjectId: a, targetId: host.hostRef, lun: 1 });
    assert.equal(m.json.lun, 1);
    assert.equal((await call(sim, 'POST', sys(sim, 'volume-mappings'), { mappableObjectId: a, targetId: host.hostRef, lun: 2 })).status, 422);
    assert.equal((await call(sim, 'POST', sys(sim, 'volume-mappings'), { mappableObjectId: b, targetId: host.hostRef, lun: 1 })).json.retcode, 'lunAlreadyExists');
    const g = (await call(sim, 'POST', sys(sim, 'host-groups'), { name: 'cinder-multi-attach', hosts: [] })).json;
    await call(sim, 'POST', sys(sim, `hosts/${host.hostRef}`), { groupId: g.clusterRef });
    const moved = await call(sim, 'POST', sys(sim, 'symbol/moveLUNMapping'), { lunMappingRef: m.json.lunMappingRef, lun: 1, mapRef: g.clusterRef });
    assert.deepEqual([moved.status, moved.json], [200, 'ok']);
    assert.equal((await call(sim, 'GET', sys(sim, 'volume-mappings'))).json[0].type, 'cluster');
  });
  test('snapshot images: 32 per group, only the oldest can be deleted; 4 groups per volume', async () => {
    const sim = await start({ pools: [{ label: 'vg1', totalGiB: 1000 }] });
    const v = (await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name: 'S', sizeUnit: 'gb', size: 1 })).json.id;
    const groups = [];
    for (let i = 0; i < 4; i++) {
      groups.push((await call(sim, 'POST', sys(sim, 'snapshot-groups'), { baseMappableObjectId: v, name: `g${i}`, storagePoolId: vg(sim), repositoryPercentage: 20 })).json.id);
    }
    const fifth = await call(sim, 'POST', sys(sim, 'snapshot-groups'), { baseMappableObjectId: v, name: 'g4', storagePoolId: vg(sim), repositoryPercentage: 20 });
    assert.equal(fifth.status, 422);
    const imgs = [];
    for (let i = 0; i < MAX_IMAGES_PER_GROUP; i++) imgs.push((await call(sim, 'POST', sys(sim, 'snapshot-images'), { groupId: groups[0] })).json);
    assert.equal((await call(sim, 'POST', sys(sim, 'snapshot-images'), { groupId: groups[0] })).status, 422);
    assert.ok(Number(imgs[1].pitSequenceNumber) > Number(imgs[0].pitSequenceNumber));
    assert.equal((await call(sim, 'DELETE', sys(sim, `snapshot-images/${imgs[1].id}`))).status, 422);
    assert.equal((await call(sim, 'DELETE', sys(sim, `snapshot-images/${imgs[0].id}`))).status, 204);
  });
  test('a copy job is inProgress until its bytes have had time to move, then complete', async () => {
    const sim = await start({ copyRate: GiB });
    let t = 1_000_000;
    sim.state.now = () => t;
    const mk = async (name: string) => (await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name, sizeUnit: 'gb', size: 2 })).json.id;
    const [src, dst] = [await mk('SRC'), await mk('DST')];
    const job = (await call(sim, 'POST', sys(sim, 'volume-copy-jobs'), { sourceId: src, targetId: dst, copyPriority: 'priority2', targetWriteProtected: false })).json;
    assert.equal(job.status, 'inProgress');
    t += 1000;
    assert.deepEqual([(await call(sim, 'GET', sys(sim, `volume-copy-jobs/${job.volcopyRef}`))).json.percentComplete], [50]);
    assert.equal((await call(sim, 'DELETE', sys(sim, `volume-copy-jobs/${job.volcopyRef}`))).status, 422, 'a running job cannot be deleted');
    t += 1000;
    assert.equal((await call(sim, 'GET', sys(sim, `volume-copy-jobs/${job.volcopyRef}`))).json.status, 'complete');
  });
  test('hardware-inventory lists two controllers with iSCSI ports and the target IQN', async () => {
    const sim = await start();
    const inv = (await call(sim, 'GET', sys(sim, 'hardware-inventory'))).json;
    assert.equal(inv.controllers.length, 2);
    assert.deepEqual(new Set(inv.iscsiPorts.map((p: any) => p.controllerId)).size, 2);
    assert.ok(inv.iscsiPorts.every((p: any) => p.iqn === sim.state.targetIqn));
  });
  test('with a tgtd backing, a mapping is a LUN only the mapped host\'s initiator reaches', async () => {
    const sim = await start({ tgtDir: mkdtempSync(join(tmpdir(), 'es-sim-')) });
    const exec = new ShellExecutor({ tries: 1, timeoutMs: 30_000 });
    const v = (await call(sim, 'POST', sys(sim, 'ssc/volumes'), { poolId: vg(sim), name: 'T', sizeUnit: 'gb', size: 1 })).json.id;
    const host = (await call(sim, 'POST', sys(sim, 'hosts'), { name: 'h', hostType: { index: 28 }, ports: [{ type: 'iscsi', port: 'iqn.2000-01.x:tgt', label: 'h' }] })).json;
    await call(sim, 'POST', sys(sim, 'volume-mappings'), { mappableObjectId: v, targetId: host.hostRef, lun: 3 });
    const port = sim.state.portals[0]!;
    const info = { driver_volume_type: 'iscsi' as const, data: { target_discovered: false, target_portal: `${port.address}:${port.port}`, target_iqn: sim.state.targetIqn, target_lun: 3, volume_id: v, access_mode: 'rw' as const } };
    assert.equal(await readCapacity(exec, { kind: 'iscsi', info, initiator: 'iqn.2000-01.x:tgt' }), GiB);
    await assert.rejects(readCapacity(exec, { kind: 'iscsi', info, initiator: 'iqn.2000-01.x:other' }), /Target not found/);
    assert.deepEqual(sim.backingErrors, []);
  });
});
