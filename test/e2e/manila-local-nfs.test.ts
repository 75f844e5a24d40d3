// Issue 12's acceptance path end to end: the real `manila` client drives a whole Flint whose
// share backend is the `local` driver (XFS images, NFS-Ganesha with NFSv3+4 in a private
// network namespace), and libnfs's tools are the NFS client, from inside that namespace, at
// the address the API's export location names. Every API step is a `manila` command; every
// data claim is bytes written or read over NFS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/executor.js';
import type { LocalShareDriver } from '../../src/drivers/local-share/local-share-driver.js';
import { startTestService, waitUntil, writeConfig, type TestService } from '../support/test-service.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from '../support/flint-process.js';
import { freePort } from '../support/local-test-backend.js';
import { NfsClient, sourceAddressEnv } from '../support/local-share-backend.js';
import { cleanupLocalShareLeftovers, localShareSection } from '../support/local-share-service.js';

const MANILA = '/usr/bin/manila';
const PROJECT = 'manila-nfs';
const BACKEND = 'lnfs';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('manila CLI against Flint with the local share driver, bytes over real NFS', () => {
  const executor = new ShellExecutor({ tries: 1 });
  let dir = '';
  let netns = '';
  let svc: TestService | undefined;
  let from: (address: string) => Record<string, string>;
  const payload = randomBytes(8 * MiB);
  const later = randomBytes(2 * MiB);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-manila-nfs-'));
    const s = await localShareSection(dir);
    netns = s.netns;
    svc = await startTestService({ dir, backends: { [BACKEND]: s.section } });
    from = await sourceAddressEnv(executor, dir);
    await writeFile(join(dir, 'payload.bin'), payload);
    await writeFile(join(dir, 'later.bin'), later);
  });
  after(async () => {
    await svc?.cleanup().catch(() => undefined);
    if (dir) await cleanupLocalShareLeftovers(executor, dir, BACKEND, netns);
  });

  function manila(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', OS_TOKEN: `demo:${PROJECT}`, OS_MANILA_BYPASS_URL: `${svc!.url}/v2/${PROJECT}`,
    };
    return new Promise((resolve) => {
      execFile(MANILA, args, { env, cwd: dir, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  async function ok(args: string[]): Promise<string> {
    const r = await manila(args);
    assert.equal(r.code, 0, `manila ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  /** A `| Property | Value |` table's value. */
  function field(out: string, name: string): string {
    const m = new RegExp(`^\\|\\s*${name}\\s*\\|\\s*(.*?)\\s*\\|$`, 'm').exec(out);
    assert.ok(m, `no ${name} in:\n${out}`);
    return m[1]!;
  }
  /** Polls `manila show` (the API, not the database) until `check` holds; an error status fails at once. */
  async function untilShown(cmd: 'show' | 'snapshot-show', name: string, check: (out: string) => boolean, timeoutMs = 60_000): Promise<string> {
    return waitUntil(async () => {
      const out = await ok([cmd, name]);
      const status = field(out, 'status');
      if (status.includes('error')) throw new Error(`${name} went to ${status}:\n${out}`);
      return check(out) ? out : undefined;
    }, timeoutMs, 250);
  }
  const available = (out: string) => field(out, 'status') === 'available';
  const rulesSynced = (out: string) => available(out) && field(out, 'access_rules_status') === 'active';

  /** The NFS client of the export location the API names for a share (in the backend's namespace). */
  async function clientOf(name: string): Promise<NfsClient> {
    const out = await ok(['share-export-location-list', name, '--columns', 'Path,Preferred']);
    const paths = [...out.matchAll(/^\|\s*(127\.0\.0\.1:\/\S+)\s*\|\s*True\s*\|$/gm)].map((m) => m[1]!);
    assert.equal(paths.length, 1, `one preferred export location:\n${out}`);
    return new NfsClient(executor, { path: paths[0]!, metadata: { netns, nfs_port: '2049' } });
  }
  async function readBack(c: NfsClient, file: string, env?: Record<string, string>): Promise<Buffer> {
    const out = join(dir, `read-${Math.random().toString(36).slice(2)}`);
    await c.get(file, out, { env });
    return readFile(out);
  }
  const driver = () => svc!.shareManagers.get(BACKEND)!.driver as unknown as LocalShareDriver;

  let c1: NfsClient;
  let ruleRw = '';
  let snapId = '';

  test('type, share, access allow ip rw: bytes written over NFS to the export the API names read back', async () => {
    await ok(['type-create', 'localnfs', 'false', '--snapshot-support', 'true', '--create-share-from-snapshot-support', 'true', '--revert-to-snapshot-support', 'true']);
    const created = await ok(['create', 'NFS', '1', '--name', 'n1', '--share-type', 'localnfs']);
    assert.equal(field(created, 'share_proto'), 'NFS');
    const shown = await untilShown('show', 'n1', available);
    assert.match(field(shown, 'host'), new RegExp(`@${BACKEND}#`));
    c1 = await clientOf('n1');

    const refused = await c1.put(join(dir, 'payload.bin'), 'before.bin', { ok: false });
    assert.notEqual(refused.exitCode, 0, 'no rule yet: no access');

    ruleRw = field(await ok(['access-allow', 'n1', 'ip', '127.0.0.1', '--access-level', 'rw']), 'id');
    await untilShown('show', 'n1', rulesSynced);
    assert.match(await ok(['access-list', 'n1']), new RegExp(`${ruleRw}.*127\\.0\\.0\\.1.*rw.*active`));

    await c1.put(join(dir, 'payload.bin'), 'payload.bin');
    assert.ok((await readBack(c1, 'payload.bin')).equals(payload), 'NFSv4 read of what NFSv3 wrote');
  });

  test('bad rules get Manila\'s 400 through the client; the rules and the export stay as they were', async () => {
    const before = await ok(['access-list', 'n1']);
    for (const [args, message] of [
      // (the client itself refuses this one before asking Flint; test/api/shares.test.ts has Flint's answer)
      [['ip', '10.0.0.0/33'], /'10\.0\.0\.0\/33'/],
      [['user', 'alice'], /Only 'ip' access type is allowed for NFS shares/],
      [['ip', '127.0.0.1', '--access-level', 'rw'], /exists/],
      [['ip', '127.0.0.5', '--access-level', 'rx'], /access.?level/i],
    ] as const) {
      const r = await manila(['access-allow', 'n1', ...args]);
      assert.notEqual(r.code, 0, `access-allow ${args.join(' ')} was accepted`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /HTTP 5\d\d/);
    }
    assert.equal(await ok(['access-list', 'n1']), before);
    assert.equal(field(await ok(['show', 'n1']), 'access_rules_status'), 'active');
    await c1.put(join(dir, 'later.bin'), 'after-bad-rules.bin');
    assert.ok((await readBack(c1, 'after-bad-rules.bin')).equals(later), 'the rw rule still works');
  });

  test('a read-only rule reads but cannot write; a client outside every rule cannot see or mount the export', async () => {
    const ruleRo = field(await ok(['access-allow', 'n1', 'ip', '127.0.0.2', '--access-level', 'ro']), 'id');
    await untilShown('show', 'n1', rulesSynced);
    assert.match(await ok(['access-list', 'n1']), new RegExp(`${ruleRo}.*127\\.0\\.0\\.2.*ro.*active`));
    assert.ok((await readBack(c1, 'payload.bin', from('127.0.0.2'))).equals(payload), 'ro client reads');
    const w = await c1.put(join(dir, 'later.bin'), 'ro-write.bin', { ok: false, env: from('127.0.0.2') });
    assert.notEqual(w.exitCode, 0, `a write under the ro rule succeeded: ${w.stdout}`);
    assert.notEqual((await c1.get('ro-write.bin', join(dir, 'nothing'), { ok: false })).exitCode, 0, 'nothing of it landed');

    const share = c1.location.path.split(':/')[1]!;
    assert.ok((await c1.visibleExports()).includes(share), 'the rw client sees the export');
    assert.ok(!(await c1.visibleExports(from('127.0.0.3'))).includes(share), 'hidden from 127.0.0.3');
    const v4 = await c1.get('payload.bin', join(dir, 'x4'), { ok: false, env: from('127.0.0.3') });
    assert.notEqual(v4.exitCode, 0);
    assert.match(v4.stderr + v4.stdout, /NOENT|ACCES|denied/i);
    const v3 = await c1.get('payload.bin', join(dir, 'x3'), { version: 3, ok: false, env: from('127.0.0.3') });
    assert.notEqual(v3.exitCode, 0, 'NFSv3 mount refused too');
    assert.match(v3.stderr + v3.stdout, /MNT3ERR_ACCES|denied/i);

    await ok(['access-deny', 'n1', ruleRo]);
    await untilShown('show', 'n1', (o) => rulesSynced(o) && !o.includes(ruleRo));
    await waitUntil(async () => (!(await ok(['access-list', 'n1'])).includes(ruleRo)) || undefined, 30_000, 250);
    assert.notEqual((await c1.get('payload.bin', join(dir, 'x5'), { ok: false, env: from('127.0.0.2') })).exitCode, 0, 'the ro client is refused once denied');
  });

  test('snapshot, then a share from it reads the same bytes over NFS', async () => {
    snapId = field(await ok(['snapshot-create', 'n1', '--name', 's1']), 'id');
    await untilShown('snapshot-show', 's1', available);
    await c1.put(join(dir, 'later.bin'), 'later.bin');

    await ok(['create', 'NFS', '1', '--name', 'n2', '--snapshot-id', snapId, '--share-type', 'localnfs']);
    await untilShown('show', 'n2', available);
    const c2 = await clientOf('n2');
    assert.notEqual(c2.location.path, c1.location.path);
    // A new share carries no rules of its own until granted.
    assert.notEqual((await c2.get('payload.bin', join(dir, 'y'), { ok: false })).exitCode, 0);
    await ok(['access-allow', 'n2', 'ip', '127.0.0.1', '--access-level', 'rw']);
    await untilShown('show', 'n2', rulesSynced);
    assert.ok((await readBack(c2, 'payload.bin')).equals(payload), 'the snapshot\'s bytes');
    assert.notEqual((await c2.get('later.bin', join(dir, 'y2'), { ok: false })).exitCode, 0, 'written after the snapshot: not in it');
  });

  test('more written to the original, then revert: the original has the snapshot\'s bytes again', async () => {
    assert.ok((await readBack(c1, 'later.bin')).equals(later));
    await c1.put(join(dir, 'payload.bin'), 'more.bin');
    await ok(['revert-to-snapshot', 's1']);
    await untilShown('show', 'n1', available);
    assert.ok((await readBack(c1, 'payload.bin')).equals(payload), 'payload.bin as snapshotted');
    for (const f of ['later.bin', 'more.bin']) assert.notEqual((await c1.get(f, join(dir, `z-${f}`), { ok: false })).exitCode, 0, `${f} reverted away`);
    assert.equal(field(await ok(['show', 'n1']), 'access_rules_status'), 'active');
    await c1.put(join(dir, 'later.bin'), 'after-revert.bin'); // the rw rule still holds
  });

  test('extend: the API and the NFS client see the larger size', async () => {
    const before = await c1.totalBytes();
    assert.ok(before <= GiB, `${before}`);
    await ok(['extend', 'n1', '2']);
    await untilShown('show', 'n1', (o) => available(o) && field(o, 'size') === '2');
    const grown = await c1.totalBytes();
    assert.ok(grown > 1.9 * GiB && grown <= 2 * GiB, `client sees ${grown} bytes`);
    assert.ok((await readBack(c1, 'payload.bin')).equals(payload));
  });

  test('access deny: the client is refused and no longer sees the export', async () => {
    await ok(['access-deny', 'n1', ruleRw]);
    await waitUntil(async () => (!(await ok(['access-list', 'n1'])).includes(ruleRw)) || undefined, 30_000, 250);
    await untilShown('show', 'n1', rulesSynced);
    const r = await c1.get('payload.bin', join(dir, 'w'), { ok: false });
    assert.notEqual(r.exitCode, 0, 'read refused');
    const w = await c1.put(join(dir, 'later.bin'), 'denied.bin', { ok: false });
    assert.notEqual(w.exitCode, 0, 'write refused');
    assert.ok(!(await c1.visibleExports()).includes(c1.location.path.split(':/')[1]!));
  });

  test('delete both shares and the snapshot: exports, mounts and images go', async () => {
    const ids = await Promise.all(['n1', 'n2'].map(async (n) => field(await ok(['show', n]), 'id')));
    const names = ids.map((id) => `share-${id}`);
    await ok(['delete', 'n2']);
    await ok(['snapshot-delete', 's1']);
    await waitUntil(async () => (await manila(['snapshot-show', snapId])).code !== 0 || undefined, 60_000, 250);
    await ok(['delete', 'n1']);
    for (const id of ids) await waitUntil(async () => (await manila(['show', id])).code !== 0 || undefined, 60_000, 250);
    const listed = await ok(['list']);
    for (const id of ids) assert.ok(!listed.includes(id), `${id} still listed:\n${listed}`);
    assert.deepEqual(await driver().ganesha.dbus.exportIds(), [], 'Ganesha exports nothing');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    for (const n of names) assert.ok(!mounts.includes(n), `${n} unmounted`);
    for (const n of names) assert.equal(await driver().pool.exists(`${n}.img`), false, `${n}'s image removed`);
  });
});

// A Flint crash in the middle of an access change: Flint runs as a child process, the manila
// client changes rules, the process is SIGKILLed while the change is queued, applying or just
// applied, then started again. After each restart the API's rules and what Ganesha really
// grants (probed over NFS from each address) must agree, and access_rules_status must settle.
describe('manila access changes across Flint crashes (local share driver, real NFS)', () => {
  const executor = new ShellExecutor({ tries: 1 });
  let dir = '';
  let netns = '';
  let config = '';
  let listen = '';
  let entry = '';
  let flint: ChildProcess | null = null;
  let from: (address: string) => Record<string, string>;
  const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-manila-crash-'));
    const s = await localShareSection(dir);
    netns = s.netns;
    config = writeConfig(dir, { backends: { [BACKEND]: s.section } });
    listen = `127.0.0.1:${await freePort()}`;
    entry = await bundledServeChild();
    from = await sourceAddressEnv(executor, dir);
    await writeFile(join(dir, 'probe.bin'), randomBytes(64 * 1024));
    flint = await startFlintProcess(config, listen, 'error', undefined, entry);
  });
  after(async () => {
    if (flint) await stopFlintProcess(flint).catch(() => undefined);
    if (dir) await cleanupLocalShareLeftovers(executor, dir, BACKEND, netns);
  });

  function manila(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', OS_TOKEN: `demo:${PROJECT}`, OS_MANILA_BYPASS_URL: `http://${listen}/v2/${PROJECT}` };
    return new Promise((resolve) => {
      execFile(MANILA, args, { env, cwd: dir, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  async function ok(args: string[]): Promise<string> {
    const r = await manila(args);
    assert.equal(r.code, 0, `manila ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  function field(out: string, name: string): string {
    const m = new RegExp(`^\\|\\s*${name}\\s*\\|\\s*(.*?)\\s*\\|$`, 'm').exec(out);
    assert.ok(m, `no ${name} in:\n${out}`);
    return m[1]!;
  }
  interface Rule { id: string; to: string; level: string; state: string }
  async function rules(share: string): Promise<Rule[]> {
    const out = await ok(['access-list', share, '--columns', 'id,access_to,access_level,state']);
    return [...out.matchAll(/^\|\s*([0-9a-f-]{36})\s*\|\s*(\S+)\s*\|\s*(rw|ro)\s*\|\s*(\S+)\s*\|$/gm)].map((m) => ({ id: m[1]!, to: m[2]!, level: m[3]!, state: m[4]! }));
  }
  let seq = 0;
  /** What Ganesha really grants `address`: rw (writes), ro (reads only) or none. */
  async function granted(c: NfsClient, address: string): Promise<'rw' | 'ro' | 'none'> {
    const env = address === '127.0.0.1' ? undefined : from(address);
    const name = `probe-${seq++}.bin`;
    if ((await c.put(join(dir, 'probe.bin'), name, { ok: false, env })).exitCode === 0) return 'rw';
    const r = await c.get('seed.bin', join(dir, `got-${seq++}`), { ok: false, env });
    return r.exitCode === 0 ? 'ro' : 'none';
  }

  test('kills while rules are queued, applying or just applied: after each restart the API and the export agree; Ganesha killed: rules back', async (t) => {
    await ok(['type-create', 'localnfs', 'false']);
    const id = field(await ok(['create', 'NFS', '1', '--name', 'c1', '--share-type', 'localnfs']), 'id');
    const settled = async () => waitUntil(async () => {
      const out = (await manila(['show', id])).stdout;
      if (!out.includes('access_rules_status')) return undefined; // Flint still starting
      assert.doesNotMatch(field(out, 'status'), /error/);
      const rs = await rules(id);
      return field(out, 'status') === 'available' && field(out, 'access_rules_status') === 'active' && rs.every((r) => r.state === 'active') ? rs : undefined;
    }, 90_000, 300);
    await settled();
    const loc = /path = (127\.0\.0\.1:\/\S+)/.exec(await ok(['show', id]))![1]!;
    const c = new NfsClient(executor, { path: loc, metadata: { netns, nfs_port: '2049' } });
    // A file every reader can fetch: written while 127.0.0.1 may write, then that rule goes again.
    const seedRule = field(await ok(['access-allow', id, 'ip', '127.0.0.1', '--access-level', 'rw']), 'id');
    await settled();
    await c.put(join(dir, 'probe.bin'), 'seed.bin');
    await ok(['access-deny', id, seedRule]);
    await settled();

    // A number: the kill lands that many ms after the first change is accepted (the change may
    // be queued, applying or done). 'stalled': Ganesha is SIGSTOPped first, so the access task
    // hangs in its D-Bus call (export file written, Ganesha not told); the kill lands there.
    const rounds: (number | 'stalled')[] = ['stalled', 0, 40, 'stalled', 120, 300];
    const ganeshaPid = async () => Number((await readFile(join(dir, 'var', 'backends', BACKEND, 'ganesha', 'ganesha.pid'), 'utf8')).trim());
    for (const [round, when] of rounds.entries()) {
      const current = await rules(id);
      // Each round flips every address: denied where it has a rule, granted (rw or ro) where not.
      const changes = ADDRESSES.map((a, i) => {
        const r = current.find((x) => x.to === a);
        return r ? ['access-deny', id, r.id] : ['access-allow', id, 'ip', a, '--access-level', (i + round) % 2 ? 'ro' : 'rw'];
      });
      let stopped = 0;
      if (when === 'stalled') {
        stopped = await ganeshaPid();
        process.kill(stopped, 'SIGSTOP');
      }
      try {
        const calls = changes.map((args) => manila(args));
        if (when === 'stalled') {
          await Promise.all(calls);
          const inFlight = await waitUntil(async () => {
            const rs = await rules(id);
            return rs.some((r) => r.state === 'applying' || r.state === 'denying') ? rs : undefined;
          }, 30_000, 100);
          assert.ok(inFlight.some((r) => r.state === 'applying' || r.state === 'denying'));
        } else {
          await Promise.race(calls);
          await new Promise((r) => setTimeout(r, when));
        }
        const exited = new Promise((r) => flint!.once('exit', r));
        flint!.kill('SIGKILL');
        await exited;
        flint = null;
        await Promise.all(calls); // answered or refused by the dead process: either is fine
      } finally {
        // The Ganesha the killed Flint left: running again, for the next Flint to find and end.
        if (stopped) { try { process.kill(stopped, 'SIGCONT'); } catch { /* gone */ } }
      }
      flint = await startFlintProcess(config, listen, 'error', undefined, entry);
      const delay = when === 'stalled' ? 'with Ganesha stalled' : `${when} ms after a change was accepted`;
      // What the crash left (read before anything settles), for the report: rules still queued or in flight.
      const left = (await rules(id)).filter((r) => r.state !== 'active').map((r) => `${r.to}:${r.state}`);
      t.diagnostic(`round ${round}: killed ${delay}; found at restart: ${left.join(', ') || 'all active'}`);

      const final = await settled().catch(async (e) => {
        throw new Error(`round ${round} (killed ${delay}): not settled: ${(e as Error).message}\n${await ok(['access-list', id])}\n${await ok(['show', id])}`);
      });
      for (const a of ADDRESSES) {
        const rule = final.filter((r) => r.to === a);
        assert.ok(rule.length <= 1, `one rule per address: ${JSON.stringify(final)}`);
        assert.equal(await granted(c, a), rule[0]?.level ?? 'none', `round ${round} (killed ${delay}): ${a} per the API: ${rule[0]?.level ?? 'no rule'}`);
      }
    }

    // Ganesha itself killed under the running Flint: its supervisor restarts it with every export and rule.
    for (const [i, a] of ADDRESSES.slice(0, 2).entries()) {
      if (!(await rules(id)).some((r) => r.to === a)) await ok(['access-allow', id, 'ip', a, '--access-level', i === 0 ? 'rw' : 'ro']);
    }
    assert.ok((await settled()).length >= 2);
    const old = await ganeshaPid();
    process.kill(old, 'SIGKILL');
    await waitUntil(async () => ((await ganeshaPid().catch(() => old)) !== old) || undefined, 30_000, 100);
    const kept = await settled();
    for (const a of ADDRESSES) {
      const rule = kept.find((r) => r.to === a);
      const got = await waitUntil(async () => {
        const g = await granted(c, a);
        return g === (rule?.level ?? 'none') ? g : undefined;
      }, 30_000, 300).catch(async () => granted(c, a));
      assert.equal(got, rule?.level ?? 'none', `after Ganesha's restart: ${a} per the API: ${rule?.level ?? 'no rule'}`);
    }
    await ok(['delete', id]);
    await waitUntil(async () => (await manila(['show', id])).code !== 0 || undefined, 60_000, 300);
  });
});
