// Crash recovery: 100 mixed operations in flight while Flint is killed with SIGKILL at
// random moments and restarted; at the end every resource is in a terminal status and
// the fake backend's objects equal the database's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { TERMINAL_SNAPSHOT_STATUSES, TERMINAL_VOLUME_STATUSES } from '../../src/volume/status.js';
import { DB_KINDS, PG_URL, waitUntil, writeConfig } from '../support/test-service.js';
import { freePort } from '../support/http.js';
import { startFlintProcess } from '../support/flint-process.js';

const PROJECT = 'crash';

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any } | null> {
  try {
    const r = await fetch(`${base}/v3/${PROJECT}${path}`, {
      method, headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'volume 3.0' },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  } catch {
    return null; // the process was killed under the request
  }
}

for (const kind of DB_KINDS) {
  describe(`crash recovery (${kind})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-crash-'));
    const schema = `flint_crash_${process.pid}_${kind}`;
    const stateFile = join(dir, 'fake-state.json');
    let child: ChildProcess | null = null;
    let db: Db;
    let base = '';
    let config = '';

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      config = writeConfig(dir, {
        db: kind,
        defaults: { task_lease_seconds: 5, report_interval: 2, ...(kind === 'postgres' ? {} : { database_connection: join(dir, 'flint.sqlite') }) },
        backends: { crashfake: { volume_driver: 'fake', fake_capacity_gib: 100000, fake_state_file: stateFile, fake_delay_ms: 40, fake_delay_after_ms: 20 } },
      });
      if (kind === 'postgres') {
        // The child reaches the schema through the URL's search_path option.
        const url = `${PG_URL}?options=-c%20search_path%3D${schema}`;
        config = writeConfig(dir, {
          defaults: { task_lease_seconds: 5, report_interval: 2, database_connection: url },
          backends: { crashfake: { volume_driver: 'fake', fake_capacity_gib: 100000, fake_state_file: stateFile, fake_delay_ms: 40, fake_delay_after_ms: 20 } },
        });
        db = await openDatabase({ url: PG_URL, schema });
      } else {
        db = await openDatabase({ url: join(dir, 'flint.sqlite') });
      }
      child = await startFlintProcess(config, `127.0.0.1:${port}`);
    });

    after(async () => {
      child?.kill('SIGKILL');
      await db?.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    });

    test('100 mixed operations survive 5 SIGKILLs', async () => {
      const created: string[] = [];
      const ops: Promise<unknown>[] = [];
      let rng = 42;
      const rand = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 100; i++) {
        const r = rand();
        if (r < 0.45 || created.length < 5) {
          ops.push(call(base, 'POST', '/volumes', { volume: { size: 1 + Math.floor(rand() * 3), name: `c${i}` } }).then((res) => {
            if (res?.status === 202) created.push(res.json.volume.id);
          }));
        } else {
          const id = created[Math.floor(rand() * created.length)]!;
          if (r < 0.65) ops.push(call(base, 'POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 5 } }));
          else if (r < 0.85) ops.push(call(base, 'POST', '/snapshots', { snapshot: { volume_id: id, force: true } }));
          else ops.push(call(base, 'DELETE', `/volumes/${id}?cascade=true`));
        }
        // Each batch of 20 is accepted, then Flint dies while the backend work runs.
        if (i % 20 === 19) {
          await Promise.all(ops);
          await new Promise((r2) => setTimeout(r2, rand() * 150));
          child!.kill('SIGKILL');
          await new Promise((r2) => child!.once('exit', r2));
          child = await startFlintProcess(config, base.replace('http://', ''));
        }
      }
      await Promise.all(ops);
      assert.ok(created.length >= 20, `only ${created.length} creates were accepted`);

      // Everything settles: no unfinished task, every volume and snapshot terminal.
      await waitUntil(async () => {
        const open = await db.kysely.selectFrom('tasks').select('id').where('status', 'in', ['pending', 'running']).execute();
        return open.length === 0 ? true : undefined;
      }, 90_000, 200);
      // The kills really landed mid-operation: some tasks ran again after a crash.
      const resumed = await db.kysely.selectFrom('tasks').select('id').where('attempts', '>', 1).execute();
      assert.ok(resumed.length > 0, 'no task was interrupted by a kill; the test did not test recovery');
      const vols = await db.kysely.selectFrom('volumes').select(['id', 'status', 'size']).execute();
      for (const v of vols) assert.ok(TERMINAL_VOLUME_STATUSES.includes(v.status), `volume ${v.id} ended in ${v.status}`);
      const snaps = await db.kysely.selectFrom('snapshots').select(['id', 'status', 'volumeId']).execute();
      for (const s of snaps) assert.ok(TERMINAL_SNAPSHOT_STATUSES.includes(s.status), `snapshot ${s.id} ended in ${s.status}`);

      // The backend holds exactly what the database says exists there.
      child!.kill('SIGTERM');
      await new Promise((r2) => child!.once('exit', r2));
      child = null;
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { volumes: Array<{ id: string; size: number }>; snapshots: Array<{ id: string }> };
      const onBackend = new Map(state.volumes.map((v) => [v.id, v.size]));
      const expected = vols.filter((v) => v.status !== 'error');
      assert.deepEqual([...onBackend.keys()].sort(), expected.map((v) => v.id).sort());
      for (const v of expected) assert.equal(onBackend.get(v.id), v.size, `size of ${v.id}`);
      const liveSnaps = snaps.filter((s) => s.status !== 'error').map((s) => s.id).sort();
      assert.deepEqual(state.snapshots.map((s) => s.id).sort(), liveSnaps);
    });
  });
}
