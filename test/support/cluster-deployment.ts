// A Flint cluster in child processes on one PostgreSQL schema: managers (one per fake
// backend, each its own process), scheduler processes and API processes, for tests and
// benches that burst creates through several APIs and schedulers and kill some of them.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, openDatabase, type Db } from '../../src/db/database.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from './flint-process.js';
import { freePort } from './http.js';
import { PG_URL, waitUntil, writeConfig } from './test-service.js';

export interface ClusterOptions {
  /** Private schema, so concurrent runs never see each other. */
  schema: string;
  apis: number;
  schedulers: number;
  /** Backend section → capacity of its one thick pool (GiB). */
  backends: Record<string, number>;
  /** Lease on a claimed task: how soon a dead scheduler's work passes to another one. */
  leaseSeconds?: number;
  /** Latency per fake driver call (keeps creates in flight). */
  fakeDelayMs?: number;
  /** PostgreSQL connections per process: every member together must stay under the server's max_connections. */
  poolSize?: number;
}

type Role = { kind: 'api' | 'scheduler'; index: number } | { kind: 'volume'; backend: string };

interface Member {
  role: Role;
  listen: string;
  child: ChildProcess;
}

export class ClusterDeployment {
  readonly db: Db;
  readonly apiUrls: string[] = [];
  private readonly members: Member[] = [];

  private constructor(private readonly o: ClusterOptions, private readonly dir: string, private readonly config: string, private readonly entry: string, db: Db) {
    this.db = db;
  }

  static async start(o: ClusterOptions): Promise<ClusterDeployment> {
    const dir = mkdtempSync(join(tmpdir(), 'flint-cluster-'));
    const db = await openDatabase({ url: PG_URL, schema: o.schema });
    const config = writeConfig(dir, {
      defaults: {
        report_interval: 1, task_lease_seconds: o.leaseSeconds ?? 30, database_max_connections: o.poolSize ?? 4,
        database_connection: `${PG_URL}?options=-c%20search_path%3D${o.schema}`,
      },
      backends: Object.fromEntries(Object.entries(o.backends).map(([name, gib]) => [name, {
        volume_driver: 'fake', fake_capacity_gib: gib, fake_thin_provisioning: false, fake_state_file: join(dir, `${name}.json`), fake_delay_ms: o.fakeDelayMs ?? 0,
      }])),
    });
    const c = new ClusterDeployment(o, dir, config, await bundledServeChild(), db);
    try {
      // Managers first, so their stats are in the database when the schedulers start.
      await Promise.all(Object.keys(o.backends).map((backend) => c.launch({ kind: 'volume', backend }, '127.0.0.1:0')));
      await Promise.all(Array.from({ length: o.schedulers }, (_, index) => c.launch({ kind: 'scheduler', index }, '127.0.0.1:0')));
      for (let index = 0; index < o.apis; index++) {
        const listen = `127.0.0.1:${await freePort()}`;
        await c.launch({ kind: 'api', index }, listen);
        c.apiUrls.push(`http://${listen}`);
      }
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async launch(role: Role, listen: string): Promise<void> {
    const roles = role.kind === 'volume' ? [`volume@${role.backend}`] : [role.kind];
    this.members.push({ role, listen, child: await startFlintProcess(this.config, listen, 'error', roles, this.entry) });
  }

  private find(match: (r: Role) => boolean): Member {
    const m = this.members.find((x) => match(x.role));
    if (!m) throw new Error('no such cluster member');
    return m;
  }

  /** SIGKILL a scheduler process (by index) or a backend's manager; resolves once it is gone. */
  async kill(which: { scheduler: number } | { volume: string }): Promise<void> {
    const m = this.find((r) => ('scheduler' in which ? r.kind === 'scheduler' && r.index === which.scheduler : r.kind === 'volume' && r.backend === which.volume));
    if (m.child.exitCode !== null || m.child.signalCode !== null) return;
    const gone = new Promise<void>((r) => m.child.once('exit', () => r()));
    m.child.kill('SIGKILL');
    await gone;
  }

  /** Starts a killed member again with the same roles. */
  async restart(which: { scheduler: number } | { volume: string }): Promise<void> {
    const i = this.members.findIndex((x) => ('scheduler' in which ? x.role.kind === 'scheduler' && x.role.index === which.scheduler : x.role.kind === 'volume' && x.role.backend === which.volume));
    const m = this.members[i]!;
    this.members.splice(i, 1);
    await this.launch(m.role, m.listen);
  }

  /** Volume ids and sizes the backend's state file holds (what the manager's process created). */
  backendVolumes(backend: string): Array<{ id: string; size: number }> {
    try {
      return (JSON.parse(readFileSync(join(this.dir, `${backend}.json`), 'utf8')) as { volumes: Array<{ id: string; size: number }> }).volumes;
    } catch {
      return [];
    }
  }

  /** Waits until no capacity reservation is left (every placement reported or ended). */
  async settled(timeoutMs = 30_000): Promise<void> {
    await waitUntil(async () => ((await this.db.kysely.selectFrom('capacityReservations').select('resourceId').execute()).length === 0 ? true : undefined), timeoutMs, 100);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => stopFlintProcess(m.child)));
    await this.db.close();
    await dropSchema(PG_URL, this.o.schema);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
