// The dashboard in a real browser (Debian's Chromium): load it, create a volume through the
// form, watch it become available in the list, delete it, and no console errors on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { apiClient, expectStatus } from '../support/http.js';
import { startTestService, type TestService } from '../support/test-service.js';

const ROOT = resolve(import.meta.dirname, '../..');
let svc: TestService;
let browser: Browser;

before(async () => {
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build-dashboard.mjs')], { stdio: 'ignore' });
  svc = await startTestService({ backends: { fast: { volume_driver: 'fake' } } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await svc?.cleanup();
});

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('create, watch and delete a volume through the dashboard', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchErrors(page);
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${svc.url}/dashboard`);
  // The pool reported by the fake backend, with its capacity.
  await page.locator('#pools .pool').first().waitFor();
  assert.match(await page.locator('#pools').innerText(), /GiB free of/);

  await page.getByLabel('volume name').fill('ui-made');
  await page.getByLabel('size in GiB').fill('3');
  await page.getByRole('button', { name: 'Create volume' }).click();
  const row = page.locator('#volumes tr', { hasText: 'ui-made' });
  await row.locator('.status', { hasText: /^available$/ }).waitFor({ timeout: 20_000 });
  assert.match(await row.innerText(), /3 GiB/);

  // The API agrees with what the page shows.
  const id = await row.getAttribute('data-volume-id');
  const api = apiClient(svc.url!, 'admin');
  const v = expectStatus(await api('GET', `/volumes/${id}`), 200).volume;
  assert.equal(v.name, 'ui-made');
  assert.equal(v.size, 3);

  if (process.env.FLINT_UPDATE_SCREENSHOT) {
    await page.getByRole('button', { name: 'Why here?' }).first().click();
    await page.locator('#explain table').waitFor();
    await page.screenshot({ path: resolve(ROOT, 'docs/dashboard.png'), fullPage: true });
  }

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal((await api('GET', `/volumes/${id}`)).status, 404);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a refused action shows the API\'s message and changes nothing', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${svc.url}/dashboard`);
  // Larger than max_volume_size_gib: the browser's own checks pass it, the API refuses it.
  await page.getByLabel('size in GiB').fill('2000000');
  await page.getByRole('button', { name: 'Create volume' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /size/i);
  const api = apiClient(svc.url!, 'admin');
  const all = expectStatus(await api('GET', '/volumes'), 200).volumes as unknown[];
  assert.equal(all.length, 0);
  // The 400 itself is logged by Chromium as a failed resource load; nothing else may be.
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  await page.close();
});
