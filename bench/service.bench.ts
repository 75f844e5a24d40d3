// Service benchmark over HTTP against a Flint child process on the fake driver: create and
// delete 200 volumes with 20 requests in flight (the first burst after start, then again), and
// the service's memory once it holds 10,000 volumes and a detail list of them has been paged
// through.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { writeConfig, type TestServiceOptions } from '../test/support/test-service.js';
import { apiCall, apiCall as call, freePort } from '../test/support/http.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from '../test/support/flint-process.js';


/** A Flint process on SQLite in a temp dir; `stop()` ends it and removes the dir. */
export interface ChildService {
  base: string;
  pid: number;
  /** Read-only view of the child's database, for waiting without loading the API. */
  db: SqliteDatabase.Database;
  /** Opens the child's database for writing (bulk inserts); close it before stopping. */
  writableDb(): SqliteDatabase.Database;
  stop(): Promise<void>;
}

export async function startChildService(o: Pick<TestServiceOptions, 'defaults' | 'backends'>): Promise<ChildService> {
  const dir = mkdtempSync(join(tmpdir(), 'flint-bench-'));
  const dbFile = join(dir, 'flint.sqlite');
  const config = writeConfig(dir, { ...o, defaults: { database_connection: dbFile, ...o.defaults } });
  const port = await freePort();
  let child: ChildProcess;
  try {
    // Compiled to one module, as `flint serve` runs compiled JavaScript: no TypeScript loader in its memory or CPU.
    child = await startFlintProcess(config, `127.0.0.1:${port}`, 'fatal', undefined, await bundledServeChild());
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const db = new SqliteDatabase(dbFile, { readonly: true });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    db,
    writableDb: () => new SqliteDatabase(dbFile),
    async stop() {
      db.close();
      await stopFlintProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { apiCall as call };

/** Run `n` jobs with at most `inFlight` running at once. */
export async function pool<T>(n: number, inFlight: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, inFlight) }, lane));
  return out;
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** VmRSS of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

const seconds = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e6) / 1000;

async function createAndDelete(report: (name: string, value: number) => void): Promise<void> {
  const svc = await startChildService({ backends: { benchfake: { volume_driver: 'fake', fake_capacity_gib: 100_000 } } });
  try {
    // The first burst after start also pays for compiling the code it runs and preparing its
    // statements; it is reported apart. The targets are the steady state: the same burst again.
    await createAndDelete200(svc, 'bench-first', (what, s) => report(`e2e.${what}_200_volumes.first_after_start.seconds`, s));
    await createAndDelete200(svc, 'bench', (what, s) => report(`e2e.${what}_200_volumes.seconds`, s));
  } finally {
    await svc.stop();
  }
}

/** 200 creates, 20 in flight, until all are available; then their deletes until all are gone. */
async function createAndDelete200(svc: ChildService, project: string, report: (what: 'create' | 'delete', seconds: number) => void): Promise<void> {
  const count = (status: string) => (svc.db.prepare('select count(*) as n from volumes where project_id = ? and status = ?').get(project, status) as { n: number }).n;
  const total = () => (svc.db.prepare('select count(*) as n from volumes where project_id = ?').get(project) as { n: number }).n;

  let t0 = process.hrtime.bigint();
  const ids = await pool(200, 20, async (i) => {
    const r = await call(svc.base, project, 'POST', '/volumes', { volume: { size: 1, name: `b${i}` } });
    if (r.status !== 202) throw new Error(`create: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.volume.id as string;
  });
  await until(() => count('available') === 200 || count('error') > 0, 60_000, 'create 200');
  if (count('error') > 0) throw new Error(`${count('error')} volumes ended in error`);
  report('create', seconds(t0));

  t0 = process.hrtime.bigint();
  await pool(ids.length, 20, async (i) => {
    const r = await call(svc.base, project, 'DELETE', `/volumes/${ids[i]}`);
    if (r.status !== 202) throw new Error(`delete: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  });
  await until(() => total() === 0 || count('error_deleting') > 0, 60_000, 'delete 200');
  if (total() !== 0) throw new Error(`${count('error_deleting')} volumes ended in error_deleting`);
  report('delete', seconds(t0));
}

/** Puts `n` available 1 GiB volumes of `project` straight into the child's database: creating them through the API would take minutes. */
export function insertVolumes(svc: ChildService, project: string, n: number, firstIndex = 0): void {
  const w = svc.writableDb();
  try {
    const typeId = (w.prepare('select id from volume_types order by created_at limit 1').get() as { id: string } | undefined)?.id ?? null;
    const host = (w.prepare('select backend_host from backend_stats limit 1').get() as { backend_host: string }).backend_host;
    const insert = w.prepare(`insert into volumes (id, project_id, user_id, display_name, display_description, size, status, attach_status,
      availability_zone, volume_type_id, host, bootable, multiattach, exported, created_at, updated_at)
      values (?, ?, 'u-bench', ?, 'bulk-inserted for a bench', 1, 'available', 'detached', 'nova', ?, ?, 0, 0, 0, ?, ?)`);
    const t = new Date('2030-01-01T00:00:00Z').getTime();
    w.transaction(() => {
      for (let i = firstIndex; i < firstIndex + n; i++) {
        const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
        const at = new Date(t + i * 1000).toISOString();
        insert.run(id, project, `${project}-${i}`, typeId, `${host}#pool0`, at, at);
      }
    })();
  } finally {
    w.close();
  }
}

async function memoryWith10000(report: (name: string, value: number) => void): Promise<void> {
  const N = 10_000;
  const project = 'rss';
  const svc = await startChildService({ backends: { benchrss: { volume_driver: 'fake', fake_capacity_gib: 1_000_000 } } });
  try {
    // Let start-up settle (first stats report, JIT warm-up of the routes) before the baseline.
    await call(svc.base, project, 'GET', '/volumes/detail?limit=1');
    await new Promise((r) => setTimeout(r, 500));
    report('service.rss_mb_idle', rssMiB(svc.pid));

    insertVolumes(svc, project, N);

    // Page through the detail list as a client does, following the next links.
    let seen = 0;
    let path: string | null = '/volumes/detail?limit=1000';
    while (path) {
      const r = await call(svc.base, project, 'GET', path);
      if (r.status !== 200) throw new Error(`list: HTTP ${r.status} ${JSON.stringify(r.json)}`);
      seen += r.json.volumes.length;
      const next: string | undefined = r.json.volumes_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
      path = next ? next.slice(next.indexOf(`/v3/${project}`) + `/v3/${project}`.length) : null;
    }
    if (seen !== N) throw new Error(`listed ${seen} volumes, expected ${N}`);
    report('service.rss_mb_10000_volumes', rssMiB(svc.pid));
  } finally {
    await svc.stop();
  }
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  await createAndDelete(report);
  await memoryWith10000(report);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run((name, value) => console.log(`${name}: ${value}`));
}
