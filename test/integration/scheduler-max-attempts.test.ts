// A create that fails on its backend is placed again elsewhere, up to scheduler_max_attempts
// backends in all (read from the configuration, not a constant).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminCtx, startTestService, waitForVolumeStatus, type TestService } from '../support/test-service.js';

let svc: TestService;
const failing = { volume_driver: 'fake', fake_fail_operations: 'create_volume' };

before(async () => {
  svc = await startTestService({
    defaults: { scheduler_max_attempts: 2 },
    backends: { f1: failing, f2: failing, f3: failing },
  });
});
after(async () => svc?.cleanup());

test('a failing create tries scheduler_max_attempts backends, then ends in error', async () => {
  const v = await svc.api.createVolume(adminCtx, { size: 1, name: 'unlucky' });
  // The injected failure is retryable: each backend retries it with backoff before giving up.
  assert.equal(await waitForVolumeStatus(svc, v.id, ['error', 'available'], 90_000), 'error');
  const creates = await svc.db.kysely.selectFrom('tasks').select(['queue', 'status']).where('resourceId', '=', v.id).where('kind', '=', 'create_volume').execute();
  assert.equal(creates.length, 2, JSON.stringify(creates));
  assert.equal(new Set(creates.map((c) => c.queue)).size, 2, 'each attempt on another backend');
  assert.ok(creates.every((c) => c.status === 'failed'));
  const schedules = await svc.db.kysely.selectFrom('tasks').select('id').where('resourceId', '=', v.id).where('kind', '=', 'schedule_volume').execute();
  assert.equal(schedules.length, 2);
});
