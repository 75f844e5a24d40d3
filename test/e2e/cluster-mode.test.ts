// Cluster mode: the API and scheduler in one process, a volume manager in another, both
// on one PostgreSQL database that is their only link (no broker). Work crosses processes
// through the task table, including initialize_connection, whose caller waits for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { PG_URL, waitUntil, writeConfig } from '../support/test-service.js';
import { apiClient, expectStatus, freePort } from '../support/http.js';
import { startFlintProcess, stopFlintProcess } from '../support/flint-process.js';

describe('cluster mode over PostgreSQL (api+scheduler | volume@backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cluster-'));
  const schema = `flint_cluster_${process.pid}`;
  const stateFile = join(dir, 'fake-state.json');
  let db: Db;
  let front: ChildProcess;
  let back: ChildProcess;
  let call: ReturnType<typeof apiClient>;

  before(async () => {
    db = await openDatabase({ url: PG_URL, schema });
    const config = writeConfig(dir, {
      defaults: { report_interval: 1, database_connection: `${PG_URL}?options=-c%20search_path%3D${schema}` },
      backends: { far: { volume_driver: 'fake', fake_capacity_gib: 50, fake_thin_provisioning: false, fake_state_file: stateFile, fake_protocol: 'iscsi' } },
    });
    const port = await freePort();
    // The manager starts first so its stats are in the database when the scheduler starts.
    back = await startFlintProcess(config, '127.0.0.1:0', 'error', ['volume@far']);
    front = await startFlintProcess(config, `127.0.0.1:${port}`, 'error', ['api', 'scheduler']);
    call = apiClient(`http://127.0.0.1:${port}`, 'cluster', '3.44');
  });

  after(async () => {
    if (front) await stopFlintProcess(front);
    if (back) await stopFlintProcess(back);
    await db?.close();
    await dropSchema(PG_URL, schema);
    rmSync(dir, { recursive: true, force: true });
  });

  const status = (id: string, want: string[]) => waitUntil(async () => {
    const r = await call('GET', `/volumes/${id}`);
    const s = r.status === 404 ? 'deleted' : r.json.volume.status;
    return want.includes(s) ? s : undefined;
  }, 30_000, 50);

  test('create, attach, snapshot and delete cross the process boundary', async () => {
    const services = expectStatus(await call('GET', '/os-services'), 200).services as Array<{ binary: string; host: string; state: string }>;
    assert.deepEqual(services.map((s) => s.binary).sort(), ['cinder-api', 'cinder-scheduler', 'cinder-volume']);
    assert.ok(services.every((s) => s.state === 'up'), JSON.stringify(services));

    const v = expectStatus(await call('POST', '/volumes', { volume: { size: 2, name: 'c1' } }), 202).volume;
    assert.equal(await status(v.id, ['available', 'error']), 'available');
    const shown = expectStatus(await call('GET', `/volumes/${v.id}`), 200).volume;
    assert.match(shown['os-vol-host-attr:host'], /@far#pool0$/);

    const a = expectStatus(await call('POST', '/attachments', {
      attachment: { volume_uuid: v.id, instance_uuid: '22222222-3333-4444-5555-666666666666', connector: { initiator: 'iqn.2004-10.org.test:c1', host: 'c1' } },
    }), 200).attachment;
    assert.equal(a.connection_info.driver_volume_type, 'iscsi');
    assert.equal(a.connection_info.data.volume_id, v.id);
    expectStatus(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
    assert.equal(await status(v.id, ['in-use']), 'in-use');

    const s = expectStatus(await call('POST', '/snapshots', { snapshot: { volume_id: v.id, force: true } }), 202).snapshot;
    await waitUntil(async () => ((await call('GET', `/snapshots/${s.id}`)).json.snapshot.status === 'available' ? true : undefined), 30_000, 50);

    expectStatus(await call('DELETE', `/attachments/${a.id}`), 200);
    assert.equal(await status(v.id, ['available']), 'available');
    expectStatus(await call('DELETE', `/volumes/${v.id}?cascade=true`), 202);
    assert.equal(await status(v.id, ['deleted', 'error_deleting']), 'deleted');

    // The manager's process held the backend; its state file shows nothing left.
    await waitUntil(async () => {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { volumes: unknown[]; snapshots: unknown[] };
      return state.volumes.length === 0 && state.snapshots.length === 0 ? true : undefined;
    }, 5_000, 50);
    const open = await db.kysely.selectFrom('tasks').select(['kind', 'status']).where('status', 'in', ['pending', 'running']).execute();
    assert.deepEqual(open, []);
  });

  test('manageable_volumes asked of the API-only process is answered by the manager in the other one', async () => {
    const services = expectStatus(await call('GET', '/os-services'), 200).services as Array<{ binary: string; host: string }>;
    const host = services.find((s) => s.binary === 'cinder-volume')!.host;
    const v = expectStatus(await call('POST', '/volumes', { volume: { size: 1, name: 'listed' } }), 202).volume;
    assert.equal(await status(v.id, ['available', 'error']), 'available');
    const listed = expectStatus(await call('GET', `/manageable_volumes/detail?host=${encodeURIComponent(host)}`), 200)['manageable-volumes'] as Array<{ cinder_id: string | null; safe_to_manage: boolean }>;
    const mine = listed.find((o) => o.cinder_id === v.id);
    assert.ok(mine, JSON.stringify(listed));
    assert.equal(mine.safe_to_manage, false);
    expectStatus(await call('GET', '/manageable_volumes?host=nowhere@none'), 404);
    expectStatus(await call('DELETE', `/volumes/${v.id}`), 202);
    assert.equal(await status(v.id, ['deleted', 'error_deleting']), 'deleted');
  });

  test('capacity reported by the other process bounds placement', async () => {
    // 50 GiB in one thick pool: 3 x 20 GiB cannot all fit.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(expectStatus(await call('POST', '/volumes', { volume: { size: 20 } }), 202).volume.id);
    const ends = await Promise.all(ids.map((id) => status(id, ['available', 'error'])));
    assert.equal(ends.filter((e) => e === 'available').length, 2, JSON.stringify(ends));
    const failed = ids[ends.indexOf('error')]!;
    const m = expectStatus(await call('GET', `/messages?resource_uuid=${failed}`), 200).messages;
    assert.match(m[0].user_message, /capacity/i);
    for (const id of ids) expectStatus(await call('DELETE', `/volumes/${id}`), 202);
    for (const id of ids) await status(id, ['deleted']);
  });
});
