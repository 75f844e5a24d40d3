import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ImageStore } from './image-store.js';

test('image names stay inside the image directory and links are never followed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-images-'));
  try {
    const store = new ImageStore(dir);
    writeFileSync(join(dir, 'cirros.qcow2'), 'x');
    writeFileSync(join(dir, 'target.raw'), 'kept');
    symlinkSync('/etc/passwd', join(dir, 'escape.raw'));
    symlinkSync('target.raw', join(dir, 'inside.raw'));
    assert.equal(await store.operatorFile('image', 'cirros.qcow2'), join(store.dir, 'cirros.qcow2'));
    assert.equal(await store.operatorFile('image', join(store.dir, 'cirros.qcow2')), join(store.dir, 'cirros.qcow2'));
    assert.equal(await store.operatorFile('image', 'missing.raw'), null);
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/b', '.hidden', '.store', '']) {
      await assert.rejects(store.operatorFile('image', bad), /must be a file name/, bad);
    }
    for (const link of ['escape.raw', 'inside.raw']) {
      await assert.rejects(store.operatorFile('image', link), /not a regular file in the image directory/);
      await assert.rejects(store.removeOperatorFile('image', link), /not a regular file/);
      await assert.rejects(store.openRead('image', link, join(store.dir, link)), /not a regular file/);
    }
    execFileSync('mkfifo', [join(dir, 'pipe.raw')]);
    await assert.rejects(store.operatorFile('image', 'pipe.raw'), /not a regular file/);
    await assert.rejects(store.openRead('image', 'pipe.raw', join(store.dir, 'pipe.raw')), /not a regular file/, 'refused, not left waiting for a writer');
    assert.equal(readFileSync(join(dir, 'target.raw'), 'utf8'), 'kept');
    assert.equal(existsSync(join(dir, 'inside.raw')), true);
    assert.equal(await store.removeOperatorFile('image', 'cirros.qcow2'), true);
    assert.equal(existsSync(join(dir, 'cirros.qcow2')), false);
    assert.throws(() => store.pathOf('../x'), /Not an image id/);
    const id = '0b0e7a4e-0000-4000-8000-000000000001';
    assert.equal(store.pathOf(id), join(store.dir, '.store', id));
    assert.notEqual(store.uploadTemp(id), store.uploadTemp(id), 'each upload has its own temp file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
