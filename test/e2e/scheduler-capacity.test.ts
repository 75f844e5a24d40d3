// The scheduler's view of capacity between stats reports: space a delete frees is usable at
// once, and space an extend takes is gone at once, not only after the backend's next report
// (report_interval is 60 s here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall } from '../support/http.js';

const PROJECT = 'capacity';

describe('scheduler capacity between stats reports (sqlite)', () => {
  let svc: TestService;
  const backend = 'capfull';

  // 3.5: message filters (resource_uuid) need it.
  const call = (method: string, path: string, body?: unknown) => apiCall(svc.url!, PROJECT, method, path, body, '3.5');
  const settle = (id: string, statuses: string[]) => waitUntil(async () => {
    const g = await call('GET', `/volumes/${id}`);
    const s = g.status === 404 ? 'deleted' : g.json.volume.status;
    return statuses.includes(s) ? s : undefined;
  }, 15_000, 50);

  before(async () => {
    FakeBackendStore.reset(backend);
    svc = await startTestService({
      defaults: { report_interval: 60 },
      backends: { [backend]: { volume_driver: 'fake', fake_thin_provisioning: false, fake_capacity_gib: 4 } },
    });
  });
  after(async () => svc?.cleanup());

  test('delete, then create in the freed space', async () => {
    for (let round = 0; round < 3; round++) {
      const c = await call('POST', '/volumes', { volume: { size: 4, name: `fill-${round}` } });
      assert.equal(c.status, 202);
      const status = await settle(c.json.volume.id, ['available', 'error']);
      if (status === 'error') {
        const m = await call('GET', `/messages?resource_uuid=${c.json.volume.id}`);
        assert.fail(`round ${round}: ${m.json.messages[0]?.user_message}`);
      }
      // Full now: the next one has no room, and the scheduler knows it without a report.
      const over = await call('POST', '/volumes', { volume: { size: 1 } });
      assert.equal(await settle(over.json.volume.id, ['available', 'error']), 'error');
      assert.equal(await call('DELETE', `/volumes/${over.json.volume.id}`).then((r) => r.status), 202);
      assert.equal(await call('DELETE', `/volumes/${c.json.volume.id}`).then((r) => r.status), 202);
      await settle(c.json.volume.id, ['deleted']);
      await settle(over.json.volume.id, ['deleted']);
      assert.equal(FakeBackendStore.get(backend).volumes().size, 0);
    }
  });

  test('room an extend takes is gone at once, without a report', async () => {
    const c = await call('POST', '/volumes', { volume: { size: 1 } });
    assert.equal(await settle(c.json.volume.id, ['available', 'error']), 'available');
    assert.equal((await call('POST', `/volumes/${c.json.volume.id}/action`, { 'os-extend': { new_size: 4 } })).status, 202);
    assert.equal(await settle(c.json.volume.id, ['available', 'error_extending']), 'available');
    // 4 of 4 GiB are used now; the scheduler must not place another volume on this pool.
    const over = await call('POST', '/volumes', { volume: { size: 1 } });
    assert.equal(await settle(over.json.volume.id, ['available', 'error']), 'error');
    const m = await call('GET', `/messages?resource_uuid=${over.json.volume.id}`);
    assert.match(m.json.messages[0].user_message, /CapacityFilter/);
    for (const id of [over.json.volume.id, c.json.volume.id]) {
      await call('DELETE', `/volumes/${id}`);
      await settle(id, ['deleted']);
    }
  });
});
