// Drives Flint in child processes through SIGKILLs that land while requests and flows are
// in flight: bursts of concurrent API calls, a kill after a random delay, a restart, and a
// ledger of every 2xx. All-in-one (one process) or split (api+scheduler | volume@backend).
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/database.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from './flint-process.js';
import { Ledger } from './crash-ledger.js';
import { waitUntil } from './test-service.js';

export type Layout = 'all-in-one' | 'split';

/** Seeded so a failing run can be repeated (FLINT_CRASH_SEED). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

interface Reply { status: number; json: any }

/** The processes of one Flint deployment, killed and restarted on demand. */
export class FlintDeployment {
  private front: ChildProcess | null = null;
  private back: ChildProcess | null = null;
  private entry = '';
  readonly kills = { front: 0, back: 0 };
  /** Requests still unanswered when a kill landed, summed over the kills. */
  inFlightAtKill = 0;
  /** Time spent starting processes again, for the report. */
  restartMs = 0;

  constructor(private readonly config: string, private readonly listen: string, readonly layout: Layout, private readonly backend: string) {}

  async start(): Promise<void> {
    this.entry = await bundledServeChild();
    if (this.layout === 'split') this.back = await this.startBack();
    this.front = await this.startFront();
  }

  private startFront(): Promise<ChildProcess> {
    return startFlintProcess(this.config, this.listen, 'error', this.layout === 'split' ? ['api', 'scheduler'] : undefined, this.entry);
  }

  /** The manager starts first, so its stats are in the database when the scheduler starts. */
  private startBack(): Promise<ChildProcess> {
    return startFlintProcess(this.config, '127.0.0.1:0', 'error', [`volume@${this.backend}`], this.entry);
  }

  /** SIGKILL one process (in split layout `which` chooses), then start it again. */
  async killAndRestart(which: 'front' | 'back'): Promise<void> {
    const target = this.layout === 'all-in-one' ? 'front' : which;
    await this.kill(target);
    await this.restart(target);
  }

  /** SIGKILL one process and wait until it is gone; restart() brings it back. */
  async kill(which: 'front' | 'back'): Promise<void> {
    const child = which === 'front' ? this.front : this.back;
    if (!child) return;
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    child.kill('SIGKILL');
    await exited;
    this.kills[which]++;
    if (which === 'front') this.front = null; else this.back = null;
  }

  async restart(which: 'front' | 'back'): Promise<void> {
    const t = Date.now();
    if (which === 'front') this.front = await this.startFront();
    else this.back = await this.startBack();
    this.restartMs += Date.now() - t;
  }

  async stop(): Promise<void> {
    if (this.front) await stopFlintProcess(this.front);
    if (this.back) await stopFlintProcess(this.back);
    this.front = this.back = null;
  }

  get total(): number {
    return this.kills.front + this.kills.back;
  }
}

export interface WorkloadOptions {
  base: string;
  project: string;
  db: Db;
  deployment: FlintDeployment;
  kills: number;
  seed: number;
  /** Requests fired at once in each burst. */
  burst?: number;
  /** The kill lands this many ms (at most) after the burst starts. */
  maxKillDelayMs?: number;
  /** Live volumes the workload keeps at most (bounds backend space and run time). */
  maxVolumes?: number;
}

const INITIATORS = ['iqn.1993-08.org.debian:01:crash-a', 'iqn.1993-08.org.debian:01:crash-b', 'iqn.1993-08.org.debian:01:crash-c'];

/**
 * Runs `kills` rounds: read the current state, fire a burst of concurrent requests chosen
 * from it (create, delete, snapshot create/delete, extend, attach+complete, detach), kill a
 * process after a random delay while they are in flight, restart it. Returns the ledger.
 */
