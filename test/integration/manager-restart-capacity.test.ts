// A volume manager killed with creates in flight, then started again (issue 15, item 4). Some
// of those creates had already made their object on the backend: the new process's first
// report counts those objects, so it must settle their placements too, or every scheduler
// counts that room twice (report + reservation) until the creates run again, and refuses
// volumes that fit. And its reports are written one at a time: an older sample written last
// would count room free twice (the newer report already settled the placements it lacks).
// Real SQLite and PostgreSQL, the fake driver, the manager's own start-up and reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, openDatabase, type Db } from '../../src/db/database.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { createFakeDriver } from '../../src/drivers/fake/fake-driver.js';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import { QuotaEngine } from '../../src/quota/quota-engine.js';
import { PoolTaken, reservePlacement } from '../../src/scheduler/capacity-reservation.js';
import type { Placement } from '../../src/scheduler/scheduler.js';
import { formatLeaseOwner, newLeaseOwner, parseLeaseOwner } from '../../src/tasks/lease-owner.js';
import { volumeQueue } from '../../src/tasks/queues.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import { logger } from '../../src/util/logger.js';
import { DEFAULT_TEMPLATES, toDriverVolume } from '../../src/volume/driver-objects.js';
import { VolumeManager } from '../../src/volume/volume-manager.js';
import { fakeDriverContext } from '../support/fake-driver-context.js';
import { waitUntil } from '../support/test-service.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

const SIZE = 5;
const STAMP = '2026-01-01T00:00:00.000Z';

function manager(db: Db, tasks: TaskQueue, driver: VolumeDriverCore, backend: string): VolumeManager {
  return new VolumeManager({
    db, tasks, quotas: new QuotaEngine(db), driver, backendHost: `fakehost@${backend}`, backendName: backend, availabilityZone: 'nova',
    templates: DEFAULT_TEMPLATES, logger, statsIntervalMs: 3_600_000, filterFunction: null, goodnessFunction: null,
    concurrency: 4, leaseMs: 30_000, schedulerMaxAttempts: 3,
  });
}

