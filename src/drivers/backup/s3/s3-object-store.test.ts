// The S3 store against s3rver on loopback: what the conformance suite does not reach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError } from '../../../errors/errors.js';
import { startS3TestServer, type S3TestServer } from '../../../../test/support/s3-test-server.js';
import { ObjectMissing } from '../chunked/object-store.js';
import { runPool } from '../chunked/run-pool.js';
import { S3ObjectStore } from './s3-object-store.js';

let server: S3TestServer;
let store: S3ObjectStore;
before(async () => {
  server = await startS3TestServer();
  store = new S3ObjectStore({
    endpoint: server.endpoint, region: 'us-east-1', accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey,
    forcePathStyle: true, verifySsl: true, caCertFile: null, timeoutMs: 10_000, maxAttempts: 2,
  });
});
after(async () => {
  await store?.close();
  await server?.stop();
});

test('a missing bucket is created, once, and a second store sees it', async () => {
  await store.ensureContainer('made-by-flint');
  await store.ensureContainer('made-by-flint');
  await store.put('made-by-flint', 'a/b', Buffer.from('x'));
  assert.equal(await store.exists('made-by-flint', 'a/b'), true);
});

test('list follows continuation past one page (1000 keys)', async () => {
  await store.ensureContainer('many-keys');
  await runPool(1105, 16, (i) => store.put('many-keys', `p/k${String(i).padStart(5, '0')}`, Buffer.from([i & 0xff])));
  await store.put('many-keys', 'q/other', Buffer.from('y'));
  const keys = await store.list('many-keys', 'p/');
  assert.equal(keys.length, 1105);
  assert.equal(keys[0], 'p/k00000');
  assert.equal(keys.at(-1), 'p/k01104');
});

test('missing objects and buckets: get throws ObjectMissing, delete and list are quiet', async () => {
  await store.ensureContainer('quiet');
  await assert.rejects(store.get('quiet', 'nope'), ObjectMissing);
  await store.delete('quiet', 'nope');
  assert.equal(await store.exists('quiet', 'nope'), false);
  assert.deepEqual(await store.list('no-such-bucket', 'x/'), []);
});

test('a container that is not a bucket name is refused before any request', async () => {
  await assert.rejects(store.put('Bad_Bucket', 'k', Buffer.from('x')), (e: unknown) => e instanceof BackendError && /bucket name/.test(e.message));
});

test('over HTTPS: a self-signed store is refused unless its CA is given or verification is off', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'flint-s3-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const tls = await startS3TestServer({ key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') });
  const storeWith = (verifySsl: boolean, caCertFile: string | null): S3ObjectStore => new S3ObjectStore({
    endpoint: tls.endpoint, region: 'us-east-1', accessKeyId: tls.accessKeyId, secretAccessKey: tls.secretAccessKey,
    forcePathStyle: true, verifySsl, caCertFile, timeoutMs: 10_000, maxAttempts: 1,
  });
  const stores = [storeWith(true, null), storeWith(true, join(dir, 'cert.pem')), storeWith(false, null)];
  try {
    assert.match(tls.endpoint, /^https:/);
    await assert.rejects(stores[0]!.check('tls-bucket'), (e: unknown) => e instanceof BackendError && /certificate/i.test(e.message));
    await stores[1]!.check('tls-bucket');
    await stores[1]!.put('tls-bucket', 'k', Buffer.from('over tls'));
    assert.equal((await stores[2]!.get('tls-bucket', 'k')).toString(), 'over tls');
  } finally {
    for (const s of stores) await s.close();
    await tls.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
