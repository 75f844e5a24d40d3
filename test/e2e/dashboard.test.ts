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
import { FAKE_KEYSTONE_SERVICE_TOKEN, startFakeKeystone } from '../support/fake-keystone.js';

const ROOT = resolve(import.meta.dirname, '../..');
let svc: TestService;
let browser: Browser;

before(async () => {
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build-dashboard.mjs')], { stdio: 'ignore' });
  svc = await startTestService({
    backends: { fast: { volume_driver: 'fake' }, nas: { share_driver: 'fake', fake_share_capacity_gib: 100 } },
    defaults: { default_share_type: 'plain' },
  });
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
  await page.getByLabel('size in GiB', { exact: true }).fill('3');
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

test('create and delete an NFS share through the dashboard', async () => {
  const type = await fetch(`${svc.url}/v2/admin/types`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-openstack-manila-api-version': '2.47' },
    body: JSON.stringify({ share_type: { name: 'plain', extra_specs: { driver_handles_share_servers: 'false' } } }),
  });
  assert.equal(type.status, 200, await type.text());
  const page = await browser.newPage();
  const errors = watchErrors(page);
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${svc.url}/dashboard`);
  await page.getByLabel('share name').fill('ui-share');
  await page.getByLabel('share size in GiB').fill('2');
  await page.getByRole('button', { name: 'Create NFS share' }).click();
  const row = page.locator('#shares tr', { hasText: 'ui-share' });
  await row.locator('.status', { hasText: /^available$/ }).waitFor({ timeout: 20_000 });
  assert.match(await row.innerText(), /2 GiB\s+available\s+NFS/);
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached', timeout: 20_000 });
  const left = await fetch(`${svc.url}/v2/admin/shares`, { headers: { 'x-openstack-manila-api-version': '2.47' } });
  assert.deepEqual(((await left.json()) as { shares: unknown[] }).shares, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a refused action shows the API\'s message and changes nothing', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${svc.url}/dashboard`);
  // Larger than max_volume_size_gib: the browser's own checks pass it, the API refuses it.
  await page.getByLabel('size in GiB', { exact: true }).fill('2000000');
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

test('with Keystone the dashboard asks for a login, and Flint gets the token', async () => {
  const keystone = await startFakeKeystone({}, { alice: { password: 'wonder-pw', project: 'proj-a', roles: ['member'] } });
  const ks = await startTestService({
    backends: { fast: { volume_driver: 'fake' } },
    defaults: { auth_strategy: 'keystone', keystone_url: keystone.url, keystone_service_token: FAKE_KEYSTONE_SERVICE_TOKEN },
  });
  try {
    // A wrong password: Keystone's refusal, named, and no token.
    const bad = await fetch(`${ks.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'nope', project: 'proj-a', domain: 'Default' }) });
    assert.equal(bad.status, 401);
    assert.match(JSON.stringify(await bad.json()), /wrong user name or password/);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${ks.url}/dashboard`);
    await page.getByLabel('user').fill('alice');
    await page.getByLabel('password').fill('wonder-pw');
    await page.getByLabel('project').fill('proj-a');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('project proj-a · keystone').waitFor();
    await page.getByLabel('volume name').fill('alice-vol');
    await page.getByRole('button', { name: 'Create volume' }).click();
    await page.locator('#volumes tr', { hasText: 'alice-vol' }).waitFor();
    // Created in alice's project, with her token: a member sees no pools (admin only), and says so.
    const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('flint-session')!) as { token: string }).token);
    const r = await fetch(`${ks.url}/v3/proj-a/volumes`, { headers: { 'x-auth-token': token } });
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { volumes: Array<{ name: string }> }).volumes.map((v) => v.name), ['alice-vol']);
    assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), []);
    await page.close();
  } finally {
    await ks.cleanup();
    await keystone.close();
  }
});