export async function runCrashWorkload(o: WorkloadOptions): Promise<Ledger> {
  const ledger = new Ledger();
  const rand = rng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const call = async (method: string, path: string, body?: unknown): Promise<Reply | null> => {
    const op = `${method} ${path.replace(/[0-9a-f-]{36}/g, 'ID').replace(/\?.*/, '')}`;
    try {
      const r = await fetch(`${o.base}/v3/${o.project}${path}`, {
        method, headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'volume 3.44' },
        body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000),
      });
      const text = await r.text();
      return tally(op, { status: r.status, json: text ? JSON.parse(text) : null });
    } catch {
      return tally(op, null); // killed under the request: outcome unknown, nothing promised
    }
  };
  const ok = (r: Reply | null): r is Reply => r !== null && r.status >= 200 && r.status < 300;
  // Non-2xx answers by status, for the report (a 5xx here is a finding too).
  const tally = (op: string, x: Reply | null): Reply | null => {
    const key = `${op} ${x === null ? 'no reply' : x.status}`;
    if (x === null || x.status >= 300) ledger.refused[key] = (ledger.refused[key] ?? 0) + 1;
    if (x && x.status >= 500) ledger.serverErrors.push(JSON.stringify(x.json).slice(0, 300));
    return x;
  };

  for (let round = 0; round < o.kills; round++) {
    const k = o.db.kysely;
    const vols = await k.selectFrom('volumes').select(['id', 'status', 'size']).where('projectId', '=', o.project).execute();
    const snaps = await k.selectFrom('snapshots').select(['id', 'status', 'volumeId']).where('projectId', '=', o.project).execute();
    const atts = await k.selectFrom('attachments').select(['id', 'volumeId', 'attachStatus', 'connector']).execute();
    const used = new Set<string>();
    const free = <T extends { id: string; status: string }>(xs: T[], status: string): T[] => xs.filter((x) => x.status === status && !used.has(x.id));
    let creates = 0;
    /** One request chosen from the state read above (null when nothing is left to do). */
    const choose = (): Promise<unknown> | null => {
      const r = rand();
      const available = free(vols, 'available');
      if (r < 0.3 && vols.length + creates < (o.maxVolumes ?? 14)) {
        const size = 1 + Math.floor(rand() * 2);
        creates++;
        return call('POST', '/volumes', { volume: { size, name: `crash-${round}-${creates}` } }).then((x) => {
          if (ok(x)) ledger.volumeCreated(x.json.volume.id, size);
        });
      } else if (r < 0.42 && available.length > 0) {
        const v = pick(available);
        used.add(v.id);
        return call('DELETE', `/volumes/${v.id}?cascade=true`).then((x) => { if (ok(x)) ledger.volumeDeleted(v.id); else if (x === null) ledger.deleteUnknown.add(v.id); });
      } else if (r < 0.55 && available.length > 0) {
        const v = pick(available);
        used.add(v.id);
        const newSize = v.size + 1;
        return call('POST', `/volumes/${v.id}/action`, { 'os-extend': { new_size: newSize } }).then((x) => { if (ok(x)) ledger.volumeExtended(v.id, newSize); });
      } else if (r < 0.68 && vols.some((v) => ['available', 'in-use'].includes(v.status) && !used.has(v.id))) {
        const v = pick(vols.filter((x) => ['available', 'in-use'].includes(x.status) && !used.has(x.id)));
        used.add(v.id);
        return call('POST', '/snapshots', { snapshot: { volume_id: v.id, force: true } }).then((x) => {
          if (ok(x)) ledger.snapshotCreated(x.json.snapshot.id, v.id);
        });
      } else if (r < 0.78 && free(snaps, 'available').length > 0) {
        const s = pick(free(snaps, 'available'));
        used.add(s.id);
        return call('DELETE', `/snapshots/${s.id}`).then((x) => { if (ok(x)) ledger.snapshotDeleted(s.id, s.volumeId); else if (x === null) ledger.deleteUnknown.add(s.id); });
      } else if (r < 0.9 && available.length > 0) {
        const v = pick(available);
        used.add(v.id);
        const connector = { initiator: pick(INITIATORS), host: 'crash-host', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };
        return (async () => {
          const a = await call('POST', '/attachments', { attachment: { volume_uuid: v.id, instance_uuid: randomUUID(), connector } });
          if (!ok(a)) return;
          ledger.attachCreated();
          const id = a.json.attachment.id as string;
          if (ok(await call('POST', `/attachments/${id}/action`, { 'os-complete': null }))) ledger.attachCompleted(id, v.id, connector.initiator);
        })();
      } else {
        const attached = atts.filter((a) => a.attachStatus === 'attached' && !used.has(a.volumeId));
        if (attached.length === 0) return null;
        const a = pick(attached);
        used.add(a.volumeId);
        const initiator = (JSON.parse(a.connector ?? '{}') as { initiator: string }).initiator;
        return call('DELETE', `/attachments/${a.id}`).then((x) => { if (ok(x)) ledger.detached(a.id, a.volumeId, initiator); else if (x === null) ledger.deleteUnknown.add(a.id); });
      }
      return null;
    };
    // `burst` lanes keep requests in flight until the kill: each sends its next request as
    // soon as the last one is answered (a read when nothing is left to change).
    let killing = false;
    let inFlight = 0;
    const lane = async (): Promise<void> => {
      while (!killing) {
        inFlight++;
        await (choose() ?? call('GET', '/volumes/detail').then(() => new Promise((r) => setTimeout(r, 20)))).finally(() => inFlight--);
      }
    };
    const lanes = Array.from({ length: o.burst ?? 8 }, lane);
    // The kill lands while requests and the flows they started are running.
    await new Promise((r) => setTimeout(r, 10 + rand() * (o.maxKillDelayMs ?? 700)));
    killing = true;
    o.deployment.inFlightAtKill += inFlight;
    const all = Promise.all(lanes);
    await o.deployment.killAndRestart(rand() < 0.5 ? 'front' : 'back');
    await all;
  }
  return ledger;
}

/**
 * After the last restart: act as the hosts would (an attachment left without a completed
 * connection is deleted, as Nova rolls back a failed attach), then wait until no task is open.
 */
export async function settle(base: string, project: string, db: Db, timeoutMs = 90_000): Promise<void> {
  const k = db.kysely;
  await waitUntil(async () => {
    const open = await k.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute();
    return open.length === 0 ? true : undefined;
  }, timeoutMs, 200);
  const loose = await k.selectFrom('attachments').select(['id', 'attachStatus']).where('attachStatus', '!=', 'attached').execute();
  for (const a of loose) {
    const r = await fetch(`${base}/v3/${project}/attachments/${a.id}`, { method: 'DELETE', headers: { 'OpenStack-API-Version': 'volume 3.44' } });
    if (r.status !== 200) throw new Error(`deleting the unfinished attachment ${a.id} (${a.attachStatus}) answered ${r.status}: ${await r.text()}`);
  }
  await waitUntil(async () => {
    const open = await k.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute();
    return open.length === 0 ? true : undefined;
  }, timeoutMs, 200);
}
