import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from './image-store.js';

test('image names stay inside the image directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-images-'));
  try {
    const store = new ImageStore(dir);
    writeFileSync(join(dir, 'cirros.qcow2'), 'x');
    symlinkSync('/etc/passwd', join(dir, 'escape.raw'));
    assert.equal(store.existing('image', 'cirros.qcow2'), join(store.dir, 'cirros.qcow2'));
    assert.equal(store.existing('image', join(store.dir, 'cirros.qcow2')), join(store.dir, 'cirros.qcow2'));
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/b', '.hidden', '']) {
      assert.throws(() => store.existing('image', bad), /must be a file name|could not be found/, bad);
    }
    assert.throws(() => store.existing('image', 'escape.raw'), /not a regular file in the image directory/);
    assert.throws(() => store.existing('image', 'missing.raw'), /could not be found/);
    assert.throws(() => store.fresh('image_name', 'cirros.qcow2'), /already exists/);
    assert.throws(() => store.fresh('image_name', '../x'), /must be a file name/);
    assert.equal(store.fresh('image_name', 'new.qcow2'), join(store.dir, 'new.qcow2'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