/** A pid no process has any more (a child that ran and was reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

for (const kind of DB_KINDS) {
  test(`a manager restarted after a kill does not count its predecessor's half-done creates twice (${kind})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-restart-cap-'));
    const schema = `flint_rcap_${process.pid}`;
    const db = await openDatabase(kind === 'postgres' ? { url: PG_URL, schema } : { url: join(dir, 'flint.sqlite') });
    const backend = `rcap${process.pid}${kind}`;
    FakeBackendStore.reset(backend);
    const driver = createFakeDriver(fakeDriverContext(backend, { fake_capacity_gib: 50, fake_thin_provisioning: false }));
    const tasks = new TaskQueue(db);
    const backendHost = `fakehost@${backend}`;
    const placement = { backendHost, backendName: backend, poolName: 'pool0', poolHost: `${backendHost}#pool0` } as Placement;
    const reserve = (resourceId: string) =>
      db.kysely.transaction().execute((tx) => reservePlacement(tx, { kind: 'volume', resourceId, placement, sizeGiB: SIZE, thick: true }));
    const placements = async () => (await db.kysely.selectFrom('capacityReservations').select('id').where('reason', '=', 'placement').execute()).map((r) => r.id).sort();
    let restarted: VolumeManager | null = null;
    try {
      // The predecessor reported an empty pool, then five volumes were placed on it.
      await manager(db, tasks, driver, backend).reportStats();
      const ids: string[] = Array.from({ length: 5 }, () => randomUUID()).sort();
      // The owner id of a process of this machine whose pid no process has any more.
      const owner = formatLeaseOwner({ ...parseLeaseOwner(newLeaseOwner(backendHost))!, pid: deadPid() });
      for (const id of ids) {
        await db.kysely.insertInto('volumes').values({
          id, projectId: 'p1', userId: 'u1', size: SIZE, status: 'creating', attachStatus: 'detached', availabilityZone: 'nova', host: placement.poolHost,
          bootable: 0, multiattach: 0, exported: 0, createdAt: STAMP, updatedAt: STAMP,
        } as never).execute();
        await reserve(id);
        const taskId = await db.kysely.transaction().execute((tx) => tasks.enqueue(tx, {
          kind: 'create_volume', queue: volumeQueue(backendHost), resourceType: 'volume', resourceId: id,
          payload: { reservation: randomUUID(), excludeHosts: [], imagePath: null }, newResource: true,
        }));
        // Its create was running in the process that died.
        await db.kysely.updateTable('tasks').set({ status: 'running', leaseOwner: owner, leaseExpiresAt: '2999-01-01T00:00:00.000Z', attempts: 1 }).where('id', '=', taskId).execute();
      }
      // It died after making the objects of four of them, before any of those creates finished.
      const made = ids.slice(0, 4);
      for (const id of made) {
        const row = await db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        await driver.createVolume(await toDriverVolume(db.kysely, row));
      }

      restarted = manager(db, tasks, driver, backend);
      await restarted.start();
      // Its first report counts the four objects and settles their placements; the fifth create
      // has no object yet, so its placement still holds its room.
      assert.deepEqual(await placements(), [ids[4]!]);
      // Room as every scheduler sees it: 50 GiB - 20 reported - 5 reserved = 25 GiB, five volumes.
      // Counting the four twice left 5 GiB: one volume, and four that fit refused.
      const more = Array.from({ length: 5 }, () => randomUUID());
      for (const id of more) await reserve(id);
      await assert.rejects(reserve(randomUUID()), PoolTaken);

      // The dead process's tasks run again at once (its pid is gone) and finish all five.
      await waitUntil(async () => {
        const rows = await db.kysely.selectFrom('volumes').select('status').where('id', 'in', ids).execute();
        return rows.every((r) => r.status === 'available') ? true : undefined;
      }, 20_000, 50);
      assert.deepEqual(FakeBackendStore.get(backend).volumes().size, 5);
      // The next report counts all five and leaves none of their placements behind.
      await restarted.reportStats();
      assert.deepEqual((await placements()).filter((id) => ids.includes(id)), []);
    } finally {
      await restarted?.stop();
      tasks.close();
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
      FakeBackendStore.reset(backend);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const kind of DB_KINDS) {
  test(`a manager writes one stats report at a time, so an older sample never lands over a newer one (${kind})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-report-order-'));
    const schema = `flint_rord_${process.pid}`;
    const db = await openDatabase(kind === 'postgres' ? { url: PG_URL, schema } : { url: join(dir, 'flint.sqlite') });
    const backend = `rord${process.pid}${kind}`;
    FakeBackendStore.reset(backend);
    const driver = createFakeDriver(fakeDriverContext(backend, { fake_capacity_gib: 50, fake_thin_provisioning: false }));
    const tasks = new TaskQueue(db);
    try {
      // The first report's write is held back 300 ms (a slow connection, a busy process).
      let held = false;
      const transaction = db.kysely.transaction.bind(db.kysely);
      const slowFirst = new Proxy(db.kysely, {
        get(target, prop, receiver) {
          if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
          return () => {
            const builder = transaction();
            if (held) return builder;
            held = true;
            return { execute: async <T>(fn: Parameters<typeof builder.execute<T>>[0]) => {
              await new Promise((r) => setTimeout(r, 300));
              return builder.execute(fn);
            } };
          };
        },
      });
      const sampled: string[] = [];
      const m = new VolumeManager({
        db: { ...db, kysely: slowFirst }, tasks, quotas: new QuotaEngine(db), driver, backendHost: `fakehost@${backend}`, backendName: backend,
        availabilityZone: 'nova', templates: DEFAULT_TEMPLATES, logger, statsIntervalMs: 3_600_000, filterFunction: null, goodnessFunction: null,
        concurrency: 4, leaseMs: 30_000, schedulerMaxAttempts: 3, onStats: (_s, _p, _l, at) => void sampled.push(at),
      });
      const first = m.reportStats();
      await new Promise((r) => setTimeout(r, 20));
      // A volume lands between the two samples: only the second report counts it.
      await driver.createVolume(await toDriverVolume(db.kysely, {
        id: randomUUID(), projectId: 'p1', userId: 'u1', size: SIZE, status: 'available', host: `fakehost@${backend}#pool0`, createdAt: STAMP, updatedAt: STAMP,
      } as never));
      await Promise.all([first, m.reportStats()]);
      assert.equal(sampled.length, 2);
      assert.ok(sampled[0]! < sampled[1]!, `samples in order: ${sampled.join(', ')}`);
      const row = await db.kysely.selectFrom('backendStats').select(['updatedAt', 'stats']).where('backendHost', '=', `fakehost@${backend}`).executeTakeFirstOrThrow();
      assert.equal(row.updatedAt, sampled[1], 'the newer sample is the one left in the database');
      assert.equal((JSON.parse(row.stats) as { pools: Array<{ allocatedCapacityGiB: number }> }).pools[0]!.allocatedCapacityGiB, SIZE);
    } finally {
      tasks.close();
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
      FakeBackendStore.reset(backend);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
