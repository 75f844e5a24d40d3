// A backend whose filter or goodness function does not parse is reported, and skipped
// by placement, instead of crashing it; a local pool that fell back to a plain directory is
// reported (and still used).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/local-test-backend.js';
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

describe('a local pool that fell back to a plain directory', () => {
  let svc: TestService;
  let dir = '';
  const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flint');
  const flint = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(BIN, args, { cwd: dir, env: { ...process.env, FLINT_URL: svc.url!, FLINT_PROJECT: 'admin' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fallback-'));
    // An existing image is used as it is; zeros hold no filesystem, so the loop mount fails.
    const image = join(dir, 'pool.img');
    writeFileSync(image, '');
    truncateSync(image, 64 * 1024 * 1024);
    const port = await freePort();
    svc = await startTestService({
      dir,
      backends: {
        plain: {
          volume_driver: 'local', local_pool_dir: join(dir, 'pool'), local_pool_image: image,
          target_port: port, tgtd_control_port: port % 32768, tgtd_health_interval_ms: 300,
        },
      },
    });
  });
  after(async () => {
    await svc?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('get_pools and flint backend list carry the problem, with the filesystem and reflink really in use', async () => {
    const pools = await (await fetch(`${svc.url}/v3/admin/scheduler-stats/get_pools?detail=true`)).json() as { pools: Array<{ name: string; capabilities: Record<string, any> }> };
    assert.equal(pools.pools.length, 1);
    const caps = pools.pools[0]!.capabilities;
    assert.equal(caps.backend_problems?.length, 1, JSON.stringify(caps));
    assert.match(caps.backend_problems[0], new RegExp(`is not mounted \\(.*wrong fs type.*\\); volumes live in the plain directory .* on ${caps.pool_filesystem}, reflink ${caps.reflink ? 'yes' : 'no'}`));
    assert.notEqual(caps.pool_filesystem, 'xfs', 'the stats name the filesystem in use, not the configured one');

    const json = await flint(['backend', 'list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout)[0].capabilities.backend_problems, caps.backend_problems);
    const table = await flint(['backend', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Problems/);
    assert.equal(table.stderr, `warning: ${pools.pools[0]!.name}: ${caps.backend_problems[0]}\n`);

    // The pool works all the same: a volume is made in the plain directory.
    const v = await svc.api.createVolume(adminCtx, { size: 1 });
    assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
  });
});
