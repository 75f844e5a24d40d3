// Concurrent conflicting requests against the real block service, on SQLite and on
// PostgreSQL (read committed, a pool of connections): every status change must be atomic
// with the reads it depends on, quota must come out exact, and no request may fail with
// a 5xx. Every loop here is bounded in count and in time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { toFlintError } from '../../src/errors/errors.js';
import { apiCall } from '../support/http.js';
import {
  DB_KINDS, startTestService, userCtx, waitForVolumeStatus, waitUntil, type TestService,
} from '../support/test-service.js';

/** Runs `fn`; a 4xx FlintError is an answer, anything else (5xx, raw database error) is returned as a failure. */
async function outcome(fn: () => Promise<unknown>): Promise<{ ok: boolean; status: number; message: string }> {
  try {
    await fn();
    return { ok: true, status: 202, message: '' };
  } catch (e) {
    const fe = toFlintError(e);
    return { ok: false, status: fe.httpStatus, message: fe.message };
  }
}

/** Waits until no unfinished task concerns `resourceId` (or any of them). */
async function settled(svc: TestService, resourceId: string | string[], timeoutMs = 20_000): Promise<void> {
  const ids = typeof resourceId === 'string' ? [resourceId] : resourceId;
  if (ids.length === 0) return;
  await waitUntil(async () => {
    const busy = await svc.db.kysely.selectFrom('tasks').select('id').where('resourceId', 'in', ids)
      .where('status', 'in', ['pending', 'running']).executeTakeFirst();
    return busy ? undefined : true;
  }, timeoutMs);
}

async function usage(svc: TestService, projectId: string): Promise<Record<string, { in_use: number; reserved: number }>> {
  return svc.quotas.details(projectId);
}

