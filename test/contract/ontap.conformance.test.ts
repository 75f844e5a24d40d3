// The driver conformance suite for netapp_ontap against the ONTAP simulator: 7-mode and
// cluster mode over ZAPI, and cluster mode over REST.
import { runDriverConformance } from './driver-conformance.js';
import { makeIscsiConnector } from './fixtures.js';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { makeOntapDriver, type OntapFlavour } from '../sim/ontap/ontap-driver-fixture.js';

for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
  runDriverConformance({
    name: `netapp_ontap/${flavour}`,
    protocol: 'iscsi',
    connector: makeIscsiConnector(),
    async create() {
      const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode', restPageSize: 3 });
      return { driver: makeOntapDriver(sim, flavour), cleanup: () => sim.stop() };
    },
  });
}
