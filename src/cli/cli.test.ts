// The CLI end to end through bin/flint against the API over the real services (fake backend) on loopback.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { makeHarness, type Harness } from '../../test/api/harness.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flint');

function flint(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { cwd: '/', env: { ...process.env, FLINT_URL: url, FLINT_PROJECT: 'cli' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('flint CLI', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await makeHarness();
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => { await h.close(); });

  test('type create/set/list, volume create --wait/list/show/extend/delete, snapshots, --json', async () => {
    const t = await flint(url, ['type', 'create', 'gold', '--property', 'volume_backend_name=fake', '--json']);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(JSON.parse(t.stdout).extra_specs, { volume_backend_name: 'fake' });
    assert.equal((await flint(url, ['type', 'set', 'gold', '--property', 'fake_pool=pool0'])).code, 0);
    const types = JSON.parse((await flint(url, ['type', 'list', '--json'])).stdout);
    assert.deepEqual(types[0].extra_specs, { volume_backend_name: 'fake', fake_pool: 'pool0' });

    const c = await flint(url, ['volume', 'create', 'v1', '--size', '2', '--type', 'gold', '--property', 'a=b', '--wait', '--json']);
    assert.equal(c.code, 0, c.stderr);
    const v = JSON.parse(c.stdout);
    assert.equal(v.status, 'available');
    assert.deepEqual(v.metadata, { a: 'b' });
    const table = await flint(url, ['volume', 'list']);
    assert.match(table.stdout, /v1/);
    assert.match(table.stdout, /available/);
    assert.equal((await flint(url, ['volume', 'extend', v.id, '--size', '3', '--wait'])).code, 0);
    assert.equal(JSON.parse((await flint(url, ['volume', 'show', v.id, '--json'])).stdout).size, 3);

    const s = await flint(url, ['snapshot', 'create', v.id, '--name', 's1', '--wait', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const snap = JSON.parse(s.stdout);
    assert.equal(JSON.parse((await flint(url, ['snapshot', 'list', '--json'])).stdout)[0].id, snap.id);
    assert.equal((await flint(url, ['snapshot', 'delete', snap.id, '--wait'])).code, 0);

    const a = await flint(url, ['volume', 'attach', v.id, '--initiator', 'iqn.1994-05.com.example:h1', '--json']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).connection_info.data.target_portal, '127.0.0.1:3260');
    assert.equal(JSON.parse((await flint(url, ['volume', 'show', v.id, '--json'])).stdout).status, 'in-use');
    assert.equal((await flint(url, ['volume', 'detach', v.id])).code, 0);

    assert.equal((await flint(url, ['volume', 'delete', v.id, '--wait'])).code, 0);
    assert.equal((await flint(url, ['volume', 'show', v.id])).code, 1);
  });

  test('volumes and snapshots are named by id or by name, as in the README\'s first session', async () => {
    assert.equal((await flint(url, ['volume', 'create', 'first', '--size', '1', '--wait'])).code, 0);
    const shown = await flint(url, ['volume', 'show', 'first', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).name, 'first');
    const snap = await flint(url, ['snapshot', 'create', 'first', '--name', 'first-snap', '--wait']);
    assert.equal(snap.code, 0, snap.stderr);
    assert.equal((await flint(url, ['snapshot', 'delete', 'first-snap', '--wait'])).code, 0);
    const missing = await flint(url, ['volume', 'extend', 'nobody', '--size', '9']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No volume has the id or name 'nobody'/);
    assert.equal((await flint(url, ['volume', 'create', 'first', '--size', '1', '--wait'])).code, 0);
    const twice = await flint(url, ['volume', 'delete', 'first']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /2 volumes are named 'first'; give the id instead/);
  });

  test('errors: API messages on stderr with exit 1; bad options rejected locally', async () => {
    const r = await flint(url, ['volume', 'create', '--size', '5', '--type', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Volume type nope could not be found/);
    const bad = await flint(url, ['volume', 'create', '--size', 'x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--size must be a positive integer/);
    const down = await flint('http://127.0.0.1:1', ['volume', 'list']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /Cannot reach the Flint API/);
  });

  test('backend list and schedule explain', async () => {
    const e = await flint(url, ['schedule', 'explain', '--size', '4']);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, new RegExp(`Chosen: ${h.backendHost}#pool0`));
    const b = await flint(url, ['backend', 'list', '--json']);
    assert.equal(b.code, 0, b.stderr);
    const pools = JSON.parse(b.stdout);
    assert.deepEqual(pools.map((p: any) => [p.name, p.capabilities.volume_backend_name, p.capabilities.backend_problems]), [[`${h.backendHost}#pool0`, 'fake', undefined]]);
    const t = await flint(url, ['backend', 'list']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`${h.backendHost}#pool0`));
    assert.doesNotMatch(t.stdout, /Problems/, 'no problems column while no backend has one');
  });
});
