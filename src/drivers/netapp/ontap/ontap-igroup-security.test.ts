// Who can see a LUN: igroups are reused only when they hold exactly the connector's initiator,
// detach unmaps through that one igroup only, and not while the same host still has another
// attachment of the volume. Every case runs over 7-mode ZAPI, cluster ZAPI and REST.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Connector, DriverAttachment, DriverVolume } from '../../interface/objects.js';
import { OntapSimulator } from '../../../../test/sim/ontap/ontap-simulator.js';
import { makeOntapDriver, type OntapFlavour } from '../../../../test/sim/ontap/ontap-driver-fixture.js';
import type { OntapIscsiDriver } from './ontap-iscsi-driver.js';
import { logger } from '../../../util/logger.js';

const quiet = logger.child({}, { level: 'silent' });

function volume(): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size: 1, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs: {}, metadata: {}, multiattach: true };
}
const iqn = () => `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;
const connector = (host: string): Connector => ({ initiator: iqn(), host, ip: '127.0.0.1' });
const attachment = (c: Connector): DriverAttachment => ({ id: randomUUID(), host: c.host as string, connector: c });

for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
  describe(`netapp_ontap ${flavour}: igroup security`, () => {
    let sim: OntapSimulator;
    let d: OntapIscsiDriver;
    const restart = async (): Promise<void> => {
      await d?.shutdown();
      d = makeOntapDriver(sim, flavour, {}, 'ontap', quiet);
      await d.doSetup();
      await d.checkForSetupError();
    };
    /** Every initiator that some map of `path` exposes the LUN to. */
    const exposedTo = (path: string): string[] =>
      [...new Set(sim.state.maps.filter((m) => m.path === path).flatMap((m) => sim.state.igroups.get(m.igroup)!.initiators))].sort();

    before(async () => {
      sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      await restart();
    });
    after(async () => {
      await d.shutdown();
      await sim.stop();
    });

    test('an openstack- igroup that also holds another host is never reused, at attach or after a restart', async () => {
      const a = connector('host-a');
      const b = connector('host-b');
      // An operator (or an old release) put both hosts in one igroup of the right type.
      sim.state.createIgroup('openstack-shared', 'iscsi', 'linux');
      sim.state.addInitiator('openstack-shared', a.initiator!);
      sim.state.addInitiator('openstack-shared', b.initiator!);
      const v = volume();
      const vol = { ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null };
      await d.initializeConnection(vol, a);
      assert.deepEqual(exposedTo(vol.providerLocation!), [a.initiator], 'host B must not see the LUN');
      const used = sim.state.maps.find((m) => m.path === vol.providerLocation)!.igroup;
      assert.notEqual(used, 'openstack-shared');
      assert.deepEqual(sim.state.igroups.get(used)!.initiators, [a.initiator]);
      await d.terminateConnection(vol, a);

      // After a restart the warmed cache must not hold the shared igroup either.
      const c = connector('host-c');
      sim.state.addInitiator('openstack-shared', c.initiator!);
      await restart();
      await d.initializeConnection(vol, c);
      assert.deepEqual(exposedTo(vol.providerLocation!), [c.initiator]);
      await d.terminateConnection(vol, c);
      await d.deleteVolume(vol);
    });

    test('an igroup of ours that later gains another host leaves the attach cache at the next stats refresh', async () => {
      const a = connector('host-a');
      const b = connector('host-b');
      const v = volume();
      const vol = { ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null };
      await d.initializeConnection(vol, a);
      const first = sim.state.maps.find((m) => m.path === vol.providerLocation)!.igroup;
      await d.terminateConnection(vol, a);
      // Someone adds host B to host A's igroup behind Flint's back.
      sim.state.addInitiator(first, b.initiator!);
      await d.getVolumeStats(true);
      await d.initializeConnection(vol, a);
      assert.deepEqual(exposedTo(vol.providerLocation!), [a.initiator], 'B must not see the LUN through the cached igroup');
      await d.terminateConnection(vol, a);
      await d.deleteVolume(vol);
    });

    test('detach unmaps only through the igroup this connector maps through, not every igroup holding the initiator', async () => {
      const a = connector('host-a');
      const b = connector('host-b');
      const v = volume();
      const vol = { ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null };
      await d.initializeConnection(vol, a);
      const mine = sim.state.maps.find((m) => m.path === vol.providerLocation)!.igroup;
      // The operator also maps the LUN to a cluster igroup that holds host A and host B.
      sim.state.createIgroup('cluster-ab', 'iscsi', 'linux');
      sim.state.addInitiator('cluster-ab', a.initiator!);
      sim.state.addInitiator('cluster-ab', b.initiator!);
      sim.state.mapLun(vol.providerLocation!, 'cluster-ab');
      await d.terminateConnection(vol, a);
      assert.deepEqual(sim.state.maps.filter((m) => m.path === vol.providerLocation).map((m) => m.igroup), ['cluster-ab'], `only ${mine} is unmapped`);
      // A second detach (a retry) finds no igroup of A's alone: the shared one stays for host B.
      await restart();
      await d.terminateConnection(vol, a);
      assert.deepEqual(exposedTo(vol.providerLocation!), [a.initiator, b.initiator].sort());
      sim.state.unmapLun(vol.providerLocation!, 'cluster-ab');
      await d.deleteVolume(vol);
    });

    test('a same-host multi-attach detach keeps the map; the last detach removes it', async () => {
      const a = connector('host-a');
      const v = volume();
      const vol = { ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null };
      await d.initializeConnection(vol, a);
      await d.initializeConnection(vol, a);
      const first = attachment(a);
      const second = attachment(a);
      const other = attachment(connector('host-b'));
      // Detaching the first: the second attachment on this host still uses the LUN.
      await d.terminateConnection({ ...vol, otherAttachments: [second, other] }, a);
      assert.deepEqual(exposedTo(vol.providerLocation!), [a.initiator], 'the map stays for the second attachment');
      // Detaching the second: no other attachment of this host is left.
      await d.terminateConnection({ ...vol, otherAttachments: [other] }, a);
      assert.deepEqual(exposedTo(vol.providerLocation!), []);
      void first;
      await d.deleteVolume(vol);
    });
  });
}
