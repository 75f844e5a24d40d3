// Keeps a SQLite file's WAL short without checkpointing on the event loop: a worker thread with
// its own connection copies the WAL into the database file after the serving connection has
// written enough.
//
// Why: SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages, on
// the thread that committed; copying those pages into the database file and syncing it took
// 6-15 ms of the event loop every few dozen volume creates.
//
// How the thread learns the WAL has grown: the serving connection counts its writes (one per
// write statement plus one per row changed, so a bulk insert counts for what it wrote) and nudges
// the thread every `nudgeEvery` of them, about 1,000 WAL pages of Flint's usual writes. better-
// sqlite3 has no WAL hook, and the -wal file's size does not shrink when the WAL restarts, so
// neither side can watch the page count directly; counting is a few instructions per write and
// one message per nudge, where polling would wake the thread forever on an idle database.
// The thread starts at the first nudge, so a database that is opened and closed having written
// little (most tests, CLI commands) never starts one.
//
// Starting the WAL over. A copied WAL is rewound by the next write that begins when every frame
// is in the database file. Under steady writes that never happens (the serving connection adds
// frames while the thread copies), so once the thread reports a WAL of `restartAfterFrames`,
// the serving connection checkpoints the few frames written since, itself: a small copy and two
// syncs, instead of SQLite's thousand-page copy every thousand pages. (A checkpoint that does not
// reach the WAL's end leaves the database file unsynced, which is safe as the WAL is kept until
// one that does; so the thread's copies are synced by this one.) Taking the writer lock
// from the thread instead (RESTART) makes this thread wait in SQLite's busy handler, which sleeps
// 1, 2, 5, 10… ms: measured, that blocked the event loop longer than checkpointing here.
// Only past `hardLimitFrames` (readers kept the WAL from restarting) does the thread use TRUNCATE:
// it waits up to `busyTimeoutMs` for readers, writers queue behind it, and the WAL is emptied.
// Safe at any time: a checkpoint copies only committed frames and syncs the WAL before the
// database file, whichever connection runs it, and a busy one is simply tried again later.
//
// Durability is unchanged: commits still append to the WAL under synchronous=NORMAL without an
// fsync, so a power loss can lose the last commits (never corrupt the file) and a process crash
// loses nothing. If the thread fails, the serving connection checkpoints itself again (SQLite's
// automatic checkpoint) rather than letting the WAL grow.
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as SqliteDialectDatabase, SqliteStatement } from 'kysely';

/** What one checkpoint did: SQLite's `wal_checkpoint` row and the mode that produced it. */
export interface CheckpointResult {
  mode: 'PASSIVE' | 'TRUNCATE';
  /** 1 when the checkpoint could not finish (a reader or writer was in the way). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames of them copied into the database file. */
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  /** Write units (write statements plus rows changed) between nudges. */
  nudgeEvery?: number;
  /** WAL frames past which the serving connection checkpoints the rest itself, to restart the WAL. */
  restartAfterFrames?: number;
  /**
   * WAL frames past which the thread stops being polite: a TRUNCATE checkpoint waits for
   * readers and blocks writers (for at most `busyTimeoutMs`), then empties the WAL.
   */
  hardLimitFrames?: number;
  busyTimeoutMs?: number;
  /** How long after a checkpoint with no further nudge the thread copies what came since. */
  quietMs?: number;
  /** Called with each checkpoint's outcome, the thread's and the serving connection's (tests, diagnostics). */
  onCheckpoint?: (result: CheckpointResult, by: 'thread' | 'serving') => void;
}

