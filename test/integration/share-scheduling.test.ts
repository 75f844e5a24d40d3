// Shares are placed by the volume scheduler's engine over share backends only: capabilities
// against share-type extra specs, share_backend_name, availability zones, a failed create
// rescheduled elsewhere, and no valid backend ending in error with a user message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';

describe('share scheduling', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({
      backends: {
        vol: { volume_driver: 'fake' },
        nosnap: { share_driver: 'fake', fake_share_disabled_capabilities: 'snapshot,create_share_from_snapshot,revert_to_snapshot' },
        full: { share_driver: 'fake' },
        broken: { share_driver: 'fake', fake_share_fail_operations: 'create_share', backend_availability_zone: 'zone-x', share_backend_name: 'brokenbe' },
      },
      defaults: { scheduler_max_attempts: 3 },
    });
    for (const [name, specs] of Object.entries({
      snaps: { driver_handles_share_servers: 'False', snapshot_support: 'True' },
      pinned: { driver_handles_share_servers: 'False', share_backend_name: 'nosnap' },
      broken: { driver_handles_share_servers: 'False', share_backend_name: 'brokenbe' },
    })) await call('POST', '/types', { share_type: { name, extra_specs: specs } }, 200);
  });
  after(async () => {
    await svc?.cleanup();
    for (const b of ['nosnap', 'full', 'broken']) FakeShareStore.reset(b);
  });

  async function call(method: string, path: string, body?: unknown, status?: number): Promise<any> {
    const r = await fetch(`${svc.url}/v2/sched${path}`, { method, headers: { 'content-type': 'application/json', 'x-openstack-manila-api-version': '2.73' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (status !== undefined) assert.equal(r.status, status, text);
    return text ? JSON.parse(text) : null;
  }
  async function settle(id: string) {
    return waitUntil(async () => {
      const s = await svc.db.kysely.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
      return s && s.status !== 'creating' ? s : undefined;
    });
  }
  const create = async (type: string, extra: Record<string, unknown> = {}) =>
    settle((await call('POST', '/shares', { share: { size: 1, share_proto: 'NFS', share_type: type, ...extra } }, 200)).share.id);

  test('snapshot_support=True never lands on a backend without snapshots; share_backend_name pins', async () => {
    for (let i = 0; i < 4; i++) {
      const s = await create('snaps', { availability_zone: 'nova' });
      assert.equal(s.status, 'available');
      assert.match(s.host!, /@full#/);
    }
    const p = await create('pinned');
    assert.match(p.host!, /@nosnap#/);
  });

  test('no share backend in the zone: error, with a message naming the filter; a volume backend is never a candidate', async () => {
    const s = await create('pinned', { availability_zone: 'zone-x' });
    assert.equal(s.status, 'error');
    assert.equal(s.host, null);
    const msgs = (await call('GET', `/messages?resource_id=${s.id}`, undefined, 200)).messages;
    assert.match(msgs[0].user_message, /No storage could be allocated/);
    assert.match(msgs[0].user_message, /AvailabilityZoneFilter|availability zone|CapabilitiesFilter/i);
  });

  test('a backend whose create fails: retried elsewhere, then error with what happened; quota still counts the share', async () => {
    const s = await create('broken', { availability_zone: 'zone-x' });
    assert.equal(s.status, 'error');
    const msgs = (await call('GET', `/messages?resource_id=${s.id}`, undefined, 200)).messages;
    // Tried on the one backend that could take it, refused there, and nowhere else fits: the message says both.
    assert.match(msgs[0].user_message, /RetryFilter rejected 1 pool \(vm@broken#pool0/);
    assert.match(msgs[0].user_message, /The last backend tried failed with vm@broken: backend_error/);
    assert.doesNotMatch(msgs[0].user_message, /\bvolume\b/);
    const q = (await call('GET', '/quota-sets/sched/detail', undefined, 200)).quota_set;
    const n = (await svc.db.kysely.selectFrom('shares').select('id').where('projectId', '=', 'sched').execute()).length;
    assert.equal(q.shares.in_use, n);
    assert.equal(q.shares.reserved, 0);
  });
});
