// A backend whose filter or goodness function does not parse is reported, and skipped
// by placement, instead of crashing it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminCtx, startTestService, waitForVolumeStatus, type TestService } from '../support/test-service.js';

describe('backend problems', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({
      backends: {
        good: { volume_driver: 'fake', fake_capacity_gib: 10 },
        bad: { volume_driver: 'fake', fake_capacity_gib: 1000, goodness_function: '(capabilities.total_capacity_gb +' },
      },
    });
  });
  after(async () => svc?.cleanup());

  test('the bad expression is in the backend status and that backend takes no volume', async () => {
    const row = await svc.db.kysely.selectFrom('backendStats').select('problems').where('backendHost', 'like', '%@bad').executeTakeFirstOrThrow();
    const problems = JSON.parse(row.problems) as string[];
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /Pool pool0: goodness_function '\(capabilities.total_capacity_gb \+' is invalid/);
    // The bad backend is bigger, so only its exclusion sends these volumes to `good`.
    for (let i = 0; i < 3; i++) {
      const v = await svc.api.createVolume(adminCtx, { size: 1 });
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
      const placed = await svc.db.kysely.selectFrom('volumes').select('host').where('id', '=', v.id).executeTakeFirstOrThrow();
      assert.match(placed.host!, /@good#/);
    }
    const pools = await (await fetch(`${svc.url}/v3/admin/scheduler-stats/get_pools?detail=true`)).json() as { pools: Array<{ name: string; capabilities: Record<string, unknown> }> };
    const badPool = pools.pools.find((p) => p.name.includes('@bad#'));
    assert.deepEqual(badPool?.capabilities.backend_problems, problems);
    assert.equal(pools.pools.find((p) => p.name.includes('@good#'))?.capabilities.backend_problems, undefined);
    const expl = await svc.api.explainPlacement(adminCtx, { size: 1 });
    const bad = expl.pools.find((p) => p.poolHost.includes('@bad#'));
    assert.ok(bad?.verdicts.some((v) => !v.passed && /goodness_function/.test(v.reason)), JSON.stringify(bad));
  });
});
