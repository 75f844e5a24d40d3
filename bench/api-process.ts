// The API role in its own Flint process, as production runs it, over a database this bench
// process opens too (to seed it); the service's memory and CPU read from /proc.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, openDatabase, type Db } from '../src/db/database.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from '../test/support/flint-process.js';
import { freePort } from '../test/support/http.js';
import { PG_URL, writeConfig, type DbKind, type TestServiceOptions } from '../test/support/test-service.js';

export interface ApiProcess {
  url: string;
  pid: number;
  /** This process's own connection to the service's database (migrated). */
  db: Db;
  /** State dir and PostgreSQL schema, for starting more roles over the same database. */
  dir: string;
  schema: string | undefined;
  /** Stops the service, closes `db`, drops what was created. */
  cleanup(): Promise<void>;
}

export async function startApiProcess(kind: DbKind, o: Pick<TestServiceOptions, 'defaults' | 'backends'>): Promise<ApiProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'flint-bench-'));
  const schema = kind === 'postgres' ? `flint_b_${process.pid}_${Date.now().toString(36)}` : undefined;
  const dbUrl = schema ? `${PG_URL}?options=-c%20search_path%3D${schema}` : join(dir, 'var', 'flint.sqlite');
  // Opening it first creates the schema and migrates, so the service starts on a ready database.
  const db = await openDatabase({ url: schema ? PG_URL : dbUrl, schema });
  const config = writeConfig(dir, { db: kind, backends: o.backends, defaults: { ...o.defaults, database_connection: dbUrl } });
  const listen = `127.0.0.1:${await freePort()}`;
  let child: ChildProcess;
  try {
    // The bundle runs without the tsx loader, as the compiled service does.
    child = await startFlintProcess(config, listen, 'fatal', ['api'], await bundledServeChild());
  } catch (e) {
    await db.close();
    if (schema) await dropSchema(PG_URL, schema);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://${listen}`, pid: child.pid!, db, dir, schema,
    async cleanup() {
      await stopFlintProcess(child);
      await db.close();
      if (schema) await dropSchema(PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident memory of a process now (VmRSS) and at its peak so far (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!m) throw new Error(`no ${field} for pid ${pid}`);
    return Number(m[1]);
  };
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** CPU milliseconds (user + system, every thread) a process has used, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * (1000 / CLOCK_TICKS_PER_SECOND);
}

/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
