// The WAL checkpointer: the serving connection no longer checkpoints on its own, the thread does
// when nudged and once writes pause, a long WAL is started over, one a reader kept growing is
// emptied, writes are counted, close ends the thread, a failed thread hands checkpoints back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { WalCheckpointer, type CheckpointResult, type WalCheckpointerOptions } from './wal-checkpointer.js';
import { camelCaseStatements } from './row-mapping.js';

const PAGE = 4096;

interface Fixture {
  file: string;
  sqlite: SqliteDatabase.Database;
  checkpointer: WalCheckpointer;
  /** Every checkpoint so far, and who ran it. */
  results: Array<CheckpointResult & { by: 'thread' | 'serving' }>;
  /** Resolves at the next checkpoint the thread reports. */
  nextCheckpoint(): Promise<CheckpointResult>;
  cleanup(): Promise<void>;
}

function open(opts: WalCheckpointerOptions = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'flint-wal-'));
  const file = join(dir, 'flint.db');
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec('create table blobs (id integer primary key, body blob not null)');
  const results: Fixture['results'] = [];
  let waiting: ((r: CheckpointResult) => void) | null = null;
  const checkpointer = new WalCheckpointer(sqlite, file, {
    nudgeEvery: Number.MAX_SAFE_INTEGER,
    ...opts,
    onCheckpoint: (r, by) => {
      results.push({ ...r, by });
      if (by !== 'thread') return;
      waiting?.(r);
      waiting = null;
    },
  });
  return {
    file, sqlite, checkpointer, results,
    nextCheckpoint: () => new Promise((resolve) => { waiting = resolve; }),
    cleanup: async () => {
      await checkpointer.close();
      if (sqlite.open) sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Commits `pages` pages' worth of new rows, one page per row, in transactions of 100 rows. */
function writePages(sqlite: SqliteDatabase.Database, pages: number): void {
  const insert = sqlite.prepare('insert into blobs (body) values (randomblob(?))');
  const batch = sqlite.transaction((n: number) => { for (let i = 0; i < n; i++) insert.run(PAGE - 100); });
  for (let done = 0; done < pages; done += 100) batch(Math.min(100, pages - done));
}

const walBytes = (file: string) => statSync(`${file}-wal`).size;

test('the serving connection no longer checkpoints: its WAL grows past SQLite\'s 1,000 pages', async () => {
  const f = open();
  try {
    writePages(f.sqlite, 3000);
    assert.ok(walBytes(f.file) > 3000 * PAGE, `WAL is ${walBytes(f.file)} bytes`);
    assert.equal(f.checkpointer.started, false, 'no thread without a nudge');
  } finally {
    await f.cleanup();
  }
});

test('a nudge checkpoints the whole WAL on the thread, so the next commit starts it over', async () => {
  const f = open();
  try {
    writePages(f.sqlite, 1500);
    const done = f.nextCheckpoint();
    f.checkpointer.nudge();
    const r = await done;
    assert.equal(r.mode, 'PASSIVE');
    assert.equal(r.busy, 0);
    assert.ok(r.log >= 1500, `log ${r.log}`);
    assert.equal(r.checkpointed, r.log);
    // Every frame is in the database file: the next writer rewinds the WAL to its start.
    writePages(f.sqlite, 1);
    const frames = walFrames(f.sqlite);
    assert.ok(frames < 10, `WAL holds ${frames} frames after one more commit`);
  } finally {
    await f.cleanup();
  }
});

/** The WAL's frame count, read by a checkpoint of the serving connection (which copies nothing more if all is copied). */
function walFrames(sqlite: SqliteDatabase.Database): number {
  const [r] = sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
  return r!.log;
}

test('a long WAL that the thread copied is started over by the serving connection copying the rest', async () => {
  const f = open({ restartAfterFrames: 1000, quietMs: 60_000 });
  try {
    writePages(f.sqlite, 1200);
    const done = f.nextCheckpoint();
    f.checkpointer.nudge();
    await done;
    // The serving connection ran its checkpoint in the same turn as the report.
    assert.deepEqual(f.results.map((r) => r.by), ['thread', 'serving']);
    assert.equal(f.results[1]!.busy, 0);
    writePages(f.sqlite, 1);
    assert.ok(walFrames(f.sqlite) < 10, 'restarted');
  } finally {
    await f.cleanup();
  }
});

test('once writes pause, the thread copies what came after the last nudge', async () => {
  const f = open({ quietMs: 50 });
  try {
    writePages(f.sqlite, 300);
    let done = f.nextCheckpoint();
    f.checkpointer.nudge();
    await done;
    done = f.nextCheckpoint();
    // The first checkpoint copied everything, so these start the WAL over.
    writePages(f.sqlite, 200);
    const followUp = await done;
    assert.ok(followUp.log >= 200 && followUp.log < 300, JSON.stringify(followUp));
    assert.equal(followUp.checkpointed, followUp.log);
    // And no more: an idle database is left alone.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(f.results.length, 2);
  } finally {
    await f.cleanup();
  }
});

test('an event loop too busy to answer does not stop the thread', async () => {
  const f = open({ nudgeEvery: 20 });
  try {
    // Writes without ever yielding (a page every 0.2 ms or so, for 1.5 s): the thread's reports
    // wait, unanswered, until the end. Without the ack timeout the thread stops after one.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      writePages(f.sqlite, 1);
      f.checkpointer.noteWrite(10);
      const t0 = performance.now();
      while (performance.now() - t0 < 0.2);
    }
    await new Promise((r) => setTimeout(r, 100));
    const byThread = f.results.filter((r) => r.by === 'thread').length;
    assert.ok(byThread >= 2, `${byThread} checkpoints by the thread`);
  } finally {
    await f.cleanup();
  }
});

test('past the hard limit the thread waits for readers and empties the WAL', async () => {
  const f = open({ hardLimitFrames: 1000, restartAfterFrames: 1e9, busyTimeoutMs: 20 });
  const reader = new SqliteDatabase(f.file);
  try {
    writePages(f.sqlite, 10);
    // A read transaction holds its snapshot: nothing committed after it can be checkpointed.
    reader.exec('begin');
    reader.prepare('select count(*) from blobs').get();
    writePages(f.sqlite, 1200);
    let done = f.nextCheckpoint();
    f.checkpointer.nudge();
    const blocked = await done;
    assert.equal(blocked.mode, 'TRUNCATE');
    assert.equal(blocked.busy, 1, 'the reader is in the way');
    reader.exec('commit');
    done = f.nextCheckpoint();
    f.checkpointer.nudge();
    const emptied = await done;
    assert.deepEqual(emptied, { mode: 'TRUNCATE', busy: 0, log: 0, checkpointed: 0 });
    assert.equal(walBytes(f.file), 0);
  } finally {
    reader.close();
    await f.cleanup();
  }
});

test('writes through the dialect are counted, RETURNING ones included, reads are not', async () => {
  const f = open({ nudgeEvery: 50 });
  const kysely = new Kysely<{ blobs: { id: number; body: Buffer } }>({
    dialect: new SqliteDialect({ database: f.checkpointer.countWrites(camelCaseStatements(f.sqlite, (s) => s)) }),
  });
  try {
    for (let i = 0; i < 100; i++) await sql`select count(*) from blobs`.execute(kysely);
    assert.equal(f.checkpointer.started, false, 'reads do not count');
    // 24 inserts of one row count 2 each: 48, one short of a nudge.
    for (let i = 0; i < 24; i++) await sql`insert into blobs (body) values (zeroblob(10)) returning id`.execute(kysely);
    assert.equal(f.checkpointer.started, false);
    const done = f.nextCheckpoint();
    await sql`update blobs set body = zeroblob(20) where id <= 2`.execute(kysely);
    assert.equal(f.checkpointer.started, true);
    assert.equal((await done).busy, 0);
  } finally {
    await kysely.destroy();
    await f.cleanup();
  }
});

test('close ends the thread: the serving connection is then the last and removes the WAL', async () => {
  const f = open();
  try {
    writePages(f.sqlite, 200);
    const done = f.nextCheckpoint();
    f.checkpointer.nudge();
    await done;
    await f.checkpointer.close();
    f.sqlite.close();
    assert.equal(existsSync(`${f.file}-wal`), false, 'another connection (the thread\'s) was still open');
  } finally {
    await f.cleanup();
  }
});

test('when the thread fails, the serving connection checkpoints itself again', async () => {
  const f = open();
  const gone = new WalCheckpointer(f.sqlite, join(f.file, 'missing.db'));
  try {
    assert.equal(f.sqlite.pragma('wal_autocheckpoint', { simple: true }), 0);
    gone.nudge();
    const deadline = Date.now() + 10_000;
    while (f.sqlite.pragma('wal_autocheckpoint', { simple: true }) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(f.sqlite.pragma('wal_autocheckpoint', { simple: true }), 1000);
  } finally {
    await gone.close();
    await f.cleanup();
  }
});