for (const kind of DB_KINDS) {
  describe(`status races (${kind})`, () => {
    let svc: TestService;
    const backend = `race_${kind}`;
    before(async () => {
      FakeBackendStore.reset(backend);
      svc = await startTestService({ db: kind, backends: { [backend]: { volume_driver: 'fake', fake_capacity_gib: 10_000 } } });
    });
    after(async () => svc?.cleanup());

    test('rapid re-extend: every extend finishes, status ends available, gigabytes usage equals the sizes', async () => {
      const ctx = userCtx(`p-ext-${kind}`);
      const volumes = await Promise.all(Array.from({ length: 4 }, () => svc.api.createVolume(ctx, { size: 1 })));
      for (const v of volumes) assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
      const failures: string[] = [];
      // Each client asks for the next size as soon as the last one is accepted, retrying its
      // 409s at once: the new request lands while the previous extend is finishing.
      const deadline = Date.now() + 15_000;
      await Promise.all(volumes.map(async (v) => {
        for (let size = 2; size <= 7; size++) {
          while (Date.now() < deadline) {
            const r = await outcome(() => svc.api.extendVolume(ctx, v.id, size));
            if (r.ok) break;
            if (r.status >= 500) failures.push(`${r.status} ${r.message}`);
            if (r.status === 400) break; // already that size: a stale request, nothing to do
            await new Promise((res) => setImmediate(res));
          }
        }
      }));
      assert.deepEqual(failures, []);
      let sum = 0;
      for (const v of volumes) {
        await settled(svc, v.id);
        const row = await svc.db.kysely.selectFrom('volumes').select(['status', 'size']).where('id', '=', v.id).executeTakeFirstOrThrow();
        assert.equal(row.status, 'available', `volume ${v.id} ended ${row.status}`);
        assert.equal(row.size, 7);
        sum += row.size;
      }
      const u = await usage(svc, ctx.projectId);
      assert.equal(u.gigabytes.in_use, sum);
      assert.equal(u.gigabytes.reserved, 0);
    });

    test('snapshot creates racing a cascade delete: nothing lost, nothing left on the backend, quota exact', async () => {
      const ctx = userCtx(`p-snap-${kind}`);
      const store = FakeBackendStore.get(backend);
      for (let round = 0; round < 12; round++) {
        const v = await svc.api.createVolume(ctx, { size: 1 });
        assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
        // A few snapshots exist already, so the cascade has something to sweep up.
        for (let i = 0; i < 3; i++) await svc.api.createSnapshot(ctx, { volumeId: v.id });
        await settled(svc, (await svc.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', v.id).execute()).map((s) => s.id));
        const failures: string[] = [];
        const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
        // 50 creates in bursts of 5 every 40 ms, while the cascade delete is asked again and
        // again (each refusal is a 409 for a snapshot still being created) until accepted:
        // a burst that starts as a delete goes through is the race.
        let creating = true;
        const creates = Promise.all(Array.from({ length: 50 }, async (_, i) => {
          await sleep(Math.floor(i / 5) * 40 + round);
          return outcome(() => svc.api.createSnapshot(ctx, { volumeId: v.id }));
        })).finally(() => { creating = false; });
        const deleter = (async () => {
          await sleep(10 + round * 5);
          const results = [];
          do {
            const r = await outcome(() => svc.api.deleteVolume(ctx, v.id, { cascade: true }));
            results.push(r);
            if (r.ok) break;
            await sleep(Math.random() * 3);
          } while (creating);
          return results;
        })();
        const cr = await creates;
        const dr = await deleter;
        for (const r of [...cr, ...dr]) if (!r.ok && r.status >= 500) failures.push(`${r.status} ${r.message}`);
        assert.deepEqual(failures, []);
        // The delete may have been refused (a snapshot was still being created): wait, and ask again.
        for (let attempt = 0; attempt < 50; attempt++) {
          const cur = await svc.db.kysely.selectFrom('volumes').select('status').where('id', '=', v.id).executeTakeFirst();
          if (!cur || cur.status === 'deleting') break;
          const snaps = await svc.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', v.id).execute();
          await settled(svc, [v.id, ...snaps.map((s) => s.id)]);
          const r = await outcome(() => svc.api.deleteVolume(ctx, v.id, { cascade: true }));
          assert.ok(r.ok || r.status < 500, `${r.status} ${r.message}`);
          if (r.ok) break;
        }
        assert.equal(await waitForVolumeStatus(svc, v.id, ['deleted', 'error_deleting', 'error']), 'deleted');
        const rows = await svc.db.kysely.selectFrom('snapshots').select('id').where('volumeId', '=', v.id).execute();
        assert.equal(rows.length, 0);
        const leftOnBackend = [...store.snapshots().values()].filter((s) => s.volumeId === v.id);
        assert.deepEqual(leftOnBackend.map((s) => s.id), [], 'backend snapshots without a database row');
      }
      const u = await usage(svc, ctx.projectId);
      assert.deepEqual([u.snapshots.in_use, u.snapshots.reserved], [0, 0]);
      assert.deepEqual([u.volumes.in_use, u.volumes.reserved], [0, 0]);
      assert.deepEqual([u.gigabytes.in_use, u.gigabytes.reserved], [0, 0]);
    });

    test('extend and delete at once: never a 5xx, quota exact', async () => {
      const ctx = userCtx(`p-dl-${kind}`);
      const failures: string[] = [];
      for (let round = 0; round < 20; round++) {
        const v = await svc.api.createVolume(ctx, { size: 1 });
        assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
        const [ext, del] = await Promise.all([
          outcome(() => svc.api.extendVolume(ctx, v.id, 2)),
          outcome(() => svc.api.deleteVolume(ctx, v.id)),
        ]);
        for (const r of [ext, del]) if (!r.ok && r.status >= 500) failures.push(`round ${round}: ${r.status} ${r.message}`);
        await settled(svc, v.id);
        const cur = await svc.db.kysely.selectFrom('volumes').select('status').where('id', '=', v.id).executeTakeFirst();
        if (cur) {
          assert.equal(cur.status, 'available');
          await svc.api.deleteVolume(ctx, v.id);
        }
        assert.equal(await waitForVolumeStatus(svc, v.id, ['deleted', 'error_deleting']), 'deleted');
      }
      assert.deepEqual(failures, []);
      const u = await usage(svc, ctx.projectId);
      assert.deepEqual([u.volumes.in_use, u.volumes.reserved], [0, 0]);
      assert.deepEqual([u.gigabytes.in_use, u.gigabytes.reserved], [0, 0]);
    });

    test('manage counts the gigabytes it takes over, in a project that has no usage rows yet', async () => {
      const ctx = userCtx(`p-manage-${kind}`);
      const store = FakeBackendStore.get(backend);
      store.addForeignVolume(`foreign-${kind}`, 3);
      const host = `${svc.managers.get(backend)!.queue.replace(/^volume@/, '')}#pool0`;
      const v = await svc.api.manageVolume(ctx, { host, ref: { 'source-name': `foreign-${kind}` } });
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error_managing']), 'available');
      const u = await usage(svc, ctx.projectId);
      assert.deepEqual([u.volumes.in_use, u.gigabytes.in_use, u.gigabytes.reserved], [1, 3, 0]);
      await svc.api.deleteVolume(ctx, v.id);
      assert.equal(await waitForVolumeStatus(svc, v.id, ['deleted', 'error_deleting']), 'deleted');
      const after = await usage(svc, ctx.projectId);
      assert.deepEqual([after.volumes.in_use, after.gigabytes.in_use], [0, 0]);
    });

    test('a second host connecting to a non-multiattach volume gets 409 that names no other host', async () => {
      const ctx = userCtx(`p-conn-${kind}`);
      const v = await svc.api.createVolume(ctx, { size: 1 });
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
      const first = { initiator: 'iqn.2004-10.org.example:first-host', host: 'first-host' };
      const second = { initiator: 'iqn.2004-10.org.example:second-host', host: 'second-host' };
      await svc.api.initializeConnection(ctx, v.id, first);
      for (const call of [
        () => svc.api.initializeConnection(ctx, v.id, second),
        () => svc.api.createAttachment(ctx, { volumeId: v.id, connector: second }),
      ]) {
        const r = await outcome(call);
        assert.equal(r.status, 409, r.message);
        assert.doesNotMatch(r.message, /first-host/);
      }
      // Over HTTP: a 409 in OpenStack's error shape, naming nobody.
      const r = await apiCall(svc.url!, ctx.projectId, 'POST', `/volumes/${v.id}/action`, { 'os-initialize_connection': { connector: second } });
      assert.equal(r.status, 409, JSON.stringify(r.json));
      assert.equal(r.json?.conflictingRequest?.code, 409, JSON.stringify(r.json));
      assert.doesNotMatch(JSON.stringify(r.json), /first-host/);
      // The same host asking again is fine (an idempotent retry).
      await svc.api.initializeConnection(ctx, v.id, first);
      await svc.api.terminateConnection(ctx, v.id, first);
      await svc.api.initializeConnection(ctx, v.id, second);
      await svc.api.terminateConnection(ctx, v.id, second);
    });
  });
}
