// Bench for the netapp_ontap driver against the ONTAP simulator: time and API round trips
// per create and per attach (ZAPI cluster mode; REST and 7-mode round trips alongside), and
// per attach with CHAP (the CHAP state is read before it is added or changed).
import { randomUUID } from 'node:crypto';
import { OntapSimulator } from '../test/sim/ontap/ontap-simulator.js';
import { makeOntapDriver, type OntapFlavour } from '../test/sim/ontap/ontap-driver-fixture.js';
import type { DriverVolume } from '../src/drivers/interface/objects.js';
import { logger } from '../src/util/logger.js';

const quiet = logger.child({}, { level: 'silent' });

function volume(): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size: 1, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs: {}, metadata: {}, multiattach: false };
}
const initiator = () => `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;

interface Figures { createMs: number; createCalls: number; attachMs: number; attachCalls: number; warmAttachCalls: number }

async function measure(flavour: OntapFlavour, n: number, chap = false): Promise<Figures> {
  const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode', volumes: [{ name: 'vol1', sizeGiB: 4096 }, { name: 'vol2', sizeGiB: 4096 }] });
  const d = makeOntapDriver(sim, flavour, chap ? { use_chap_auth: 'true', chap_username: 'bench' } : {}, 'ontap-bench', quiet);
  try {
    await d.doSetup();
    await d.checkForSetupError();
    await d.getVolumeStats(true);
    const vols: DriverVolume[] = [];
    sim.resetCalls();
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const v = volume();
      vols.push({ ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null });
    }
    const createMs = (performance.now() - t) / n;
    const createCalls = sim.callCount() / n;
    // A new host per attach: igroup lookup + create + map (+ target details, cached after the first).
    sim.resetCalls();
    t = performance.now();
    for (const v of vols) await d.initializeConnection(v, { initiator: initiator(), host: 'bench' });
    const attachMs = (performance.now() - t) / n;
    const attachCalls = sim.callCount() / n;
    // The same host again on each volume: only the map.
    const host = { initiator: initiator(), host: 'bench' };
    await d.initializeConnection(vols[0]!, host);
    sim.resetCalls();
    for (const v of vols.slice(1)) await d.initializeConnection(v, host);
    const warmAttachCalls = sim.callCount() / (n - 1);
    return { createMs, createCalls, attachMs, attachCalls, warmAttachCalls };
  } finally {
    await d.shutdown();
    await sim.stop();
  }
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  // Warm the JIT and the HTTP keep-alive path so the first flavour is not charged for it.
  await measure('cmode-zapi', 50);
  await measure('cmode-rest', 50);
  const z = await measure('cmode-zapi', 200);
  report('ontap.create_volume.ms', r2(z.createMs));
  report('ontap.attach.ms', r2(z.attachMs));
  report('ontap.zapi_calls_per_create', r2(z.createCalls));
  report('ontap.zapi_calls_per_attach', r2(z.attachCalls));
  report('ontap.zapi_calls_per_attach_known_host', r2(z.warmAttachCalls));
  const s = await measure('7mode-zapi', 100);
  report('ontap.7mode.zapi_calls_per_create', r2(s.createCalls));
  report('ontap.7mode.zapi_calls_per_attach', r2(s.attachCalls));
  const r = await measure('cmode-rest', 200);
  report('ontap.rest.create_volume.ms', r2(r.createMs));
  report('ontap.rest.attach.ms', r2(r.attachMs));
  report('ontap.rest_calls_per_create', r2(r.createCalls));
  report('ontap.rest_calls_per_attach', r2(r.attachCalls));
  // With CHAP: a new host adds its entry (read + add), a known host changes it (read + modify).
  const zc = await measure('cmode-zapi', 100, true);
  report('ontap.zapi_calls_per_attach_chap', r2(zc.attachCalls));
  report('ontap.zapi_calls_per_attach_known_host_chap', r2(zc.warmAttachCalls));
  const sc = await measure('7mode-zapi', 100, true);
  report('ontap.7mode.zapi_calls_per_attach_chap', r2(sc.attachCalls));
  const rc = await measure('cmode-rest', 100, true);
  report('ontap.rest_calls_per_attach_chap', r2(rc.attachCalls));
  report('ontap.rest_calls_per_attach_known_host_chap', r2(rc.warmAttachCalls));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
