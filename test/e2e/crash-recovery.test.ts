// Crash recovery: Flint is SIGKILLed at random moments while requests and the flows they
// start are in flight, and restarted; afterwards every promise a 2xx made is kept and the
// backend holds exactly what the database says.
//
// What is covered (kills per scenario; FLINT_CRASH_KILLS sets the total per database,
// default 50, split 40/30/30 over the drivers):
//   SQLite, all roles in one process:              fake 20, local 15, ONTAP (ZAPI simulator) 15
//   PostgreSQL, api+scheduler | volume@backend:    fake 20, local 15, ONTAP (ZAPI simulator) 15
//     (each kill picks one of the two processes at random)
// In each round 8 lanes send requests back to back (volume create, delete with cascade,
// extend, snapshot create/delete, attach + os-complete, detach, chosen from the current
// state; a read when nothing is left to change) and a process is killed after 10..710 ms,
// with requests open and their flows running. After the last restart the test
// deletes attachments a kill left unfinished (as Nova rolls back a failed attach), waits
// for every task to end, and checks:
//   - no volume, snapshot or attachment transitional or in error (no fault is injected, so
//     everything a kill interrupted must have been finished or undone);
//   - every accepted create present (at least the size of any accepted extend), every
//     accepted delete gone (snapshots with their volume's cascade), every completed and
//     never-detached attachment present;
//   - quota usage equal to what exists, nothing left reserved;
//   - the backend's objects equal the rows: fake (its state file), local (pool files and
//     their sizes, tgtd targets and their ACLs read with tgtadm), ONTAP (LUNs and sizes,
//     LUN maps to igroups, one openstack igroup per initiator).
// A DELETE that got no answer promises nothing either way; an accepted one must have happened.
// The last test replays one window deterministically (a detach whose API process dies after
// the manager revoked the access), which the random kills found on ONTAP.
// FLINT_CRASH_SEED changes the random choices; timing still makes every run differ.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { ShellExecutor } from '../../src/exec/executor.js';
import { parseTgtShow } from '../../src/targets/tgt/tgt-show-parser.js';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions } from '../sim/ontap/ontap-driver-fixture.js';
import { PG_URL, waitUntil, writeConfig, type DbKind } from '../support/test-service.js';
import { freePort } from '../support/http.js';
import { FlintDeployment, runCrashWorkload, settle } from '../support/crash-harness.js';
import { Ledger, type BackendInventory } from '../support/crash-ledger.js';

const GiB = 1024 ** 3;
const PROJECT = 'crash';
const TOTAL = Number(process.env.FLINT_CRASH_KILLS ?? 50);
const SEED = Number(process.env.FLINT_CRASH_SEED ?? 20261128);
const exec = new ShellExecutor({ tries: 1, timeoutMs: 30_000 });

type DriverKind = 'fake' | 'local' | 'ontap';
const SHARE: Record<DriverKind, number> = { fake: 0.4, local: 0.3, ontap: 0.3 };
const killsFor = (d: DriverKind) => Math.max(1, Math.round(TOTAL * SHARE[d]));

interface Backend {
  options: Record<string, string | number | boolean>;
  inventory(): Promise<BackendInventory>;
  cleanup(): Promise<void>;
}

const volumeIdOf = (name: string): string | null => /^volume-(.+)$/.exec(name)?.[1] ?? null;
const snapshotIdOf = (name: string): string | null => /^snapshot-(.+)$/.exec(name)?.[1] ?? null;

async function fakeBackend(dir: string): Promise<Backend> {
  const stateFile = join(dir, 'fake-state.json');
  return {
    options: { volume_driver: 'fake', fake_capacity_gib: 100000, fake_state_file: stateFile, fake_delay_ms: 40, fake_delay_after_ms: 20, fake_protocol: 'iscsi' },
    async inventory() {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
        volumes: Array<{ id: string; size: number; connections: string[] }>; snapshots: Array<{ id: string }>; foreign: Array<{ name: string }>;
      };
      return {
        volumes: new Map(state.volumes.map((v) => [v.id, v.size])),
        snapshots: new Set(state.snapshots.map((s) => s.id)),
        access: new Map(state.volumes.map((v) => [v.id, new Set(v.connections)])),
        strays: state.foreign.map((f) => `foreign ${f.name}`),
      };
    },
    async cleanup() {},
  };
}

