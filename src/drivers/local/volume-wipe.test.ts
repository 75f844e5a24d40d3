import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wipeFile } from './volume-wipe.js';
import { ShellExecutor } from '../../exec/executor.js';

const MiB = 1024 * 1024;
const ex = new ShellExecutor();

test('volume_clear zero punches the whole file, or only volume_clear_size MiB; none keeps it; shred overwrites', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wipe-'));
  try {
    const data = randomBytes(4 * MiB);
    const f = join(dir, 'vol');
    await writeFile(f, data);
    await wipeFile(ex, f, 'none', 0);
    assert.ok((await readFile(f)).equals(data));
    await wipeFile(ex, f, 'zero', 1);
    const partial = await readFile(f);
    assert.ok(partial.subarray(0, MiB).every((b) => b === 0) && partial.subarray(MiB).equals(data.subarray(MiB)));
    await wipeFile(ex, f, 'zero', 0);
    const all = await readFile(f);
    assert.equal(all.length, 4 * MiB);
    assert.ok(all.every((b) => b === 0));
    await writeFile(f, data);
    await wipeFile(ex, f, 'shred', 0);
    assert.ok(!(await readFile(f)).subarray(0, MiB).equals(data.subarray(0, MiB)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
