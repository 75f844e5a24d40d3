// `flint share …` end to end through bin/flint against the whole service (fake share backend):
// type create/list, share create --wait, show, list, access allow/list/deny, snapshot
// create/list/delete, revert, extend, shrink (a refusal reported), delete, with --json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import type { FakeShareDriver } from '../../src/drivers/fake-share/fake-share-driver.js';
import { startTestService, type TestService } from '../support/test-service.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flint');

describe('flint share CLI', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ backends: { clinas: { share_driver: 'fake' } } });
  });
  after(async () => {
    await svc?.cleanup();
    FakeShareStore.reset('clinas');
  });

  function flint(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(BIN, args, { cwd: '/', env: { ...process.env, FLINT_URL: svc.url!, FLINT_PROJECT: 'cli-shares' }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  async function json(args: string[]): Promise<any> {
    const r = await flint([...args, '--json']);
    assert.equal(r.code, 0, `flint ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  async function ok(args: string[]): Promise<string> {
    const r = await flint(args);
    assert.equal(r.code, 0, `flint ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  test('the whole share lifecycle from the command line', async () => {
    const t = await json(['share', 'type', 'create', 'std', '--property', 'snapshot_support=True', '--property', 'revert_to_snapshot_support=True']);
    assert.equal(t.extra_specs.driver_handles_share_servers, 'False');
    assert.equal((await json(['share', 'type', 'list']))[0].name, 'std');

    const s = await json(['share', 'create', 'docs', '--size', '1', '--type', 'std', '--wait']);
    assert.equal(s.status, 'available');
    const shown = await json(['share', 'show', 'docs']);
    assert.ok(shown.export_locations.some((e: any) => e.path.startsWith('127.0.0.1:/')));
    assert.match(await ok(['share', 'list']), /docs.*available/);

    const rule = await json(['share', 'access', 'allow', 'docs', '127.0.0.1', '--level', 'ro', '--wait']);
    assert.equal(rule.state, 'active');
    assert.deepEqual((await json(['share', 'access', 'list', 'docs'])).map((r: any) => [r.access_to, r.access_level]), [['127.0.0.1', 'ro']]);
    const bad = await flint(['share', 'access', 'allow', 'docs', '10.0.0.0/33']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid IP access_to '10\.0\.0\.0\/33'/);

    const driver = svc.shareManagers.get('clinas')!.driver as FakeShareDriver;
    driver.writeData(s.id, 'v1', 1);
    const snap = await json(['share', 'snapshot', 'create', 'docs', '--name', 'docs-snap', '--wait']);
    assert.equal(snap.status, 'available');
    assert.equal((await json(['share', 'snapshot', 'list']))[0].id, snap.id);
    driver.writeData(s.id, 'v2', 1);
    await ok(['share', 'revert', 'docs', 'docs-snap', '--wait']);
    assert.equal(driver.store.state.shares[s.id]!.content, 'v1');

    assert.equal((await json(['share', 'extend', 'docs', '--size', '3', '--wait'])).size, 3);
    driver.writeData(s.id, 'v1', 2);
    const refused = await flint(['share', 'shrink', 'docs', '--size', '1', '--wait']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /still 3 GiB/);
    assert.equal((await json(['share', 'shrink', 'docs', '--size', '2', '--wait'])).size, 2);

    await ok(['share', 'access', 'deny', 'docs', rule.id, '--wait']);
    assert.deepEqual(await json(['share', 'access', 'list', 'docs']), []);
    await ok(['share', 'snapshot', 'delete', 'docs-snap', '--wait']);
    await ok(['share', 'delete', 'docs', '--wait']);
    assert.deepEqual(await json(['share', 'list']), []);
    const gone = await flint(['share', 'show', 'docs']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No share has the id or name 'docs'/);
  });
});