async function localBackend(dir: string): Promise<Backend> {
  const port = await freePort();
  const control = port % 32768;
  const pool = join(dir, 'pool');
  return {
    options: {
      volume_driver: 'local', local_pool_dir: pool, local_pool_image: join(dir, 'pool.img'), local_pool_image_size_gib: 200, // sparse: room for every workload timing, never filled
      target_port: port, tgtd_control_port: control, tgtd_health_interval_ms: 500, volume_clear: 'none',
    },
    async inventory() {
      const inv: BackendInventory = { volumes: new Map(), snapshots: new Set(), access: new Map(), strays: [] };
      for (const f of readdirSync(pool).filter((n) => !n.startsWith('.'))) {
        const vid = volumeIdOf(f);
        const sid = snapshotIdOf(f);
        if (vid) inv.volumes.set(vid, statSync(join(pool, f)).size / GiB);
        else if (sid) inv.snapshots.add(sid);
        else inv.strays.push(`pool file ${f}`);
      }
      // tgtd's own view (not the driver's memory): every target, its LUN and its ACLs.
      const show = await exec.run(['tgtadm', '-C', String(control), '--lld', 'iscsi', '--mode', 'target', '--op', 'show'], { quiet: true });
      for (const t of parseTgtShow(show.stdout)) {
        const vid = volumeIdOf(t.iqn.split(':').pop() ?? '');
        if (!vid || !inv.volumes.has(vid)) { inv.strays.push(`tgtd target ${t.iqn} without its pool file`); continue; }
        if (!t.luns.includes(1)) inv.strays.push(`tgtd target ${t.iqn} without its LUN`);
        inv.access.set(vid, new Set(t.acls));
      }
      return inv;
    },
    async cleanup() {
      // The tgtd our processes started (found by its portal), the pool mount, its loop device.
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        const cmd = (() => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } })();
        if (cmd[0] === 'tgtd' && cmd.includes(`portal=127.0.0.1:${port}`)) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
      }
      if (readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === pool)) {
        await exec.run(['umount', '-l', pool]).catch(() => undefined);
      }
      const loops = await exec.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
      for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await exec.run(['losetup', '-d', m[1]!]).catch(() => undefined);
    },
  };
}

async function ontapBackend(): Promise<Backend> {
  const sim = await OntapSimulator.start();
  // Slow every ZAPI call a little so kills land between the calls of one flow.
  sim.inject({ kind: 'delay', delayMs: 25 });
  return {
    options: simOptions(sim, 'cmode-zapi', { netapp_pool_name_search_pattern: 'vol1' }),
    async inventory() {
      const s = sim.state;
      const inv: BackendInventory = { volumes: new Map(), snapshots: new Set(), access: new Map(), strays: [] };
      const byPath = new Map<string, string>();
      for (const l of s.luns.values()) {
        const vid = volumeIdOf(l.name);
        const sid = snapshotIdOf(l.name);
        if (vid) { inv.volumes.set(vid, l.sizeBytes / GiB); byPath.set(l.path, vid); } else if (sid) inv.snapshots.add(sid);
        else inv.strays.push(`LUN ${l.path}`);
      }
      const owner = new Map<string, string>();
      for (const g of s.igroups.values()) {
        if (!g.name.startsWith('openstack-')) inv.strays.push(`igroup ${g.name}`);
        for (const i of g.initiators) {
          if (owner.has(i)) inv.strays.push(`initiator ${i} in two igroups (${owner.get(i)}, ${g.name})`);
          owner.set(i, g.name);
        }
      }
      for (const m of s.maps) {
        const vid = byPath.get(m.path);
        if (!vid) { inv.strays.push(`map of ${m.path} to ${m.igroup}`); continue; }
        if (!inv.access.has(vid)) inv.access.set(vid, new Set());
        for (const i of s.igroups.get(m.igroup)?.initiators ?? []) inv.access.get(vid)!.add(i);
      }
      return inv;
    },
    async cleanup() {
      await sim.stop();
    },
  };
}

const SCENARIOS: Array<{ db: DbKind; driver: DriverKind }> = [
  { db: 'sqlite', driver: 'fake' }, { db: 'sqlite', driver: 'local' }, { db: 'sqlite', driver: 'ontap' },
  { db: 'postgres', driver: 'fake' }, { db: 'postgres', driver: 'local' }, { db: 'postgres', driver: 'ontap' },
];
const survived: Record<string, number> = {};

