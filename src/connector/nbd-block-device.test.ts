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

// qemu-nbd answers structured replies: reads arrive as data and hole chunks, and the
// `base:allocation` context says which ranges read as zeroes (a backup skips those unread).
test('allocation status through qemu-nbd: holes and zeroed ranges read as zero, written ranges do not; reads across them assemble', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nbd-test-'));
  const MiB = 1024 * 1024;
  let opened: { close(): Promise<void> } | undefined;
  try {
    const file = join(dir, 'sparse.raw');
    const data = randomBytes(3 * MiB);
    const fh = await open(file, 'w');
    await fh.write(data, 0, data.length, 10 * MiB);
    await fh.close();
    await truncate(file, 32 * MiB);
    const ex = new ShellExecutor({ tries: 1 });
    const dev = await openBlockDevice(ex, { kind: 'file', path: file, format: 'raw' }, { readOnly: false, runDir: join(dir, 'run') });
    opened = dev;
    assert.equal(await dev.isZero(0, 10 * MiB), true);
    assert.equal(await dev.isZero(9 * MiB, 2 * MiB), false, 'a range with some data');
    assert.equal(await dev.isZero(10 * MiB, 3 * MiB), false);
    assert.equal(await dev.isZero(13 * MiB, 19 * MiB), true, 'the hole up to the end');
    const across = await dev.read(8 * MiB, 7 * MiB);
    assert.ok(across.subarray(0, 2 * MiB).equals(Buffer.alloc(2 * MiB)));
    assert.ok(across.subarray(2 * MiB, 5 * MiB).equals(data));
    assert.ok(across.subarray(5 * MiB).equals(Buffer.alloc(2 * MiB)));
    await dev.writeZeroes(10 * MiB, 3 * MiB);
    await dev.write(20 * MiB, Buffer.from('not zero'));
    await dev.flush();
    assert.equal(await dev.isZero(10 * MiB, 3 * MiB), true, 'zeroed (punched) range');
    assert.equal(await dev.isZero(16 * MiB, 8 * MiB), false, 'newly written range');
    await assert.rejects(dev.isZero(31 * MiB, 2 * MiB), /past the export's end/);
  } finally {
    await opened?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
