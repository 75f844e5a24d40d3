// Cluster mode with several schedulers on PostgreSQL, every role in its own process: two API
// processes, two schedulers and two volume managers (fake backends, one 50 GiB thick pool
// each). A burst of creates through both APIs wants twice the room there is: exactly the
// room is placed, the rest fail with "no valid backend", no pool is over-committed. Then the
// same burst with a scheduler and a manager SIGKILLed in the middle: the manager restarts,
// the other scheduler takes over the dead one's tasks, and again exactly the room is placed.
// A failed count prints a timeline of reports, objects and reservations (support/cluster-timeline.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall } from '../support/http.js';
import { ClusterDeployment } from '../support/cluster-deployment.js';
import { ClusterTimeline } from '../support/cluster-timeline.js';
import { waitUntil } from '../support/test-service.js';

const PROJECT = 'clusterburst';
const BACKENDS = { cla: 50, clb: 50 };
const SIZE_GIB = 5;
const FITS = (50 / SIZE_GIB) * 2;
const REQUESTS = FITS * 2;

const call = (base: string, method: string, path: string, body?: unknown) => apiCall(base, PROJECT, method, path, body, '3.5');

describe('several schedulers on PostgreSQL never over-commit', () => {
  let cluster: ClusterDeployment;

  before(async () => {
    cluster = await ClusterDeployment.start({
      schema: `flint_sched2_${process.pid}`, apis: 2, schedulers: 2, backends: BACKENDS,
      // A dead scheduler's tasks pass to the other one 8 s after its last lease. Shorter (3 s)
      // leases expired under a loaded machine while their workers lived: every re-claim counts
      // an attempt, so creates ran out of attempts and failed (11 placed of 20 in one run).
      leaseSeconds: 8, fakeDelayMs: 20,
    });
  });
  after(async () => cluster?.stop());

  /** POSTs the burst, alternating between the API processes; every request is accepted. */
  async function burst(tag: string, midway?: () => Promise<void>): Promise<string[]> {
    const posts = Array.from({ length: REQUESTS }, (_, i) =>
      call(cluster.apiUrls[i % cluster.apiUrls.length]!, 'POST', '/volumes', { volume: { size: SIZE_GIB, name: `${tag}-${i}` } }));
    if (midway) await midway();
    const responses = await Promise.all(posts);
    for (const r of responses) assert.equal(r.status, 202, JSON.stringify(r.json));
    return responses.map((r) => r.json.volume.id as string);
  }

  /** Every volume of the burst ends; exactly the room is placed and each pool holds what the database says. */
  async function checkOutcome(ids: string[], t: { diagnostic(m: string): void }, timeline: ClusterTimeline, afterKill = false): Promise<void> {
    const rows = await waitUntil(async () => {
      const r = await cluster.db.kysely.selectFrom('volumes').select(['id', 'status', 'host', 'size']).where('id', 'in', ids).execute();
      return r.length === ids.length && r.every((v) => v.status === 'available' || v.status === 'error') ? r : undefined;
    }, 90_000, 200);
    await timeline.stop();
    const available = rows.filter((r) => r.status === 'available');
    const errored = rows.filter((r) => r.status === 'error');
    t.diagnostic(`available ${available.length}, error ${errored.length}`);
    const messages = (await call(cluster.apiUrls[0]!, 'GET', '/messages?resource_type=VOLUME')).json.messages as Array<{ resource_uuid: string; user_message: string }>;
    try {
      assert.equal(available.length, FITS, `available ${available.length}, error ${errored.length}`);
      assert.equal(errored.length, REQUESTS - FITS);
      for (const [backend, capacity] of Object.entries(BACKENDS)) {
        const objects = cluster.backendVolumes(backend).filter((o) => ids.includes(o.id));
        const held = objects.reduce((s, o) => s + o.size, 0);
        assert.equal(held, capacity, `${backend} holds ${held} GiB of ${capacity} GiB`);
        const inDb = available.filter((r) => r.host?.split('#')[0]?.endsWith(`@${backend}`)).map((r) => r.id).sort();
        assert.deepEqual(objects.map((o) => o.id).sort(), inDb, `objects on ${backend} vs database`);
      }
      for (const r of errored) {
        const m = messages.find((x) => x.resource_uuid === r.id);
        assert.ok(m, `no user message for ${r.id}`);
        assert.match(m.user_message, /No valid backend/i);
        assert.match(m.user_message, /capacity/i);
      }
    } catch (e) {
      // What each failure said, and the timeline of reports, objects and reservations.
      const refusals = errored.length === 0 ? [] : await cluster.db.kysely.selectFrom('tasks').select(['resourceId', 'lastError', 'updatedAt'])
        .where('kind', '=', 'schedule_volume').where('status', '=', 'failed').where('resourceId', 'in', errored.map((r) => r.id)).execute();
      for (const r of errored) {
        const task = refusals.find((x) => x.resourceId === r.id);
        t.diagnostic(`${r.id}: ${messages.find((x) => x.resource_uuid === r.id)?.user_message ?? '(no message)'}${task ? ` | refused at ${task.updatedAt.slice(11, 23)}: ${task.lastError}` : ''}`);
      }
      t.diagnostic(`timeline${afterKill ? ' (kill variant)' : ''}:\n${timeline.text()}`);
      throw e;
    }
    // No create reached a full backend: the schedulers' reservations kept them apart.
    const refused = await cluster.db.kysely.selectFrom('tasks').select('id')
      .where('kind', '=', 'create_volume').where('lastError', 'like', 'backend_capacity%').execute();
    t.diagnostic(`creates refused by a full backend: ${refused.length}`);
    // Room counted free twice would send a create to a full pool (refused there, rescheduled).
    // Two ways it happened after the first burst, both closed: reports committing out of order
    // (one report at a time now), and a delete's change row outliving a report that already
    // showed the object gone (the row is dated when the backend changed, under the stats lock).
    assert.equal(refused.length, 0, 'a create was sent to a pool that was already full');
    // Nothing stuck: no open task, and every reservation settled by the managers' next reports.
    await waitUntil(async () => ((await cluster.db.kysely.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute()).length === 0 ? true : undefined), 30_000, 200);
    await cluster.settled();
  }

  async function deleteAll(ids: string[]): Promise<void> {
    const rows = await cluster.db.kysely.selectFrom('volumes').select('id').where('id', 'in', ids).execute();
    for (const r of rows) assert.equal((await call(cluster.apiUrls[0]!, 'DELETE', `/volumes/${r.id}`)).status, 202);
    await waitUntil(async () => ((await cluster.db.kysely.selectFrom('volumes').select('id').where('id', 'in', ids).where('status', '!=', 'deleted').execute()).length === 0 ? true : undefined), 60_000, 200);
  }

  const timeline = () => {
    const tl = new ClusterTimeline(cluster, Object.keys(BACKENDS));
    tl.start();
    return tl;
  };

  test(`${REQUESTS} creates through 2 APIs and 2 schedulers, room for ${FITS}`, async (t) => {
    const tl = timeline();
    try {
      const ids = await burst('b1');
      await checkOutcome(ids, t, tl);
      await deleteAll(ids);
    } finally {
      await tl.stop();
    }
  });

  test('a scheduler and a manager SIGKILLed mid-burst: exactly the room placed, nothing stuck', async (t) => {
    const tl = timeline();
    try {
      let killedWhileBusy = 0;
      const ids = await burst('b2', async () => {
        // Once schedule tasks are being worked on, kill scheduler 0 and the manager of cla.
        await waitUntil(async () => {
          const running = await cluster.db.kysely.selectFrom('tasks').select('id').where('status', '=', 'running').execute();
          return running.length > 0 ? true : undefined;
        }, 30_000, 5);
        killedWhileBusy = (await cluster.db.kysely.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute()).length;
        tl.mark(`killing scheduler 0 and the manager of cla (${killedWhileBusy} tasks open)`);
        await Promise.all([cluster.kill({ scheduler: 0 }), cluster.kill({ volume: 'cla' })]);
        tl.mark('killed; restarting the manager of cla');
        // The manager is the only one for its backend: it comes back. The scheduler does not;
        // the other one takes over its tasks once their leases run out.
        await cluster.restart({ volume: 'cla' });
        tl.mark('manager of cla restarted');
      });
      assert.ok(killedWhileBusy > 0, 'the kills landed after the burst had finished');
      await checkOutcome(ids, t, tl, true);
    } finally {
      await tl.stop();
    }
  });
});