// FLINT_CRASH_ONLY=driver/db (e.g. local/postgres) runs one scenario while working on it.
const ONLY = process.env.FLINT_CRASH_ONLY;
for (const [n, sc] of SCENARIOS.entries()) {
  if (ONLY && ONLY !== `${sc.driver}/${sc.db}`) continue;
  const layout = sc.db === 'sqlite' ? 'all-in-one' : 'split';
  const kills = killsFor(sc.driver);
  describe(`crash recovery: ${sc.driver} on ${sc.db} (${layout})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-crash-'));
    const schema = `flint_crash_${process.pid}_${n}`;
    let backend: Backend;
    let deployment: FlintDeployment | null = null;
    let db: Db;
    let base = '';

    before(async () => {
      backend = sc.driver === 'fake' ? await fakeBackend(dir) : sc.driver === 'local' ? await localBackend(dir) : await ontapBackend();
      const url = sc.db === 'postgres' ? `${PG_URL}?options=-c%20search_path%3D${schema}` : join(dir, 'flint.sqlite');
      db = sc.db === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url });
      const config = writeConfig(dir, {
        defaults: { task_lease_seconds: 5, report_interval: 2, database_connection: url },
        backends: { crashb: backend.options },
      });
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      deployment = new FlintDeployment(config, `127.0.0.1:${port}`, layout, 'crashb');
      await deployment.start();
    });

    after(async () => {
      await deployment?.stop().catch(() => undefined);
      await backend?.cleanup().catch(() => undefined);
      await db?.close();
      if (sc.db === 'postgres') await dropSchema(PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    });

    test(`${kills} SIGKILLs during requests and flows keep every promise`, async () => {
      const t0 = Date.now();
      const ledger = await runCrashWorkload({ base, project: PROJECT, db, deployment: deployment!, kills, seed: SEED + n });
      const t1 = Date.now();
      await settle(base, PROJECT, db);
      process.stdout.write(`# crash ${sc.driver}/${sc.db}: workload ${t1 - t0} ms (restarts ${deployment!.restartMs} ms), settle ${Date.now() - t1} ms\n`);
      const accepted = Object.values(ledger.accepted).reduce((a, b) => a + b, 0);
      process.stdout.write(`# crash ${sc.driver}/${sc.db}: kills ${JSON.stringify(deployment!.kills)} with ${deployment!.inFlightAtKill} requests in flight, accepted ${JSON.stringify(ledger.accepted)}, refused ${JSON.stringify(ledger.refused)}\n`);
      assert.deepEqual(ledger.serverErrors, [], '5xx answers');
      assert.ok((ledger.accepted['volume create'] ?? 0) >= 5, `only ${ledger.accepted['volume create'] ?? 0} creates were accepted`);
      assert.ok(accepted >= kills, `only ${accepted} requests were accepted over ${kills} rounds`);
      // The kills landed mid-flow: some tasks were claimed again after a crash.
      assert.ok(deployment!.inFlightAtKill > 0, 'no kill landed while a request was in flight');
      const resumed = await db.kysely.selectFrom('tasks').select('id').where('attempts', '>', 1).execute();
      process.stdout.write(`# crash ${sc.driver}/${sc.db}: ${resumed.length} tasks ran again after a kill\n`);
      assert.ok(resumed.length > 0, 'no task was interrupted by a kill; the test did not test recovery');

      await ledger.verify(db, PROJECT, await backend.inventory());
      survived[sc.db] = (survived[sc.db] ?? 0) + deployment!.total;
    });
  });
}

after(() => {
  process.stdout.write(`# crash kills survived: ${JSON.stringify(survived)}\n`);
});

// A detach whose API process dies after the backend removed the host's access, before the
// attachment row was dropped: the database must not go on saying the host is attached.
describe('crash recovery: a detach whose caller dies after the backend finished (postgres, split)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-crash-detach-'));
  const schema = `flint_crash_${process.pid}_detach`;
  let backend: Backend;
  let deployment: FlintDeployment | null = null;
  let db: Db;
  let base = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}/v3/${PROJECT}${path}`, {
      method, headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'volume 3.44' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };

  before(async () => {
    backend = await fakeBackend(dir);
    db = await openDatabase({ url: PG_URL, schema });
    const config = writeConfig(dir, {
      defaults: { task_lease_seconds: 5, report_interval: 2, database_connection: `${PG_URL}?options=-c%20search_path%3D${schema}` },
      backends: { crashb: { ...backend.options, fake_delay_ms: 0, fake_delay_after_ms: 0 } },
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    deployment = new FlintDeployment(config, `127.0.0.1:${port}`, 'split', 'crashb');
    await deployment.start();
  });

  after(async () => {
    await deployment?.stop().catch(() => undefined);
    await db?.close();
    await dropSchema(PG_URL, schema);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the attachment is gone once the backend has revoked the access', async () => {
    const v = await call('POST', '/volumes', { volume: { size: 1 } });
    assert.equal(v.status, 202, JSON.stringify(v.json));
    const id = v.json.volume.id as string;
    await waitUntil(async () => ((await call('GET', `/volumes/${id}`)).json.volume.status === 'available' ? true : undefined), 30_000, 50);
    const connector = { initiator: 'iqn.1993-08.org.debian:01:crash-d', host: 'crash-host' };
    const a = await call('POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: '22222222-3333-4444-5555-666666666666', connector } });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal((await call('POST', `/attachments/${a.json.attachment.id}/action`, { 'os-complete': null })).status, 204);

    // The volume manager is down: the detach waits for it. The API process dies meanwhile.
    await deployment!.kill('back');
    const detach = call('DELETE', `/attachments/${a.json.attachment.id}`).catch(() => null);
    await waitUntil(async () => (await db.kysely.selectFrom('tasks').select('id').where('kind', '=', 'terminate_connection').executeTakeFirst()) ? true : undefined, 10_000, 20);
    await deployment!.kill('front');
    assert.equal(await detach, null, 'the detach got no answer');
    // The manager comes back and revokes the access; the API comes back later.
    await deployment!.restart('back');
    await waitUntil(async () => (await db.kysely.selectFrom('tasks').select('id').where('kind', '=', 'terminate_connection').where('status', '=', 'done').executeTakeFirst()) ? true : undefined, 30_000, 50);
    await deployment!.restart('front');
    await settle(base, PROJECT, db);
    await new Ledger().verify(db, PROJECT, await backend.inventory());
  });
});
