// Operator-facing costs: the dashboard's bundle size and first load in Chromium with 1,000
// volumes (navigation to the volume list being visible), and a /metrics scrape with 10,000
// volumes in the database.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchChromium } from '../test/support/browser.js';
import { apiCall } from '../test/support/http.js';
import { insertVolumes, startChildService } from './service.bench.js';

const ROOT = resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build-dashboard.mjs')], { stdio: 'ignore' });
  report('dashboard.bundle.kb', Math.round(statSync(resolve(ROOT, 'dist/dashboard/app.js')).size / 102.4) / 10);

  const svc = await startChildService({ backends: { benchop: { volume_driver: 'fake', fake_capacity_gib: 1_000_000 } } });
  try {
    await apiCall(svc.base, 'admin', 'GET', '/volumes/detail?limit=1');
    insertVolumes(svc, 'admin', 1000);
    const browser = await launchChromium();
    try {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const page = await browser.newPage();
        const t0 = performance.now();
        await page.goto(`${svc.base}/dashboard`);
        await page.locator('#volumes tbody tr').first().waitFor();
        times.push(performance.now() - t0);
        await page.close();
      }
      report('dashboard.first_load.ms', Math.round(median(times)));
    } finally {
      await browser.close();
    }

    insertVolumesAbove(svc, 10_000);
    const scrapes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await fetch(`${svc.base}/metrics`);
      await r.text();
      scrapes.push(performance.now() - t0);
    }
    report('metrics.scrape.ms', Math.round(median(scrapes) * 10) / 10);
  } finally {
    await svc.stop();
  }
}

/** Another project's volumes up to `total` in the database (the dashboard's 1,000 stay). */
function insertVolumesAbove(svc: Parameters<typeof insertVolumes>[0], total: number): void {
  insertVolumes(svc, 'scrape', total - 1000, 1000);
}