/** SQLite's own default threshold, kept for the automatic checkpoint fallback. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
const WORKER_URL = new URL('./wal-checkpoint-worker.mjs', import.meta.url);

export class WalCheckpointer {
  private readonly nudgeEvery: number;
  private readonly restartAfterFrames: number;
  private readonly hardLimitFrames: number;
  private units = 0;
  private worker: Worker | null = null;
  private exited: Promise<void> | null = null;
  private failed = false;
  private closed = false;

  /** `sqlite` is the serving connection to `file`, already in WAL mode. */
  constructor(private readonly sqlite: SqliteDatabase.Database, private readonly file: string, private readonly opts: WalCheckpointerOptions = {}) {
    this.nudgeEvery = opts.nudgeEvery ?? 900;
    this.restartAfterFrames = opts.restartAfterFrames ?? 4 * SQLITE_AUTOCHECKPOINT_PAGES;
    this.hardLimitFrames = opts.hardLimitFrames ?? 4 * this.restartAfterFrames;
    sqlite.pragma('wal_autocheckpoint = 0');
  }

  /** Records one write statement that changed `changes` rows. */
  noteWrite(changes: number): void {
    this.units += 1 + changes;
    if (this.units < this.nudgeEvery) return;
    this.units = 0;
    this.nudge();
  }

  /** Asks the thread for a checkpoint now (starting it if needed). */
  nudge(): void {
    if (this.closed || this.failed) return;
    try {
      this.worker ??= this.start();
    } catch {
      // No thread (no worker support, or its file missing from a build): a write must not fail for it.
      this.fail();
      return;
    }
    this.worker.postMessage('nudge');
  }

  /**
   * Wraps the statements Kysely's dialect prepares so that every write is counted, `UPDATE …
   * RETURNING` included (a "reader" to the dialect). Statements SQLite calls read-only (BEGIN and
   * COMMIT too) pass through untouched; the wrapper is kept per statement, as the inner handle
   * keeps its statements.
   */
  countWrites(inner: SqliteDialectDatabase): SqliteDialectDatabase {
    const seen = new WeakMap<SqliteStatement, SqliteStatement>();
    return {
      close: () => inner.close(),
      prepare: (text) => {
        const stmt = inner.prepare(text);
        let out = seen.get(stmt);
        if (!out) {
          out = (stmt as { readonly?: boolean }).readonly === true ? stmt : countingStatement(stmt, this);
          seen.set(stmt, out);
        }
        return out;
      },
    };
  }

  /**
   * Stops the thread (after the checkpoint it is running, if any). The serving connection's
   * close, being the last connection, then runs SQLite's final checkpoint and removes the WAL.
   */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage('stop');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Whether a checkpoint thread has been started (tests). */
  get started(): boolean {
    return this.worker !== null;
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, {
      workerData: { file: this.file, hardLimitFrames: this.hardLimitFrames, busyTimeoutMs: this.opts.busyTimeoutMs ?? 100, quietMs: this.opts.quietMs ?? 250 },
      // The thread loads nothing of the project: no TypeScript loader (inherited flags would start one).
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    // Neither the thread nor its messages keep the process alive: a process that exits without
    // closing the database just leaves the WAL for SQLite to recover at the next open.
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (result: CheckpointResult) => this.checkpointed(result));
    worker.on('error', () => this.fail());
    worker.once('exit', () => {
      if (!this.closed) this.fail();
    });
    return worker;
  }

  private checkpointed(result: CheckpointResult): void {
    this.opts.onCheckpoint?.(result, 'thread');
    if (this.shouldRestart(result)) {
      try {
        const [own] = this.sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<Omit<CheckpointResult, 'mode'>>;
        this.opts.onCheckpoint?.({ mode: 'PASSIVE', busy: own!.busy, log: own!.log, checkpointed: own!.checkpointed }, 'serving');
      } catch {
        // Nothing is lost by a checkpoint that failed; the next report tries again.
      }
    }
    if (!this.closed) this.worker?.postMessage('ack');
  }

  private shouldRestart(result: CheckpointResult): boolean {
    if (result.log < this.restartAfterFrames || this.closed || !this.sqlite.open) return false;
    // A reader holds frames back: this checkpoint could not finish either (the hard limit is for that).
    if (result.checkpointed < result.log) return false;
    // Not inside a transaction of the serving connection's (one spans awaits): the next report will do.
    return !this.sqlite.inTransaction;
  }

  /** The thread is gone: the serving connection checkpoints itself again, as SQLite does by default. */
  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}

function countingStatement(stmt: SqliteStatement, checkpointer: WalCheckpointer): SqliteStatement {
  return {
    reader: stmt.reader,
    all: (parameters) => {
      const rows = stmt.all(parameters);
      checkpointer.noteWrite(rows.length);
      return rows;
    },
    iterate: (parameters) => {
      checkpointer.noteWrite(0);
      return stmt.iterate(parameters);
    },
    run: (parameters) => {
      const info = stmt.run(parameters);
      checkpointer.noteWrite(Number(info.changes));
      return info;
    },
  };
}
