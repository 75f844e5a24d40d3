import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../exec/executor.js';
import { openBlockDevice, reapStaleNbdServers } from './nbd-block-device.js';

// A real qemu-nbd over a real file: what the client writes is what the file holds, and what the file holds is what the client reads.
test('reads, writes, zeroes and flushes through qemu-nbd; the server and its run directory go on close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nbd-test-'));
  try {
    const file = join(dir, 'vol.raw');
    await (await open(file, 'w')).close();
    await truncate(file, 64 * 1024 * 1024);
    const ex = new ShellExecutor({ tries: 1 });
    const runDir = join(dir, 'run');
    const dev = await openBlockDevice(ex, { kind: 'file', path: file, format: 'raw' }, { readOnly: false, runDir });
    assert.equal(dev.sizeBytes, 64 * 1024 * 1024);
    const data = randomBytes(9 * 1024 * 1024 + 123);
    await dev.write(1_000_000, data);
    await dev.writeZeroes(2_000_000, 4096);
    await dev.flush();
    const back = await dev.read(1_000_000, data.length);
    const expected = Buffer.from(data);
    expected.fill(0, 1_000_000, 1_000_000 + 4096);
    assert.ok(back.equals(expected));
    await assert.rejects(dev.write(64 * 1024 * 1024 - 1, Buffer.alloc(2)), /past the export's end/);
    await dev.close();
    const onDisk = (await readFile(file)).subarray(1_000_000, 1_000_000 + data.length);
    assert.ok(onDisk.equals(expected));
    assert.deepEqual(await readdir(runDir), []);
    const ro = await openBlockDevice(ex, { kind: 'file', path: file, format: 'raw' }, { readOnly: true, runDir });
    await assert.rejects(ro.write(0, Buffer.alloc(512)), /NBD request failed/);
    assert.ok((await ro.read(1_000_000, 16)).equals(expected.subarray(0, 16)));
    // A crashed owner leaves the server and its pid file: the reaper stops it.
    assert.equal(await reapStaleNbdServers(runDir), 1);
    assert.deepEqual(await readdir(runDir), []);
    await ro.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
