// Bench for the netapp_eseries driver against the E-Series simulator: time and Web Services
// requests per create and per attach (a new host each time, and a known host), and the
// seconds a clone of a 1 GiB volume takes end to end (snapshot group and image, view, copy job
// polled to its end at the simulator's copy rate, cleanup) with a tgtd-backed data plane
// copying the real file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EseriesSimulator } from '../test/sim/eseries/eseries-simulator.js';
import { makeEseriesDriver } from '../test/sim/eseries/eseries-driver-fixture.js';
import type { DriverVolume } from '../src/drivers/interface/objects.js';
import { logger } from '../src/util/logger.js';

const quiet = logger.child({}, { level: 'silent' });

function volume(size = 1): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs: {}, metadata: {}, multiattach: false };
}
const initiator = () => `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;

interface Figures { createMs: number; createCalls: number; attachMs: number; attachCalls: number; warmAttachCalls: number }

async function measure(n: number, mode: 'embedded' | 'proxy'): Promise<Figures> {
  const sim = await EseriesSimulator.start({ mode, pools: [{ label: 'vg1', totalGiB: 8192 }, { label: 'ddp1', totalGiB: 8192, diskPool: true }] });
  const d = makeEseriesDriver(sim, {}, 'eseries-bench', quiet);
  try {
    await d.doSetup();
    await d.checkForSetupError();
    await d.getVolumeStats(true);
    const vols: DriverVolume[] = [];
    let calls = sim.totalCalls();
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const v = volume();
      vols.push({ ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null });
    }
    const createMs = (performance.now() - t) / n;
    const createCalls = (sim.totalCalls() - calls) / n;
    calls = sim.totalCalls();
    t = performance.now();
    for (const v of vols) await d.initializeConnection(v, { initiator: initiator(), host: 'bench' });
    const attachMs = (performance.now() - t) / n;
    const attachCalls = (sim.totalCalls() - calls) / n;
    const host = { initiator: initiator(), host: 'bench' };
    const more = [];
    for (let i = 0; i < n; i++) {
      const v = volume();
      more.push({ ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null });
    }
    await d.initializeConnection(more[0]!, host);
    calls = sim.totalCalls();
    for (const v of more.slice(1)) await d.initializeConnection(v, host);
    const warmAttachCalls = (sim.totalCalls() - calls) / (n - 1);
    return { createMs, createCalls, attachMs, attachCalls, warmAttachCalls };
  } finally {
    await d.shutdown();
    await sim.stop();
  }
}

/** Seconds to clone a 1 GiB volume holding 64 MiB of written data. */
async function cloneSeconds(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'eseries-bench-'));
  const sim = await EseriesSimulator.start({ tgtDir: join(dir, 'vols') });
  const d = makeEseriesDriver(sim, {}, 'eseries-bench', quiet);
  try {
    await d.doSetup();
    await d.checkForSetupError();
    const src = volume(1);
    const update = await d.createVolume(src);
    const srcVol = { ...src, providerLocation: update.providerLocation ?? null };
    const fd = openSync(join(dir, 'vols', `${update.providerLocation}.img`), 'r+');
    for (let i = 0; i < 64; i++) writeSync(fd, randomBytes(1024 * 1024), 0, 1024 * 1024, i * 1024 * 1024);
    closeSync(fd);
    const t = performance.now();
    await d.createClonedVolume(volume(1), srcVol);
    const s = (performance.now() - t) / 1000;
    if (sim.backingErrors.length > 0) throw sim.backingErrors[0];
    return s;
  } finally {
    await d.shutdown();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  await measure(30, 'embedded');
  const e = await measure(100, 'embedded');
  report('eseries.create_volume.ms', r2(e.createMs));
  report('eseries.attach.ms', r2(e.attachMs));
  report('eseries.requests_per_create', r2(e.createCalls));
  report('eseries.requests_per_attach', r2(e.attachCalls));
  report('eseries.requests_per_attach_known_host', r2(e.warmAttachCalls));
  const p = await measure(100, 'proxy');
  report('eseries.proxy.create_volume.ms', r2(p.createMs));
  report('eseries.proxy.attach.ms', r2(p.attachMs));
  report('eseries.clone_1gib.seconds', r2(await cloneSeconds()));
}
