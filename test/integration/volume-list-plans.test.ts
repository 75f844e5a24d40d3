// The volume list queries read an index in the order asked for and stop at the page's end:
// SQLite's EXPLAIN QUERY PLAN of each query the API builds names the index of migration 010 (or
// 001) that serves it, and none sorts the whole table. A fresh all-in-one database has no
// planner statistics, so these plans are the ones a real installation runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { openDatabase, type Db } from '../../src/db/database.js';
import { volumePageQuery, type VolumeFilters } from '../../src/api/queries/volumes.js';
import type { PageParams } from '../../src/api/queries/list-params.js';

const STAMP = '2026-01-01T00:00:00.000Z';
const MARKER = '00000000-0000-4000-8000-000000000001';

async function plan(db: Db, f: VolumeFilters, page: Partial<PageParams> = {}): Promise<string> {
  const q = await volumePageQuery(db, f, { limit: 1000, offset: 0, marker: null, sort: [{ key: 'created_at', dir: 'desc' }], ...page });
  const c = q.compile();
  const rows = await db.kysely.executeQuery(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${c.sql}`, [...c.parameters]));
  return (rows.rows as { detail: string }[]).map((r) => r.detail).join('\n');
}

test('each volume list query is served by its index, without sorting the table (sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-plans-'));
  const db = await openDatabase({ url: join(dir, 'flint.sqlite') });
  try {
    await db.kysely.insertInto('volumes').values({
      id: MARKER, projectId: 'p1', userId: 'u1', displayName: 'v', displayDescription: null, size: 1, status: 'available',
      attachStatus: 'detached', availabilityZone: 'nova', volumeTypeId: null, host: 'h@b#p', providerLocation: null, providerAuth: null,
      providerId: null, snapshotId: null, sourceVolid: null, bootable: 0, multiattach: 0, migrationStatus: null, replicationStatus: null,
      groupId: null, exported: 0, createdAt: STAMP, updatedAt: STAMP,
    }).execute();
    const cases: [string, VolumeFilters, Partial<PageParams>, string][] = [
      ['one project', { projectId: 'p1' }, {}, 'volumes_project_created'],
      ['one project, next page', { projectId: 'p1' }, { marker: MARKER }, 'volumes_project_created'],
      ['one project, oldest first', { projectId: 'p1' }, { sort: [{ key: 'created_at', dir: 'asc' }] }, 'volumes_project_created'],
      ['all projects', { projectId: null }, {}, 'volumes_created'],
      ['all projects, next page', { projectId: null }, { marker: MARKER }, 'volumes_created'],
      ['all projects by status', { projectId: null, status: 'error' }, {}, 'volumes_status_created'],
      ['one project by status', { projectId: 'p1', status: 'available' }, {}, 'volumes_project_status_created'],
      ['all projects by size', { projectId: null }, { sort: [{ key: 'size', dir: 'desc' }] }, 'volumes_size'],
    ];
    for (const [what, f, page, index] of cases) {
      const p = await plan(db, f, page);
      assert.match(p, new RegExp(`USING INDEX ${index}\\b`), `${what}:\n${p}`);
      assert.doesNotMatch(p, /TEMP B-TREE FOR ORDER BY/, `${what} sorts:\n${p}`);
    }
    // A name is rare: its index finds the few rows, which are then sorted.
    assert.match(await plan(db, { projectId: null, name: 'v' }), /USING INDEX volumes_display_name\b/);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
