// ensure_shares at start: a restarted Flint re-exports every share with its rules, even when
// the backend lost them meanwhile (the fake share backend's state file edited between runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import type { FakeShareDriver } from '../../src/drivers/fake-share/fake-share-driver.js';
import { startTestService, waitUntil } from '../support/test-service.js';

test('a restart re-applies every share\'s active rules on its backend', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-share-restart-'));
  const stateFile = join(dir, 'fake-share-state.json');
  const o = { dir, backends: { rnas: { share_driver: 'fake', fake_share_state_file: stateFile } }, defaults: { default_share_type: 't' } };
  const H = { 'content-type': 'application/json', 'x-openstack-manila-api-version': '2.73' };
  let svc = await startTestService(o);
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${svc.url}/v2/p1${path}`, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
      return r.json() as Promise<any>;
    };
    await call('POST', '/types', { share_type: { name: 't', extra_specs: { driver_handles_share_servers: 'False' } } });
    const id = (await call('POST', '/shares', { share: { size: 1, share_proto: 'NFS' } })).share.id as string;
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('shares').select('status').where('id', '=', id).executeTakeFirst())?.status === 'available' ? true : undefined));
    await call('POST', `/shares/${id}/action`, { allow_access: { access_type: 'ip', access_to: '10.3.0.0/24', access_level: 'rw' } });
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('shares').select('accessRulesStatus').where('id', '=', id).executeTakeFirst())?.accessRulesStatus === 'active' ? true : undefined));
    await svc.close();

    // The backend lost the export's clients while Flint was down.
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    state.shares[id].rules = {};
    writeFileSync(stateFile, JSON.stringify(state));
    FakeShareStore.reset('rnas');

    svc = await startTestService(o);
    const driver = svc.shareManagers.get('rnas')!.driver as FakeShareDriver;
    assert.deepEqual(Object.values(driver.store.state.shares[id]!.rules), ['ip:10.3.0.0/24:rw']);
    assert.ok(driver.store.calls.includes('ensureshares'));
  } finally {
    await svc.cleanup();
    FakeShareStore.reset('rnas');
    rmSync(dir, { recursive: true, force: true });
  }
});
