// A capability the backend lacks, asked for through the API: a 400 naming the backend and the
// operation, and nothing changes (no task recorded, statuses and quota as they were). Shown on
// fake backends configured without capabilities and on netapp_ontap, which has no image_transfer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions } from '../sim/ontap/ontap-driver-fixture.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';

const MV = { 'openstack-api-version': 'volume 3.40' };

function helpers(svc: () => TestService) {
  const inject = (method: string, url: string, payload?: unknown) =>
    svc().app!.inject({ method: method as 'GET', url: `/v3/p1${url}`, headers: MV, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const status = (table: 'volumes' | 'snapshots', id: string, want: string[]) => waitUntil(async () => {
    const r = await svc().db.kysely.selectFrom(table).select('status').where('id', '=', id).executeTakeFirst();
    return r && want.includes(r.status) ? r.status : undefined;
  });
  const volume = async (body: Record<string, unknown>): Promise<string> => {
    const c = await inject('POST', '/volumes', { volume: body });
    assert.equal(c.statusCode, 202, c.body);
    const id = c.json().volume.id as string;
    assert.equal(await status('volumes', id, ['available', 'error']), 'available');
    return id;
  };
  /** What a refused request must leave as it was. */
  const state = async () => ({
    volumes: await svc().db.kysely.selectFrom('volumes').select(['id', 'status', 'size']).orderBy('id').execute(),
    snapshots: await svc().db.kysely.selectFrom('snapshots').select(['id', 'status']).orderBy('id').execute(),
    tasks: (await svc().db.kysely.selectFrom('tasks').select('id').execute()).length,
    quota: await svc().db.kysely.selectFrom('quotaUsages').select(['resource', 'inUse', 'reserved']).where('projectId', '=', 'p1').orderBy('resource').execute(),
  });
  const refused = async (what: RegExp, backend: string, send: () => Promise<{ statusCode: number; body: string; json(): any }>) => {
    const before = await state();
    const r = await send();
    assert.equal(r.statusCode, 400, r.body);
    const message = r.json().badRequest.message as string;
    assert.match(message, what);
    assert.match(message, new RegExp(`not supported by backend ${backend}\\.`));
    assert.deepEqual(await state(), before, 'a refused request changes nothing');
  };
  return { inject, status, volume, refused };
}

describe('capabilities a fake backend is configured without', () => {
  let svc: TestService;
  const { inject, status, volume, refused } = helpers(() => svc);

  before(async () => {
    svc = await startTestService({
      defaults: { quota_volumes: 100 },
      backends: {
        lacking: { volume_driver: 'fake', fake_disabled_capabilities: 'extend,revert_to_snapshot,manage,manage_snapshot,image_transfer,clone,create_from_snapshot' },
        nosnap: { volume_driver: 'fake', fake_disabled_capabilities: 'snapshot' },
      },
    });
    for (const name of ['lacking', 'nosnap']) {
      const t = await inject('POST', '/types', { volume_type: { name, extra_specs: { volume_backend_name: name } } });
      assert.equal(t.statusCode, 200, t.body);
    }
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('backendStats').select('backendHost').execute()).length === 2 ? true : undefined));
  });
  after(async () => svc?.cleanup());

  test('stats advertise none of the disabled capabilities', async () => {
    const rows = await svc.db.kysely.selectFrom('backendStats').select(['backendName', 'stats']).execute();
    const ops = Object.fromEntries(rows.map((r) => [r.backendName, JSON.parse(r.stats).operations as string[]]));
    for (const op of ['extend', 'revert_to_snapshot', 'manage', 'manage_snapshot', 'image_transfer', 'clone', 'create_from_snapshot']) {
      assert.equal(ops.lacking!.includes(op), false, op);
      assert.equal(ops.nosnap!.includes(op), true, op);
    }
    assert.equal(ops.lacking!.includes('snapshot'), true);
    assert.equal(ops.nosnap!.includes('snapshot'), false);
  });

  test('extend, revert, clone, create from snapshot, upload, unmanage and manage (volumes and snapshots): 400 naming backend lacking', async () => {
    const id = await volume({ size: 1, volume_type: 'lacking' });
    const s = await inject('POST', '/snapshots', { snapshot: { volume_id: id } });
    assert.equal(s.statusCode, 202, s.body);
    const snapId = s.json().snapshot.id as string;
    assert.equal(await status('snapshots', snapId, ['available', 'error']), 'available');
    const act = (body: unknown) => () => inject('POST', `/volumes/${id}/action`, body);

    await refused(/^Operation extend volume/, 'lacking', act({ 'os-extend': { new_size: 2 } }));
    await refused(/^Operation revert to snapshot/, 'lacking', act({ revert: { snapshot_id: snapId } }));
    await refused(/^Operation upload volume to image/, 'lacking', act({ 'os-volume_upload_image': { image_name: 'never.raw' } }));
    await refused(/^Operation unmanage volume/, 'lacking', act({ 'os-unmanage': {} }));
    await refused(/^Operation clone volume/, 'lacking', () => inject('POST', '/volumes', { volume: { source_volid: id } }));
    await refused(/^Operation create volume from snapshot/, 'lacking', () => inject('POST', '/volumes', { volume: { snapshot_id: snapId } }));
    const host = (await svc.db.kysely.selectFrom('volumes').select('host').where('id', '=', id).executeTakeFirstOrThrow()).host!;
    await refused(/^Operation manage existing volume/, 'lacking',
      () => inject('POST', '/os-volume-manage', { volume: { host, ref: { 'source-name': 'anything' } } }));
    await refused(/^Operation unmanage snapshot/, 'lacking', () => inject('POST', `/snapshots/${snapId}/action`, { 'os-unmanage': {} }));
    await refused(/^Operation manage existing snapshot/, 'lacking',
      () => inject('POST', '/os-snapshot-manage', { snapshot: { volume_id: id, ref: { 'source-name': 'anything' } } }));
    assert.equal(await status('snapshots', snapId, ['available']), 'available', 'the refused unmanage left the snapshot as it was');
  });

  test('snapshot create: 400 naming backend nosnap', async () => {
    const id = await volume({ size: 1, volume_type: 'nosnap' });
    await refused(/^Operation create snapshot/, 'nosnap', () => inject('POST', '/snapshots', { snapshot: { volume_id: id } }));
  });

  test('an unknown capability name stops start-up, listing the known ones', async () => {
    await assert.rejects(
      startTestService({ backends: { odd: { volume_driver: 'fake', fake_disabled_capabilities: 'teleport' } } }),
      /fake_disabled_capabilities.*\[odd\].*'teleport'.*known: snapshot, /,
    );
  });
});

describe('netapp_ontap has no image_transfer', () => {
  let sim: OntapSimulator;
  let svc: TestService;
  let dir = '';
  const { volume, inject, refused } = helpers(() => svc);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'unsupported-'));
    sim = await OntapSimulator.start({ mode: 'cmode' });
    svc = await startTestService({ dir, defaults: { image_dir: join(dir, 'images') }, backends: { ontap: simOptions(sim, 'cmode-zapi') } });
  });
  after(async () => {
    await svc?.cleanup();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('os-volume_upload_image is a 400 naming backend ontap; the volume stays available', async () => {
    const id = await volume({ size: 1 });
    await refused(/^Operation upload volume to image/, 'ontap', () => inject('POST', `/volumes/${id}/action`, { 'os-volume_upload_image': { image_name: 'out.raw' } }));
  });
});
