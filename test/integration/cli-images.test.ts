// `flint volume create --image FILE --wait` and `flint volume upload VOL FILE` through bin/flint
// against the whole service (fake backend, real qemu-img): the bytes make the round trip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startTestService, type TestService } from '../support/test-service.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flint');

describe('flint CLI image transfers (fake backend, real qemu-img)', () => {
  let svc: TestService;
  let images: string;
  const flint = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(BIN, args, { cwd: svc.dir, env: { ...process.env, FLINT_URL: svc.url!, FLINT_PROJECT: 'p-cli' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });

  before(async () => {
    svc = await startTestService({ backends: { imgfake: { volume_driver: 'fake' } } });
    images = join(svc.dir, 'var', 'images');
  });
  after(async () => svc?.cleanup());

  test('a local qcow2 becomes a volume, and the volume comes back as an equal local qcow2', async () => {
    const raw = join(svc.dir, 'seed.raw');
    const qcow2 = join(svc.dir, 'file.qcow2');
    execFileSync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=3', 'status=none']);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);

    const c = await flint(['volume', 'create', 'v', '--size', '1', '--image', qcow2, '--wait', '--json']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).status, 'available');
    assert.equal(c.stderr, '', 'without a terminal no bars are drawn');
    assert.deepEqual(readdirSync(join(images, '.store')), [], 'the uploaded image is removed once the volume is made');

    const out = join(svc.dir, 'out.qcow2');
    const u = await flint(['volume', 'upload', 'v', out, '--json']);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(JSON.parse(u.stdout).format, 'qcow2', 'the format follows the file extension');
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', out], { encoding: 'utf8' })).format, 'qcow2');
    // Non-strict compare: the 1 GiB volume past the 3 MiB image reads as zeroes.
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, out]);
    assert.deepEqual(readdirSync(join(images, '.store')), [], 'the server copy of the upload is removed');
    assert.equal(JSON.parse((await flint(['volume', 'show', 'v', '--json'])).stdout).status, 'available');

    const again = await flint(['volume', 'upload', 'v', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /out\.qcow2 exists; --force replaces it/);
    // --format wins over the extension. (qcow2: a raw download would be the whole 1 GiB volume.)
    const other = join(svc.dir, 'out.img');
    writeFileSync(other, 'old');
    const forced = await flint(['volume', 'upload', 'v', other, '--format', 'qcow2', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', other], { encoding: 'utf8' })).format, 'qcow2');
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, other]);
    assert.deepEqual(readdirSync(svc.dir).filter((f) => f.includes('.part-')), [], 'no partial download is left');
  });

  test('image list shows this project\'s images, not another project\'s', async () => {
    const put = (project: string, name: string) => fetch(`${svc.url}/v3/${project}/flint/images/${name}`, {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(Buffer.from('bytes')),
    });
    assert.equal((await put('p-cli', 'mine.raw')).status, 201);
    assert.equal((await put('p-other', 'theirs.raw')).status, 201);
    const l = await flint(['image', 'list', '--json']);
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(JSON.parse(l.stdout).map((i: { name: string; owner: string; size: number }) => [i.name, i.owner, i.size]), [['mine.raw', 'p-cli', 5]]);
    const table = await flint(['image', 'list']);
    assert.match(table.stdout, /mine\.raw/);
    assert.doesNotMatch(table.stdout, /theirs/);
    for (const [project, name] of [['p-cli', 'mine.raw'], ['p-other', 'theirs.raw']]) {
      assert.equal((await fetch(`${svc.url}/v3/${project}/flint/images/${name}`, { method: 'DELETE' })).status, 204);
    }
  });

  test('an image larger than the volume: the volume ends in error, exit 1, and the upload is still removed', async () => {
    const big = join(svc.dir, 'big.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', big, '2G']);
    const c = await flint(['volume', 'create', 'bad', '--size', '1', '--image', big, '--wait']);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /ended in status error/);
    assert.deepEqual(readdirSync(join(images, '.store')), []);
    const missing = await flint(['volume', 'create', 'nofile', '--size', '1', '--image', join(svc.dir, 'nope.qcow2')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.qcow2/);
    assert.equal(existsSync(join(svc.dir, 'nope.qcow2')), false);
  });
});
