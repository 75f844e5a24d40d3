// Images belong to a project (issue 13, defects 1, 2 and 9), over a real socket against the
// whole service with Keystone roles from a fake Keystone on loopback, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';
import { DB_KINDS, startTestService, waitForVolumeStatus, waitUntil, type TestService } from '../support/test-service.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { ImageCatalog } from '../../src/volume/image-catalog.js';
import { ImageStore } from '../../src/volume/image-store.js';
import { newId } from '../../src/util/ids.js';

const TOKENS: FakeTokens = {
  admin: { project: 'ops', roles: ['admin'] },
  p1: { project: 'p1', roles: ['member'] },
  p2: { project: 'p2', roles: ['member'] },
  p3: { project: 'p3', roles: ['member'] },
};


interface Reply { status: number; body: any; bytes: Buffer }

for (const kind of DB_KINDS) {
  describe(`image ownership (${kind}, fake backend, real qemu-img)`, () => {
    let keystone: FakeKeystone | undefined;
    let svc: TestService;
    let images: string;
    const backend = `imgown_${kind}`;

    /** One request as `token`'s project (or `project` for an admin acting in another project). */
    async function call(token: string, method: string, path: string, body?: unknown, project = TOKENS[token]!.project): Promise<Reply> {
      const raw = Buffer.isBuffer(body);
      const r = await fetch(`${svc.url}/v3/${project}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }) },
        body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
      });
      const bytes = Buffer.from(await r.arrayBuffer());
      let parsed: any = null;
      if ((r.headers.get('content-type') ?? '').includes('json') && bytes.length) parsed = JSON.parse(bytes.toString());
      return { status: r.status, body: parsed, bytes };
    }
    const ok = (r: Reply, status: number) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      return r.body;
    };
    async function volumeFrom(token: string, image: string): Promise<string> {
      const v = ok(await call(token, 'POST', '/volumes', { volume: { size: 1, imageRef: image } }), 202).volume;
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
      return v.id as string;
    }
    const listed = async (token: string) => (ok(await call(token, 'GET', '/flint/images'), 200).images as { name: string }[]).map((i) => i.name).sort();
    /** Every file under the image directory, hidden ones and subdirectories included. */
    const allFiles = (dir = images): string[] => readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? allFiles(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));

    before(async () => {
      keystone = await startFakeKeystone(TOKENS);
      svc = await startTestService({
        db: kind,
        defaults: { auth_strategy: 'keystone', keystone_url: keystone.url, keystone_service_token: 'svc' },
        backends: { [backend]: { volume_driver: 'fake' } },
      });
      images = join(svc.dir, 'var', 'images');
    });
    after(async () => {
      await svc?.cleanup();
      await keystone?.close();
    });

    test('another project cannot read, list, probe, delete, squat or make a volume of a private image', async () => {
      const secret = randomBytes(70_000);
      const put = ok(await call('p1', 'PUT', '/flint/images/secret.raw', secret), 201).image;
      assert.equal(put.name, 'secret.raw');
      assert.equal(put.visibility, 'private');
      assert.deepEqual(await listed('p1'), ['secret.raw']);
      assert.deepEqual(await listed('p2'), [], 'p2 lists none of p1\'s images');

      const missing = await call('p2', 'GET', '/flint/images/nope.raw');
      assert.equal(missing.status, 404);
      for (const ref of ['secret.raw', put.id as string]) {
        for (const method of ['GET', 'DELETE']) {
          const r = await call('p2', method, `/flint/images/${ref}`);
          assert.equal(r.status, 404, `${method} ${ref}`);
          assert.equal(r.body.itemNotFound.message, missing.body.itemNotFound.message.replace('nope.raw', ref), 'the same answer as for a missing image');
        }
        const vol = await call('p2', 'POST', '/volumes', { volume: { size: 1, imageRef: ref } });
        assert.equal(vol.status, 404, JSON.stringify(vol.body));
        const path = await call('p2', 'POST', '/volumes', { volume: { size: 1, image_path: ref } });
        assert.equal(path.status, 404, JSON.stringify(path.body));
      }

      // p2's names are its own: the same name is no conflict and p1's bytes stay p1's.
      const mine = randomBytes(5_000);
      ok(await call('p2', 'PUT', '/flint/images/secret.raw', mine), 201);
      assert.deepEqual((await call('p2', 'GET', '/flint/images/secret.raw')).bytes, mine);
      assert.deepEqual((await call('p1', 'GET', '/flint/images/secret.raw')).bytes, secret);

      // A volume upload under a name p1 already uses in its own project is no probe for p2 …
      const v2 = await volumeFrom('p2', 'secret.raw');
      ok(await call('p2', 'POST', `/volumes/${v2}/action`, { 'os-volume_upload_image': { image_name: 'later.raw', disk_format: 'raw' } }), 202);
      assert.equal(await waitForVolumeStatus(svc, v2, ['available']), 'available');
      // … and does not squat the name for p1.
      ok(await call('p1', 'PUT', '/flint/images/later.raw', Buffer.from('p1 data')), 201);
      assert.deepEqual((await call('p1', 'GET', '/flint/images/later.raw')).bytes, Buffer.from('p1 data'));
      assert.deepEqual((await call('p2', 'GET', '/flint/images/later.raw')).bytes.subarray(0, mine.length), mine);

      // The owner makes a volume of its image; the bytes are its own.
      const v1 = await volumeFrom('p1', 'secret.raw');
      ok(await call('p1', 'POST', `/volumes/${v1}/action`, { 'os-volume_upload_image': { image_name: 'back.raw', disk_format: 'raw' } }), 202);
      assert.equal(await waitForVolumeStatus(svc, v1, ['available']), 'available');
      assert.deepEqual((await call('p1', 'GET', '/flint/images/back.raw')).bytes.subarray(0, secret.length), secret);
    });

    test('an admin shares an image with one project or makes it public; members cannot', async () => {
      const bytes = randomBytes(10_000);
      const img = ok(await call('p1', 'PUT', '/flint/images/shared.raw', bytes), 201).image;
      const member = await call('p1', 'PATCH', '/flint/images/shared.raw', { image: { visibility: 'public' } });
      assert.equal(member.status, 403);

      ok(await call('admin', 'PATCH', '/flint/images/shared.raw', { image: { visibility: 'shared', members: ['p2'] } }, 'p1'), 200);
      assert.deepEqual((await call('p2', 'GET', `/flint/images/${img.id}`)).bytes, bytes, 'a member project reads it by id');
      assert.ok((await listed('p2')).includes('shared.raw'));
      await volumeFrom('p2', img.id);
      assert.equal((await call('p3', 'GET', `/flint/images/${img.id}`)).status, 404, 'a project it is not shared with');
      assert.equal((await call('p3', 'POST', '/volumes', { volume: { size: 1, imageRef: img.id } })).status, 404);
      assert.equal((await call('p2', 'DELETE', `/flint/images/${img.id}`)).status, 403, 'a member project may use it, not delete it');

      ok(await call('admin', 'PATCH', '/flint/images/shared.raw', { image: { visibility: 'public' } }, 'p1'), 200);
      assert.deepEqual((await call('p3', 'GET', `/flint/images/${img.id}`)).bytes, bytes);
      await volumeFrom('p3', img.id);

      ok(await call('admin', 'PATCH', '/flint/images/shared.raw', { image: { visibility: 'private' } }, 'p1'), 200);
      assert.equal((await call('p3', 'GET', `/flint/images/${img.id}`)).status, 404, 'private again');
      assert.equal((await call('p2', 'GET', `/flint/images/${img.id}`)).status, 404, 'private drops the members too');
      ok(await call('p1', 'DELETE', '/flint/images/shared.raw'), 204);
      assert.equal((await call('p1', 'GET', '/flint/images/shared.raw')).status, 404);
    });

    test('two uploads to one image name: one wins, the other gets 409, the image holds the winner\'s bytes', async () => {
      const a = randomBytes(3000);
      const b = randomBytes(3000);
      ok(await call('p3', 'PUT', '/flint/images/race-a.raw', a), 201);
      ok(await call('p3', 'PUT', '/flint/images/race-b.raw', b), 201);
      const va = await volumeFrom('p3', 'race-a.raw');
      const vb = await volumeFrom('p3', 'race-b.raw');
      const upload = (v: string) => call('p3', 'POST', `/volumes/${v}/action`, { 'os-volume_upload_image': { image_name: 'race.raw', disk_format: 'raw' } });
      const [ra, rb] = await Promise.all([upload(va), upload(vb)]);
      assert.deepEqual([ra.status, rb.status].sort(), [202, 409], JSON.stringify([ra.body, rb.body]));
      const loser = ra.status === 409 ? ra : rb;
      assert.match(loser.body.conflictingRequest.message, /race\.raw/);
      const [winner, data] = ra.status === 202 ? [va, a] : [vb, b];
      assert.equal(await waitForVolumeStatus(svc, winner, ['available']), 'available');
      assert.equal(await waitForVolumeStatus(svc, winner === va ? vb : va, ['available']), 'available', 'the loser\'s volume is untouched');
      assert.deepEqual((await call('p3', 'GET', '/flint/images/race.raw')).bytes.subarray(0, data.length), data);
      assert.deepEqual(allFiles().filter((f) => f.includes('partial') || f.includes('.upload-')), [], 'no temp file is left');
    });

    test('a failed upload releases the name and removes its temp file', async () => {
      ok(await call('p3', 'PUT', '/flint/images/fail-src.raw', randomBytes(1000)), 201);
      const v = await volumeFrom('p3', 'fail-src.raw');
      FakeBackendStore.get(backend).failNext('copyVolumeToImage', 5);
      ok(await call('p3', 'POST', `/volumes/${v}/action`, { 'os-volume_upload_image': { image_name: 'failing.raw', disk_format: 'raw' } }), 202);
      const busy = await call('p3', 'PUT', '/flint/images/failing.raw', Buffer.from('x'));
      assert.equal(busy.status, 409, 'the name is reserved while the upload runs');
      await waitUntil(async () => {
        const t = await svc.db.kysely.selectFrom('tasks').select('status').where('resourceId', '=', v).where('kind', '=', 'upload_image').executeTakeFirst();
        return t?.status === 'failed' ? true : undefined;
      }, 60_000);
      assert.equal(await waitForVolumeStatus(svc, v, ['available']), 'available');
      assert.equal((await call('p3', 'GET', '/flint/images/failing.raw')).status, 404);
      assert.deepEqual(allFiles().filter((f) => f.includes('partial') || f.includes('.upload-')), []);
      ok(await call('p3', 'PUT', '/flint/images/failing.raw', Buffer.from('now mine')), 201);
      assert.deepEqual((await call('p3', 'GET', '/flint/images/failing.raw')).bytes, Buffer.from('now mine'));
    });

    test('what a crashed upload left is swept: a stale reservation and files with no row; live uploads stay', async () => {
      const long = new Date(Date.now() - 3600_000).toISOString();
      const now = new Date().toISOString();
      const row = (id: string, name: string, updatedAt: string, taskId: string | null = null) => ({
        id, projectId: 'p3', name, status: 'saving', visibility: 'private', size: null, taskId, createdAt: updatedAt, updatedAt,
      });
      const [dead, live, queued, orphan] = [newId(), newId(), newId(), newId()];
      await svc.db.kysely.insertInto('images').values([row(dead, 'crashed.raw', long), row(live, 'live.raw', now)]).execute();
      // An old reservation whose task is still queued is a live volume upload.
      const taskId = newId();
      await svc.db.kysely.insertInto('tasks').values({
        id: taskId, kind: 'upload_image', queue: 'volume@nowhere', resourceType: 'volume', resourceId: newId(), payload: '{}', progress: '[]',
        status: 'pending', dedupeKey: null, attempts: 0, maxAttempts: 5, runAt: now, createdAt: now, updatedAt: now,
      }).execute();
      await svc.db.kysely.insertInto('images').values(row(queued, 'queued.raw', long, taskId)).execute();
      const store = join(images, '.store');
      const files = { deadTmp: `.${dead}.0a1b2c.upload`, liveTmp: `.${live}.3d4e5f.upload`, orphan, orphanPartial: `.${orphan}.partial`, queuedPartial: `.${queued}.partial` };
      const old = new Date(Date.now() - 3600_000);
      for (const f of Object.values(files)) {
        writeFileSync(join(store, f), 'left over');
        utimesSync(join(store, f), old, old);
      }
      const swept = await new ImageCatalog(svc.db, new ImageStore(images)).sweep(10 * 60_000);
      assert.deepEqual(swept, { rows: 1, files: 3 });
      const left = readdirSync(store);
      for (const f of [files.deadTmp, files.orphan, files.orphanPartial]) assert.ok(!left.includes(f), `${f} is removed`);
      for (const f of [files.liveTmp, files.queuedPartial]) assert.ok(left.includes(f), `${f} is kept`);
      ok(await call('p3', 'PUT', '/flint/images/crashed.raw', Buffer.from('again')), 201);
      assert.equal((await call('p3', 'PUT', '/flint/images/live.raw', Buffer.from('x'))).status, 409, 'a live upload keeps its name');
      assert.equal((await call('p3', 'PUT', '/flint/images/queued.raw', Buffer.from('x'))).status, 409);
    });

    test('a symlink in the image directory is never followed: delete, read and create refuse it', async () => {
      const target = join(images, 'target.raw');
      writeFileSync(target, 'operator data');
      symlinkSync('target.raw', join(images, 'link.raw'));
      const del = await call('admin', 'DELETE', '/flint/images/link.raw');
      assert.equal(del.status, 400, JSON.stringify(del.body));
      assert.match(del.body.badRequest.message, /link\.raw.*not a regular file/);
      assert.equal(readFileSync(target, 'utf8'), 'operator data', 'the link\'s target is still there');
      assert.equal((await call('admin', 'GET', '/flint/images/link.raw')).status, 400);
      assert.equal((await call('admin', 'POST', '/volumes', { volume: { size: 1, imageRef: 'link.raw' } })).status, 400);
      // The operator's own regular file stays usable by an admin and deletable.
      assert.deepEqual((await call('admin', 'GET', '/flint/images/target.raw')).bytes, Buffer.from('operator data'));
      ok(await call('admin', 'DELETE', '/flint/images/target.raw'), 204);
      assert.equal(existsSync(target), false);
      assert.equal((await call('p1', 'GET', '/flint/images/link.raw')).status, 404, 'a member never sees operator files');
    });
  });
}
