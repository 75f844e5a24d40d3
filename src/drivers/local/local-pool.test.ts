// The local pool with a real loop mount, and with one that fails: the fallback to the plain
// directory must say so (problem, warning) instead of silently becoming a different pool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, statfs, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ShellExecutor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { LocalPool } from './local-pool.js';

/** A logger whose lines land in `lines`. */
function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { logger: pino({ level: 'info' }, stream) as unknown as Logger, lines };
}

async function mountedAt(dir: string): Promise<boolean> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === dir);
}

describe('local pool setup', () => {
  test('the configured image is loop-mounted: XFS with reflink, no problem', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-ok-'));
    const ex = new ShellExecutor({ tries: 1 });
    const pool = new LocalPool({ dir: join(dir, 'pool'), image: join(dir, 'pool.img'), imageSizeGiB: 2, executor: ex, logger: capture().logger });
    try {
      await pool.setup();
      t.diagnostic(`pool filesystem ${pool.fsType}, reflink ${pool.reflink}, mounted ${pool.mountedByUs}`);
      assert.equal(pool.mountedByUs, true);
      assert.equal(await mountedAt(pool.dir), true);
      assert.equal(pool.fsType, 'xfs');
      assert.equal(pool.reflink, true);
      assert.equal(pool.problem, null);
    } finally {
      await pool.unmount().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an image that cannot be mounted: the plain directory serves, and the problem and a warning say so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-fallback-'));
    const image = join(dir, 'pool.img');
    // An existing image is used as it is: 64 MiB of zeros holds no filesystem, so mount fails.
    await writeFile(image, '');
    await truncate(image, 64 * 1024 * 1024);
    const { logger, lines } = capture();
    const pool = new LocalPool({ dir: join(dir, 'pool'), image, imageSizeGiB: 2, executor: new ShellExecutor({ tries: 1 }), logger });
    try {
      await pool.setup();
      assert.equal(pool.mountedByUs, false);
      assert.equal(await mountedAt(pool.dir), false);
      const types: Record<number, string> = { 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0xef53: 'ext4', 0x01021994: 'tmpfs' };
      const fs = (await statfs(pool.dir)).type;
      assert.equal(pool.fsType, types[fs] ?? `0x${fs.toString(16)}`, 'the filesystem reported is the directory\'s own');
      assert.ok(pool.problem, 'a failed mount is a problem');
      assert.match(pool.problem, new RegExp(`^Pool image ${image} is not mounted \\(.+\\); volumes live in the plain directory ${pool.dir} on ${pool.fsType}, reflink ${pool.reflink ? 'yes' : 'no'}`));
      const warning = lines.find((l) => l.level === 40 && l.msg === pool.problem);
      assert.ok(warning, `a warning carries the problem; logged: ${JSON.stringify(lines.map((l) => l.msg))}`);
      assert.deepEqual([warning.fs, warning.reflink], [pool.fsType, pool.reflink]);
      await pool.createFile('volume-x', 1);
      assert.equal(await pool.size('volume-x'), 1024 ** 3, 'the fallback pool works');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a plain directory chosen on purpose (no image) is not a problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pool-plain-'));
    const pool = new LocalPool({ dir, image: null, imageSizeGiB: 1, executor: new ShellExecutor({ tries: 1 }), logger: capture().logger });
    try {
      await pool.setup();
      assert.equal(pool.problem, null);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
