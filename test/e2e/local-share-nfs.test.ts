// Real bytes over NFS through the `local` share driver: Ganesha with NFSv3+4 in a private
// network namespace (its own rpcbind), libnfs's tools as clients from inside it. Writes use
// NFSv3 (libnfs 4.0.0's NFSv4 WRITE breaks at 4 KiB), reads NFSv4. A second client address
// (127.0.0.2) comes from an LD_PRELOAD shim, since libnfs cannot choose its source address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriverShare, ExportLocation } from '../../src/drivers/interface/share.js';
import {
  NfsClient, ipRule, makeLocalShareDriver, makeShare, makeShareSnapshot, sourceAddressEnv, type LocalShareBackend,
} from '../support/local-share-backend.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('local shares over real NFS (Ganesha, libnfs)', () => {
  let b: LocalShareBackend;
  let from: (address: string) => Record<string, string>;
  let data: string;
  const payload = randomBytes(24 * MiB);

  before(async () => {
    b = await makeLocalShareDriver({ nfsv3: true });
    await b.driver.doSetup();
    from = await sourceAddressEnv(b.executor, b.dir);
    data = join(b.dir, 'payload.bin');
    await writeFile(data, payload);
  });
  after(async () => { await b?.cleanup(); });

  async function create(share: DriverShare): Promise<NfsClient> {
    const u = await b.driver.createShare(share);
    return new NfsClient(b.executor, u.exportLocations![0]! as ExportLocation);
  }

  async function readBack(c: NfsClient, file: string, o: { version?: 3 | 4; env?: Record<string, string> } = {}): Promise<Buffer> {
    const out = join(b.dir, `read-${Math.random().toString(36).slice(2)}`);
    await c.get(file, out, o);
    return readFile(out);
  }

  const share = makeShare({ size: 1 });
  let client: NfsClient;
  const rw = ipRule('127.0.0.1', 'rw');

  test('allow ip rw: bytes written over NFSv3 read back over NFSv4, and they are in the share\'s own filesystem', async () => {
    client = await create(share);
    assert.equal(client.location.metadata?.['netns'], `flint-${b.driver.backendName}`);
    const refused = await client.put(data, 'before.bin', { ok: false });
    assert.notEqual(refused.exitCode, 0, 'no rule yet: no access');
    await b.driver.updateAccess(share, [rw], [rw], []);
    await client.put(data, 'payload.bin');
    assert.ok((await readBack(client, 'payload.bin')).equals(payload));
    assert.ok((await readFile(join(b.driver.mountDir, share.name, 'payload.bin'))).equals(payload));
  });

  test('a read-only rule reads but cannot write', async () => {
    const ro = ipRule('127.0.0.1', 'ro');
    await b.driver.updateAccess(share, [ro], [], []);
    const w = await client.put(data, 'ro-write.bin', { ok: false });
    assert.notEqual(w.exitCode, 0, `write under ro succeeded: ${w.stdout}`);
    assert.ok((await readBack(client, 'payload.bin')).equals(payload));
    await b.driver.updateAccess(share, [rw], [], []);
  });

  test('a client outside every rule cannot see or mount the export; the client the rule names can', async () => {
    const other = makeShare({ size: 1 });
    const c = await create(other);
    const only2 = ipRule('127.0.0.2', 'ro');
    await b.driver.updateAccess(other, [only2], [only2], []);
    await writeFile(join(b.driver.mountDir, other.name, 'secret.txt'), 'for 127.0.0.2 only');
    assert.ok(!(await c.visibleExports()).includes(other.name), 'hidden from 127.0.0.1');
    assert.ok((await c.visibleExports(from('127.0.0.2'))).includes(other.name), 'listed for 127.0.0.2');
    const denied = await c.get('secret.txt', join(b.dir, 'x'), { ok: false });
    assert.notEqual(denied.exitCode, 0);
    assert.match(denied.stderr + denied.stdout, /NOENT|ACCES|denied/i);
    const v3 = await c.get('secret.txt', join(b.dir, 'x3'), { version: 3, ok: false });
    assert.notEqual(v3.exitCode, 0, 'NFSv3 mount refused too');
    assert.match(v3.stderr + v3.stdout, /MNT3ERR_ACCES|denied/i);
    assert.equal((await readBack(c, 'secret.txt', { env: from('127.0.0.2') })).toString(), 'for 127.0.0.2 only');
    const w = await c.put(data, 'nope.bin', { ok: false, env: from('127.0.0.2') });
    assert.notEqual(w.exitCode, 0, 'ro for 127.0.0.2');
    // 127.0.0.1's share is not 127.0.0.2's.
    assert.ok(!(await client.visibleExports(from('127.0.0.2'))).includes(share.name));
    await b.driver.deleteShare(other);
  });

  test('deny: the client is refused', async () => {
    await b.driver.updateAccess(share, [], [], [rw]);
    const r = await client.get('payload.bin', join(b.dir, 'y'), { ok: false });
    assert.notEqual(r.exitCode, 0);
    assert.ok(!(await client.visibleExports()).includes(share.name));
    await b.driver.updateAccess(share, [rw], [rw], []);
  });

  const snap = makeShareSnapshot(share);
  test('snapshot, then a share from it reads the same bytes; revert brings back the snapshot\'s content', async () => {
    await b.driver.createSnapshot(snap);
    const extra = randomBytes(MiB);
    await writeFile(join(b.dir, 'extra.bin'), extra);
    await client.put(join(b.dir, 'extra.bin'), 'after-snapshot.bin');

    const clone = makeShare({ size: 1 });
    const cc = new NfsClient(b.executor, (await b.driver.createShareFromSnapshot(clone, snap)).exportLocations![0]!);
    await b.driver.updateAccess(clone, [rw], [rw], []);
    assert.ok((await readBack(cc, 'payload.bin')).equals(payload));
    assert.notEqual((await cc.get('after-snapshot.bin', join(b.dir, 'z'), { ok: false })).exitCode, 0);

    await b.driver.revertToSnapshot(snap, [rw]);
    assert.ok((await readBack(client, 'payload.bin')).equals(payload));
    assert.notEqual((await client.get('after-snapshot.bin', join(b.dir, 'w'), { ok: false })).exitCode, 0, 'reverted away');
    await b.driver.deleteShare(clone);
  });

  test('extend: the client sees the larger size', async () => {
    const before = await client.totalBytes();
    assert.ok(before <= GiB);
    await b.driver.extendShare(share, 2);
    const grown = await client.totalBytes();
    assert.ok(grown > 1.9 * GiB, `client sees ${grown} bytes`);
    share.size = 2;
  });

  test('Ganesha killed: restarted, the export and its rule are back for the client', async () => {
    const restarted = new Promise((r) => b.driver.ganesha.once('restarted', r));
    process.kill(b.driver.ganesha.pid!, 'SIGKILL');
    await restarted;
    assert.ok((await readBack(client, 'payload.bin')).equals(payload));
    await client.put(join(b.dir, 'payload.bin'), 'after-restart.bin');
  });

  test('rpcbind killed: the health check restarts it and Ganesha; NFSv3 writes work again', async () => {
    const restarted = new Promise((r) => b.driver.ganesha.once('restarted', r));
    process.kill(b.driver.ganesha.rpcbind!.pid!, 'SIGKILL');
    await restarted;
    await client.put(join(b.dir, 'payload.bin'), 'after-rpcbind-restart.bin');
    assert.ok((await readBack(client, 'after-rpcbind-restart.bin')).equals(payload));
  });

  test('Flint restart: a new driver\'s ensureShares brings exports and rules back', async () => {
    await b.driver.shutdown();
    const d = b.recreate();
    await d.doSetup();
    const updates = await d.ensureShares([{ share, rules: [rw] }]);
    const c = new NfsClient(b.executor, updates[share.id]!.exportLocations![0]!);
    assert.ok((await readBack(c, 'after-restart.bin')).equals(payload));
    assert.ok((await c.totalBytes()) > 1.9 * GiB, 'still extended');
    await d.deleteSnapshot(snap);
    await d.deleteShare(share);
  });
});
