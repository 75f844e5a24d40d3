// A volume manager's start-up checks, paged: ensure_export of every exported volume of its
// backend (with the metadata and extra specs each carries, locations written back only when
// they changed) and the backend objects no volume of this backend owns. Real SQLite and
// PostgreSQL; pages of two rows so a handful of volumes crosses several pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, openDatabase, type Db } from '../../src/db/database.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { createFakeDriver } from '../../src/drivers/fake/fake-driver.js';
import type { DriverVolume } from '../../src/drivers/interface/objects.js';
import { logger } from '../../src/util/logger.js';
import { DEFAULT_TEMPLATES, toDriverVolume } from '../../src/volume/driver-objects.js';
import { findOrphans, reexportAll, type ReconcileTarget } from '../../src/volume/start-reconcile.js';
import { fakeDriverContext } from '../support/fake-driver-context.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

const STAMP = '2026-01-01T00:00:00.000Z';

function volumeRow(id: string, host: string, exported: 0 | 1, volumeTypeId: string | null = null) {
  return {
    id, projectId: 'p1', userId: 'u1', displayName: null, displayDescription: null, size: 1, status: 'available', attachStatus: 'detached',
    availabilityZone: 'nova', volumeTypeId, host, providerLocation: null, providerAuth: null, providerId: null, snapshotId: null,
    sourceVolid: null, bootable: 0 as const, multiattach: 0 as const, migrationStatus: null, replicationStatus: null, groupId: null,
    exported, createdAt: STAMP, updatedAt: STAMP,
  };
}

async function withDb(kind: string, fn: (db: Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flint-reconcile-'));
  const schema = `flint_rc_${process.pid}_${Date.now().toString(36)}`;
  const db = await openDatabase(kind === 'postgres' ? { url: PG_URL, schema } : { url: join(dir, 'flint.sqlite') });
  try {
    await fn(db);
  } finally {
    await db.close();
    if (kind === 'postgres') await dropSchema(PG_URL, schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of DB_KINDS) {
  test(`start-up re-exports every exported volume a page at a time and finds orphans (${kind})`, async () => {
    await withDb(kind, async (db) => {
      const backend = `rc${process.pid}${kind}`;
      FakeBackendStore.reset(backend);
      const driver = createFakeDriver(fakeDriverContext(backend));
      const seen: DriverVolume[] = [];
      const ensureExport = driver.ensureExport.bind(driver);
      driver.ensureExport = (v) => {
        seen.push(v);
        return ensureExport(v);
      };
      const k = db.kysely;
      const typeId = randomUUID();
      await k.insertInto('volumeTypes').values({ id: typeId, name: 'gold', description: null, isPublic: 1, qosSpecsId: null, createdAt: STAMP }).execute();
      await k.insertInto('volumeTypeExtraSpecs').values({ volumeTypeId: typeId, key: 'tier', value: 'gold' }).execute();

      const exported = Array.from({ length: 5 }, () => randomUUID()).sort();
      const notExported = randomUUID();
      const elsewhere = randomUUID();
      await k.insertInto('volumes').values([
        ...exported.map((id, i) => volumeRow(id, `fakehost@${backend}#pool0`, 1, i === 0 ? typeId : null)),
        volumeRow(notExported, `fakehost@${backend}#pool0`, 0),
        volumeRow(elsewhere, `fakehost@${backend}-other#pool0`, 1),
      ]).execute();
      await k.insertInto('volumeMetadata').values({ resourceId: exported[1]!, key: 'owner', value: 'alice' }).execute();
      for (const id of [...exported, notExported, elsewhere]) {
        const row = await k.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        await driver.createVolume(await toDriverVolume(k, row));
      }
      const stray = randomUUID();
      await driver.createVolume({ ...(await toDriverVolume(k, volumeRow(stray, `fakehost@${backend}#pool0`, 0))) });
      FakeBackendStore.get(backend).addForeignVolume('not-flints', 2);

      const target: ReconcileTarget = { db, driver, backendHost: `fakehost@${backend}`, templates: DEFAULT_TEMPLATES, logger, pageSize: 2 };
      assert.deepEqual(await reexportAll(target), { checked: 5, updated: 5 });
      assert.deepEqual(seen.map((v) => v.id), exported, 'each exported volume of this backend, once, in id order');
      assert.deepEqual(seen[0]!.extraSpecs, { tier: 'gold' });
      assert.deepEqual(seen[1]!.metadata, { owner: 'alice' });
      const store = FakeBackendStore.get(backend).volumes();
      for (const id of exported) {
        const row = await k.selectFrom('volumes').select(['providerLocation', 'updatedAt']).where('id', '=', id).executeTakeFirstOrThrow();
        assert.ok(store.get(id)!.exported);
        assert.equal(row.providerLocation, store.get(id)!.providerLocation);
        assert.notEqual(row.updatedAt, STAMP);
      }
      assert.equal(store.get(notExported)!.exported, false, 'a volume not exported before stays so');

      // A restart with nothing changed on the backend writes nothing.
      const before = await k.selectFrom('volumes').select(['id', 'updatedAt']).orderBy('id').execute();
      assert.deepEqual(await reexportAll(target), { checked: 5, updated: 0 });
      assert.deepEqual(await k.selectFrom('volumes').select(['id', 'updatedAt']).orderBy('id').execute(), before);

      const orphans = await findOrphans(target);
      assert.deepEqual(orphans.map((o) => o.flintId ?? o.reference['source-name']).sort(), [elsewhere, stray, 'not-flints'].sort());
      FakeBackendStore.reset(backend);
    });
  });
}
