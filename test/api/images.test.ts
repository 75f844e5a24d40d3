// Flint's image routes (GET /flint/images, PUT/GET/DELETE/PATCH /flint/images/{name}) and the volume
// progress route, with Keystone roles from a fake Keystone on loopback (members use their project's images).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeHarness, type Harness } from './harness.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';
import { ImageStore } from '../../src/volume/image-store.js';

const TOKENS: FakeTokens = {
  admin: { project: 'ops', roles: ['admin'] },
  p1: { project: 'p1', roles: ['member'] },
  p2: { project: 'p2', roles: ['member'] },
};


/** Polls `check` every 10 ms for up to 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

/** The files Flint keeps for uploaded images (by id) in image directory `sub`. */
const stored = (dir: string, sub: string) => readdirSync(join(dir, sub, '.store'));

const octets = (token = 'admin') => ({ 'x-auth-token': token, 'content-type': 'application/octet-stream' });

for (const db of ['sqlite', 'postgres'] as const) describe(`flint image and progress routes (${db})`, () => {
  let keystone: FakeKeystone;
  let dir: string;
  let h: Harness;
  let limited: Harness;
  let base: string | undefined;
  /** The harness over a real socket, started once. */
  const listening = async () => (base ??= await h.app.listen({ host: '127.0.0.1', port: 0 }));

  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    const keystoneUrl = keystone.url;
    dir = mkdtempSync(join(tmpdir(), 'flint-images-'));
    const auth = { strategy: 'keystone' as const, keystoneUrl, serviceToken: 'svc' };
    h = await makeHarness({ auth, db, extra: { images: new ImageStore(join(dir, 'a')) } });
    limited = await makeHarness({ auth, extra: { images: new ImageStore(join(dir, 'b')), maxImageUploadBytes: 1000 } });
  });
  after(async () => {
    await h?.close();
    await limited.close();
    await keystone?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('upload, download the same bytes, refuse a duplicate, delete', async () => {
    const bytes = randomBytes(300_000);
    const put = await h.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/disk.qcow2', headers: octets(), payload: bytes });
    assert.equal(put.statusCode, 201, put.body);
    const { id, created_at, updated_at, ...rest } = put.json().image;
    assert.deepEqual(rest, { name: 'disk.qcow2', size: bytes.length, owner: 'ops', status: 'active', visibility: 'private' });
    assert.ok(created_at && updated_at);
    // Kept by id, not by the caller's name: names are per project and never become paths.
    assert.deepEqual(stored(dir, 'a'), [id]);
    assert.deepEqual(readFileSync(join(dir, 'a', '.store', id)), bytes);
    const list = await h.app.inject({ method: 'GET', url: '/v3/ops/flint/images', headers: { 'x-auth-token': 'admin' } });
    assert.deepEqual(list.json().images.map((i: { name: string }) => i.name), ['disk.qcow2']);

    const get = await h.app.inject({ method: 'GET', url: '/v3/ops/flint/images/disk.qcow2', headers: { 'x-auth-token': 'admin' } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(get.rawPayload, bytes);

    const again = await h.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/disk.qcow2', headers: octets(), payload: Buffer.from('other') });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().conflictingRequest.message, /disk\.qcow2 already exists/);
    assert.deepEqual(readFileSync(join(dir, 'a', '.store', id)), bytes, 'a refused upload leaves the image as it was');
    assert.deepEqual(stored(dir, 'a'), [id], 'and leaves no temp file');

    const del = await h.app.inject({ method: 'DELETE', url: '/v3/ops/flint/images/disk.qcow2', headers: { 'x-auth-token': 'admin' } });
    assert.equal(del.statusCode, 204);
    assert.deepEqual(readdirSync(join(dir, 'a')), ['.store']);
    assert.deepEqual(stored(dir, 'a'), []);
    for (const method of ['GET', 'DELETE'] as const) {
      const gone = await h.app.inject({ method, url: '/v3/ops/flint/images/disk.qcow2', headers: { 'x-auth-token': 'admin' } });
      assert.equal(gone.statusCode, 404, method);
      assert.match(gone.json().itemNotFound.message, /Image disk\.qcow2 could not be found/);
    }
  });

  test('a bad name is a 400 naming the field; a JSON body is refused; members upload to their own project only', async () => {
    for (const name of ['.hidden', '..%2Fescape', 'sp%20ace', 'a%00b']) {
      const r = await h.app.inject({ method: 'PUT', url: `/v3/ops/flint/images/${name}`, headers: octets(), payload: Buffer.from('x') });
      assert.equal(r.statusCode, 400, name);
      assert.match(r.json().badRequest.message, /^name '.*' must be a file name in the image directory/, name);
    }
    const json = await h.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/j.raw', headers: { 'x-auth-token': 'admin', 'content-type': 'application/json' }, payload: '{"a":1}' });
    assert.equal(json.statusCode, 400);
    assert.match(json.json().badRequest.message, /application\/octet-stream/);
    assert.deepEqual(stored(dir, 'a'), [], 'refused uploads leave no file, not even a temp file');
    const elsewhere = await h.app.inject({ method: 'PUT', url: '/v3/p2/flint/images/m.raw', headers: octets('p1'), payload: Buffer.from('x') });
    assert.equal(elsewhere.statusCode, 403, 'a member cannot upload into another project');
    const member = await h.app.inject({ method: 'PUT', url: '/v3/p1/flint/images/m.raw', headers: octets('p1'), payload: Buffer.from('x') });
    assert.equal(member.statusCode, 201, member.body);
    const share = await h.app.inject({ method: 'PATCH', url: '/v3/p1/flint/images/m.raw', headers: { 'x-auth-token': 'p1' }, payload: { image: { visibility: 'public' } } });
    assert.equal(share.statusCode, 403, 'only an admin shares an image');
    const bad = await h.app.inject({ method: 'PATCH', url: '/v3/p1/flint/images/m.raw', headers: { 'x-auth-token': 'admin' }, payload: { image: { visibility: 'everyone' } } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().badRequest.message, /visibility/);
    const members = await h.app.inject({ method: 'PATCH', url: '/v3/p1/flint/images/m.raw', headers: { 'x-auth-token': 'admin' }, payload: { image: { visibility: 'public', members: ['p2'] } } });
    assert.equal(members.statusCode, 400);
    assert.match(members.json().badRequest.message, /members may only be given with visibility 'shared'/);
    const del = await h.app.inject({ method: 'DELETE', url: '/v3/p1/flint/images/m.raw', headers: { 'x-auth-token': 'p1' } });
    assert.equal(del.statusCode, 204);
  });

  test('an upload over the maximum is a 413 and leaves no file, whether announced or streamed', async () => {
    const announced = await limited.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/big.raw', headers: octets(), payload: randomBytes(1001) });
    assert.equal(announced.statusCode, 413);
    // No Content-Length: the limit is found while counting the stream.
    const streamed = await limited.app.inject({
      method: 'PUT', url: '/v3/ops/flint/images/big.raw', headers: octets(), payload: Readable.from([randomBytes(600), randomBytes(600)]),
    });
    assert.equal(streamed.statusCode, 413, streamed.body);
    assert.match(streamed.json().overLimit.message, /maximum upload of 1000 bytes/);
    assert.deepEqual(stored(dir, 'b'), []);
    const fits = await limited.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/small.raw', headers: octets(), payload: randomBytes(1000) });
    assert.equal(fits.statusCode, 201);
  });

  test('an upload the client abandons halfway leaves no file', async () => {
    const url = await listening();
    const req = request(`${url}/v3/ops/flint/images/half.raw`, { method: 'PUT', headers: { ...octets(), 'content-length': '1000000' } });
    req.on('error', () => undefined);
    req.write(randomBytes(64 * 1024));
    const files = () => stored(dir, 'a');
    await until(() => files().some((f) => f.endsWith('.upload')), 'the upload to begin');
    req.destroy();
    await until(() => files().length === 0, 'the partial upload to be removed');
    // The file goes first, then the name's reservation: poll until the name is free too.
    let gone = 0;
    for (let i = 0; i < 500 && gone !== 404; i++) {
      gone = (await h.app.inject({ method: 'GET', url: '/v3/ops/flint/images/half.raw', headers: { 'x-auth-token': 'admin' } })).statusCode;
      if (gone !== 404) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(gone, 404, 'and its name is free again');
  });

  test('deleting an image while it is uploaded frees the name; the upload then fails and leaves no file', async () => {
    const url = await listening();
    const reply = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v3/ops/flint/images/doomed.raw`, { method: 'PUT', headers: { ...octets(), 'content-length': String(128 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(randomBytes(64 * 1024));
      void until(() => stored(dir, 'a').some((f) => f.endsWith('.upload')), 'the upload to begin').then(async () => {
        const early = await h.app.inject({ method: 'GET', url: '/v3/ops/flint/images/doomed.raw', headers: { 'x-auth-token': 'admin' } });
        assert.equal(early.statusCode, 409, 'an image still being written is not read');
        const del = await h.app.inject({ method: 'DELETE', url: '/v3/ops/flint/images/doomed.raw', headers: { 'x-auth-token': 'admin' } });
        assert.equal(del.statusCode, 204);
        req.end(randomBytes(64 * 1024));
      }).catch(reject);
    });
    assert.equal(await reply, 409);
    assert.deepEqual(stored(dir, 'a'), []);
    const again = await h.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/doomed.raw', headers: octets(), payload: Buffer.from('x') });
    assert.equal(again.statusCode, 201, 'the name is free');
    await h.app.inject({ method: 'DELETE', url: '/v3/ops/flint/images/doomed.raw', headers: { 'x-auth-token': 'admin' } });
  });

  test('two uploads to one name at once: one 201, one 409, no temp file left', async () => {
    const put = () => h.app.inject({ method: 'PUT', url: '/v3/ops/flint/images/twice.raw', headers: octets(), payload: randomBytes(50_000) });
    const codes = (await Promise.all([put(), put()])).map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409]);
    assert.equal(stored(dir, 'a').length, 1);
    await h.app.inject({ method: 'DELETE', url: '/v3/ops/flint/images/twice.raw', headers: { 'x-auth-token': 'admin' } });
  });

  test('progress: the running task\'s kind and percent, null when idle; another project\'s volume is 404', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', headers: { 'x-auth-token': 'p1' }, payload: { volume: { size: 1, name: 'pv' } } });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().volume.id as string;
    const url = `/v3/p1/flint/volumes/${id}/progress`;
    // The real services create it: idle means its create has finished.
    let status = '';
    for (let i = 0; i < 500 && status !== 'available'; i++) {
      status = (await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${id}`, headers: { 'x-auth-token': 'p1' } })).json().volume.status;
      if (status !== 'available') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 'available');

    const idle = await h.app.inject({ method: 'GET', url, headers: { 'x-auth-token': 'p1' } });
    assert.equal(idle.statusCode, 200, idle.body);
    assert.deepEqual(idle.json(), { progress: { operation: null, percent: null, status } });

    const now = new Date().toISOString();
    const task = { kind: 'upload_image', queue: 'volume@x', resourceType: 'volume', resourceId: id, payload: '{}', progress: '[]', attempts: 1, maxAttempts: 3, runAt: now, createdAt: now, updatedAt: now };
    await h.db.kysely.insertInto('tasks').values({ ...task, id: 't-done', kind: 'create_volume', status: 'done', dedupeKey: null, percent: 100 }).execute();
    await h.db.kysely.insertInto('tasks').values({ ...task, id: 't-run', status: 'running', dedupeKey: `volume:${id}`, percent: 42 }).execute();
    const running = await h.app.inject({ method: 'GET', url, headers: { 'x-auth-token': 'p1' } });
    assert.deepEqual(running.json(), { progress: { operation: 'upload_image', percent: 42, status } });

    const other = await h.app.inject({ method: 'GET', url: `/v3/p2/flint/volumes/${id}/progress`, headers: { 'x-auth-token': 'p2' } });
    assert.equal(other.statusCode, 404);
    const admin = await h.app.inject({ method: 'GET', url: `/v3/ops/flint/volumes/${id}/progress`, headers: { 'x-auth-token': 'admin' } });
    assert.equal(admin.statusCode, 200, 'admins read any project\'s volume, as in other volume reads');
  });
});
