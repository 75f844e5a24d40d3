// Bytes through the ONTAP stand-in: the driver creates, maps, snapshots and clones LUNs on
// the simulator, a real tgtd serves them, and qemu-io writes and verifies data over iSCSI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../../src/exec/executor.js';
import { OntapSimulator } from './ontap-simulator.js';
import { makeOntapDriver } from './ontap-driver-fixture.js';
import type { OntapIscsiDriver } from '../../../src/drivers/netapp/ontap/ontap-iscsi-driver.js';
import type { DriverVolume, IscsiConnectionData } from '../../../src/drivers/interface/objects.js';

const exec = new ShellExecutor({ tries: 1, timeoutMs: 60_000 });

function volume(size = 1): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs: {}, metadata: {}, multiattach: false };
}

/** qemu-io against the LUN the connection info names, as the given initiator. */
async function qemuIo(data: IscsiConnectionData, initiator: string, command: string): Promise<string> {
  const [host, port] = data.target_portal.split(':');
  const opts = `driver=iscsi,transport=tcp,portal=${host}:${port},target=${data.target_iqn},lun=${data.target_lun},initiator-name=${initiator}`;
  const r = await exec.run(['qemu-io', '--image-opts', opts, '-c', command], { quiet: true });
  return r.stdout + r.stderr;
}

describe('ONTAP simulator with tgtd: real bytes over iSCSI', () => {
  let sim: OntapSimulator;
  let d: OntapIscsiDriver;
  before(async () => {
    sim = await OntapSimulator.start({ mode: 'cmode', tgtDir: mkdtempSync(join(tmpdir(), 'ontap-tgt-')) });
    d = makeOntapDriver(sim, 'cmode-zapi');
    await d.doSetup();
    await d.checkForSetupError();
  });
  after(async () => {
    await d?.shutdown();
    await sim?.stop();
  });

  test('data written to a volume is in its snapshot, in a larger volume created from it, and back after a revert', async () => {
    const initiator = `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 8)}`;
    const src = volume();
    const srcLoc = { ...src, providerLocation: (await d.createVolume(src)).providerLocation ?? null };
    const a = (await d.initializeConnection(srcLoc, { initiator })).data as IscsiConnectionData;
    assert.equal(a.target_portal, `127.0.0.1:${sim.backing!.portalPort}`);
    assert.match(await qemuIo(a, initiator, 'write -P 0x5a 0 1M'), /wrote 1048576\/1048576 bytes/);

    const snap = { id: randomUUID(), name: `snapshot-${randomUUID()}`, volumeSize: 1, volume: srcLoc, providerLocation: null, providerId: null };
    const snapLoc = { ...snap, providerLocation: (await d.createSnapshot(snap)).providerLocation ?? null };
    // Overwrite the source afterwards: the snapshot must keep the old bytes.
    assert.match(await qemuIo(a, initiator, 'write -P 0x11 0 1M'), /wrote/);

    const clone = volume(2);
    const cloneLoc = { ...clone, providerLocation: (await d.createVolumeFromSnapshot(clone, snapLoc)).providerLocation ?? null };
    const b = (await d.initializeConnection(cloneLoc, { initiator })).data as IscsiConnectionData;
    assert.notEqual(b.target_lun, a.target_lun);
    const read = await qemuIo(b, initiator, 'read -P 0x5a 0 1M');
    assert.match(read, /read 1048576\/1048576 bytes/);
    assert.doesNotMatch(read, /Pattern verification failed/);
    // The clone was grown to 2 GiB: its last MiB is readable (and zero).
    assert.match(await qemuIo(b, initiator, `read -P 0 ${2 * 1024 ** 3 - 1024 ** 2} 1M`), /read 1048576\/1048576 bytes/);

    // After terminate, the initiator no longer reaches the LUN.
    await d.terminateConnection(cloneLoc, { initiator });
    await assert.rejects(qemuIo(b, initiator, 'read 0 4k'));
    await d.terminateConnection(srcLoc, { initiator });

    // Revert the source (detached, as the API requires) and read the snapshot's bytes through it.
    await d.revertToSnapshot(srcLoc, snapLoc);
    const c = (await d.initializeConnection(srcLoc, { initiator })).data as IscsiConnectionData;
    const reverted = await qemuIo(c, initiator, 'read -P 0x5a 0 1M');
    assert.match(reverted, /read 1048576\/1048576 bytes/);
    assert.doesNotMatch(reverted, /Pattern verification failed/);
    await d.terminateConnection(srcLoc, { initiator });
    for (const v of [cloneLoc, srcLoc]) await d.deleteVolume(v);
    await d.deleteSnapshot(snapLoc);
    assert.deepEqual(sim.backingErrors, []);
  });
});
