// The driver conformance suite for netapp_eseries against the E-Series simulator: Web
// Services embedded on the controllers, and the proxy (registration and password handshake).
import { runDriverConformance } from './driver-conformance.js';
import { makeIscsiConnector } from './fixtures.js';
import { EseriesSimulator, type EseriesSimulatorOptions } from '../sim/eseries/eseries-simulator.js';
import { makeEseriesDriver } from '../sim/eseries/eseries-driver-fixture.js';

const subjects: { label: string; sim: EseriesSimulatorOptions; extra?: Record<string, string> }[] = [
  { label: 'embedded', sim: { mode: 'embedded' } },
  { label: 'proxy', sim: { mode: 'proxy', contactPolls: 2 } },
  { label: 'proxy-multiattach-chap', sim: { mode: 'proxy' }, extra: { netapp_enable_multiattach: 'true', use_chap_auth: 'true' } },
];

for (const s of subjects) {
  runDriverConformance({
    name: `netapp_eseries/${s.label}`,
    protocol: 'iscsi',
    connector: makeIscsiConnector(),
    async create() {
      const sim = await EseriesSimulator.start(s.sim);
      return { driver: makeEseriesDriver(sim, s.extra), cleanup: () => sim.stop() };
    },
  });
}
