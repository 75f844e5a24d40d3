// The driver conformance suite for netapp_ontap against the ONTAP simulator: 7-mode and
// cluster mode over ZAPI, cluster mode over REST, and REST with async (202 + job) LUN calls.
import { runDriverConformance } from './driver-conformance.js';
import { makeIscsiConnector } from './fixtures.js';
import { OntapSimulator, type OntapSimulatorOptions } from '../sim/ontap/ontap-simulator.js';
import { makeOntapDriver, type OntapFlavour } from '../sim/ontap/ontap-driver-fixture.js';

const subjects: { label: string; flavour: OntapFlavour; sim: OntapSimulatorOptions }[] = [
  { label: 'cmode-zapi', flavour: 'cmode-zapi', sim: { mode: 'cmode' } },
  { label: '7mode-zapi', flavour: '7mode-zapi', sim: { mode: '7mode' } },
  { label: 'cmode-rest', flavour: 'cmode-rest', sim: { mode: 'cmode', restPageSize: 3 } },
  { label: 'cmode-rest-async-jobs', flavour: 'cmode-rest', sim: { mode: 'cmode', restAsyncJobs: true } },
];

for (const s of subjects) {
  runDriverConformance({
    name: `netapp_ontap/${s.label}`,
    protocol: 'iscsi',
    connector: makeIscsiConnector(),
    async create() {
      const sim = await OntapSimulator.start(s.sim);
      return { driver: makeOntapDriver(sim, s.flavour), cleanup: () => sim.stop() };
    },
  });
}
