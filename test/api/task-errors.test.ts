// Errors that cross the task queue reach the client with their own status: the manager's
// error is recorded as a stable code and rebuilt by the API, so a capability the backend lacks
// is a 400 naming it, never a bare 500.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotSupported } from '../../src/errors/errors.js';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import { makeHarness, MV, type Harness } from './harness.js';

describe('task errors through the API', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness({ backend: { fake_disabled_capabilities: 'list_backend_volumes' } });
  });
  after(async () => h?.close());

  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = MV('3.44')) => h.app.inject({ method, url, payload: payload as object, headers });

  test('a driver that cannot make the connection asked for answers 400, not 500', async () => {
    const created = await inject('POST', '/v3/p1/volumes', { volume: { size: 1 } });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().volume.id as string;
    assert.equal(await h.waitVolume(id, ['available', 'error']), 'available');
    const driver = [...h.svc.managers.values()][0]!.driver as VolumeDriverCore;
    const original = driver.initializeConnection;
    // The driver lacks the transport this connector asks for, as a real one might (iSER, FC).
    driver.initializeConnection = async () => { throw new NotSupported(h.backendHost, 'iSER connections'); };
    try {
      const r = await inject('POST', `/v3/p1/volumes/${id}/action`, { 'os-initialize_connection': { connector: { initiator: 'iqn.2004-10.org.test:a', host: 'a' } } });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().badRequest.message, `Operation iSER connections is not supported by backend ${h.backendHost}.`);
    } finally {
      driver.initializeConnection = original;
    }
    const ok = await inject('POST', `/v3/p1/volumes/${id}/action`, { 'os-initialize_connection': { connector: { initiator: 'iqn.2004-10.org.test:a', host: 'a' } } });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('manageable_volumes on a backend without the capability: 400 from its manager, through the queue', async () => {
    const r = await inject('GET', `/v3/p1/manageable_volumes?host=${h.backendHost}`, undefined, MV('3.8'));
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().badRequest.message, /list manageable volumes is not supported by backend/);
    const task = await h.db.kysely.selectFrom('tasks').select(['status', 'errorCode']).where('kind', '=', 'list_manageable_volumes').executeTakeFirstOrThrow();
    assert.deepEqual(task, { status: 'failed', errorCode: 'not_supported' });
  });
});
