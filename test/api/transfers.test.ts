// Volume transfers through the real services and real token validation: project A offers a
// volume (with a snapshot), project B accepts it with the auth key; ownership, statuses and
// quota usage of both projects move in one step. Another project sees nothing (404), a wrong
// key changes nothing, withdrawing the offer makes the volume available again.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';

const TOKENS: FakeTokens = {
  admin: { project: 'padmin', roles: ['admin', 'member'] },
  a: { project: 'pa', roles: ['member'] },
  b: { project: 'pb', roles: ['member'] },
  c: { project: 'pc', roles: ['member'] },
};

for (const kind of DB_KINDS) describe(`volume transfers (${kind})`, () => {
  let keystone: FakeKeystone;
  let h: Harness;
  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: 'svc' } });
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });

  const call = (token: keyof typeof TOKENS, method: string, path: string, payload?: object, version = '3.0') => h.app.inject({
    method: method as 'GET', url: `/v3/${TOKENS[token]!.project}${path}`, headers: { 'x-auth-token': token, ...MV(version) }, ...(payload ? { payload } : {}),
  });
  const usage = async (project: string) => {
    const r = await call('admin', 'GET', `/os-quota-sets/${project}?usage=True`);
    assert.equal(r.statusCode, 200, r.body);
    const qs = r.json().quota_set;
    const used = (k: string) => (qs[k]?.in_use ?? 0) as number;
    return { volumes: used('volumes'), gigabytes: used('gigabytes'), snapshots: used('snapshots'), typeVolumes: used(`volumes_${typeName}`), typeGigabytes: used(`gigabytes_${typeName}`) };
  };
  let typeName = '';
  const volumeIn = async (token: 'a' | 'b', size: number) => {
    const r = await call(token, 'POST', '/volumes', { volume: { size } });
    assert.equal(r.statusCode, 202, r.body);
    const v = r.json().volume;
    assert.equal(await h.waitVolume(v.id, ['available', 'error']), 'available');
    typeName = v.volume_type;
    return v.id as string;
  };
  const snapshotOf = async (token: 'a' | 'b', volumeId: string) => {
    const r = await call(token, 'POST', '/snapshots', { snapshot: { volume_id: volumeId } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().snapshot.id as string;
    assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'available');
    return id;
  };

  test('a transfer accepted by another project moves the volume, its snapshot and the quota usage of both projects', async () => {
    const vol = await volumeIn('a', 3);
    const snap = await snapshotOf('a', vol);
    const beforeA = await usage('pa');
    const beforeB = await usage('pb');

    const made = await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol, name: 'gift' } });
    assertMatchesTempestSchema('transfers.create_volume_transfer', null, { status: made.statusCode, body: made.body });
    const t = made.json().transfer;
    assert.deepEqual(Object.keys(t).sort(), ['auth_key', 'created_at', 'id', 'links', 'name', 'volume_id']);
    assert.match(t.auth_key, /^[0-9a-f]{16}$/);
    assert.equal(t.name, 'gift');
    assert.equal((await h.row(vol))!.status, 'awaiting-transfer');
    const stored = await h.db.kysely.selectFrom('transfers').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(t.auth_key), 'the auth key itself is not stored');

    // The donor sees it; another project does not, by id or in its list.
    const shown = await call('a', 'GET', `/os-volume-transfer/${t.id}`);
    assertMatchesTempestSchema('transfers.show_volume_transfer', null, { status: shown.statusCode, body: shown.body });
    assert.equal(shown.json().transfer.volume_id, vol);
    const detail = await call('a', 'GET', '/os-volume-transfer/detail');
    assertMatchesTempestSchema('transfers.list_volume_transfers_with_detail', null, { status: detail.statusCode, body: detail.body });
    const listed = await call('a', 'GET', '/os-volume-transfer');
    assertMatchesTempestSchema('transfers.list_volume_transfers_no_detail', null, { status: listed.statusCode, body: listed.body });
    assert.equal((await call('b', 'GET', `/os-volume-transfer/${t.id}`)).statusCode, 404);
    assert.deepEqual((await call('b', 'GET', '/os-volume-transfer')).json().transfers, []);
    assert.equal((await call('b', 'DELETE', `/os-volume-transfer/${t.id}`)).statusCode, 404);
    const summary = (await call('a', 'GET', '/os-volume-transfer')).json().transfers;
    assert.deepEqual(summary.map((x: { id: string }) => x.id), [t.id]);
    assert.deepEqual(Object.keys(summary[0]).sort(), ['id', 'links', 'name', 'volume_id']);
    assert.equal((await call('admin', 'GET', '/os-volume-transfer/detail?all_tenants=1')).json().transfers.some((x: { id: string }) => x.id === t.id), true);

    // A wrong key is refused and changes nothing.
    const wrong = await call('b', 'POST', `/os-volume-transfer/${t.id}/accept`, { accept: { auth_key: '0000000000000000' } });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.match(wrong.json().badRequest.message, /auth key/);
    assert.equal((await h.row(vol))!.projectId, 'pa');

    const accepted = await call('b', 'POST', `/os-volume-transfer/${t.id}/accept`, { accept: { auth_key: t.auth_key } });
    assertMatchesTempestSchema('transfers.accept_volume_transfer', null, { status: accepted.statusCode, body: accepted.body });
    assert.deepEqual(Object.keys(accepted.json().transfer).sort(), ['id', 'links', 'name', 'volume_id']);
    const row = (await h.row(vol))!;
    assert.deepEqual([row.status, row.projectId, row.userId], ['available', 'pb', 'u-pb']);
    const snapRow = await h.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', snap).executeTakeFirstOrThrow();
    assert.equal(snapRow.projectId, 'pb');
    assert.equal((await call('b', 'GET', `/volumes/${vol}`)).statusCode, 200);
    assert.equal((await call('a', 'GET', `/volumes/${vol}`)).statusCode, 404, 'the donor no longer sees it');
    assert.equal((await call('b', 'GET', `/snapshots/${snap}`)).statusCode, 200);

    const afterA = await usage('pa');
    const afterB = await usage('pb');
    assert.deepEqual(afterA, { volumes: beforeA.volumes - 1, gigabytes: beforeA.gigabytes - 3, snapshots: beforeA.snapshots - 1, typeVolumes: beforeA.typeVolumes - 1, typeGigabytes: beforeA.typeGigabytes - 3 });
    assert.deepEqual(afterB, { volumes: beforeB.volumes + 1, gigabytes: beforeB.gigabytes + 3, snapshots: beforeB.snapshots + 1, typeVolumes: beforeB.typeVolumes + 1, typeGigabytes: beforeB.typeGigabytes + 3 });

    // Accepted: gone from every list, and a second accept finds nothing.
    assert.equal((await call('a', 'GET', `/os-volume-transfer/${t.id}`)).statusCode, 404);
    assert.equal((await call('c', 'POST', `/os-volume-transfer/${t.id}/accept`, { accept: { auth_key: t.auth_key } })).statusCode, 404);
  });

  test('3.55 no_snapshots leaves the snapshots with the donor; 3.57 shows the projects and accepted', async () => {
    const vol = await volumeIn('a', 1);
    const snap = await snapshotOf('a', vol);
    assert.equal((await call('a', 'POST', '/volume-transfers', { transfer: { volume_id: vol } }, '3.54')).statusCode, 404, 'the route starts at 3.55');
    const made = await call('a', 'POST', '/volume-transfers', { transfer: { volume_id: vol, no_snapshots: true } }, '3.57');
    assertMatchesTempestSchema('transfers.create_volume_transfer', '3.57', { status: made.statusCode, body: made.body });
    const t = made.json().transfer;
    assert.equal(t.no_snapshots, true);
    assert.deepEqual([t.source_project_id, t.destination_project_id, t.accepted], ['pa', null, false]);
    const shown55 = await call('a', 'GET', `/volume-transfers/${t.id}`, undefined, '3.55');
    assertMatchesTempestSchema('transfers.show_volume_transfer', '3.55', { status: shown55.statusCode, body: shown55.body });
    const at55 = shown55.json().transfer;
    const detail57 = await call('a', 'GET', '/volume-transfers/detail', undefined, '3.57');
    assertMatchesTempestSchema('transfers.list_volume_transfers_with_detail', '3.57', { status: detail57.statusCode, body: detail57.body });
    assert.equal(at55.no_snapshots, true);
    assert.equal('accepted' in at55, false, '3.57 fields only from 3.57');
    const beforeA = await usage('pa');
    const accepted = await call('b', 'POST', `/volume-transfers/${t.id}/accept`, { accept: { auth_key: t.auth_key } }, '3.57');
    assertMatchesTempestSchema('transfers.accept_volume_transfer', '3.57', { status: accepted.statusCode, body: accepted.body });
    assert.equal((await h.row(vol))!.projectId, 'pb');
    const snapRow = await h.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', snap).executeTakeFirstOrThrow();
    assert.equal(snapRow.projectId, 'pa', 'the snapshot stays with the donor');
    assert.equal((await usage('pa')).snapshots, beforeA.snapshots);
  });

  test('only an available volume with available snapshots can be offered; deleting the offer makes it available', async () => {
    const vol = await volumeIn('a', 1);
    assert.equal((await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: 'not-a-uuid' } })).statusCode, 400);
    assert.equal((await call('b', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } })).statusCode, 404, 'another project cannot offer it');
    const t = (await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } })).json().transfer;
    const again = await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } });
    assert.equal(again.statusCode, 400, 'awaiting-transfer is not available');
    assert.match(again.json().badRequest.message, /awaiting-transfer/);
    const del = await call('a', 'DELETE', `/volumes/${vol}`);
    assert.ok(del.statusCode >= 400 && del.statusCode < 500, 'a volume awaiting transfer is not deleted');
    const deleted = await call('a', 'DELETE', `/os-volume-transfer/${t.id}`);
    assertMatchesTempestSchema('transfers.delete_volume_transfer', null, { status: deleted.statusCode, body: deleted.body });
    assert.equal((await h.row(vol))!.status, 'available');
    assert.equal((await call('a', 'GET', `/os-volume-transfer/${t.id}`)).statusCode, 404);

    await h.db.kysely.insertInto('snapshots').values({
      id: '00000000-0000-4000-8000-00000000abcd', projectId: 'pa', userId: 'u', volumeId: vol, displayName: null, displayDescription: null,
      status: 'creating', progress: '0%', volumeSize: 1, providerLocation: null, providerId: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
    }).execute();
    const busy = await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } });
    assert.equal(busy.statusCode, 400, busy.body);
    assert.match(busy.json().badRequest.message, /snapshot/);
    assert.equal((await h.row(vol))!.status, 'available', 'a refused offer changes nothing');
    const noSnaps = await call('a', 'POST', '/volume-transfers', { transfer: { volume_id: vol, no_snapshots: true } }, '3.55');
    assert.equal(noSnaps.statusCode, 202, 'without its snapshots it can go');
    await h.db.kysely.deleteFrom('snapshots').where('id', '=', '00000000-0000-4000-8000-00000000abcd').execute();
  });

  test('two projects accepting one transfer at once: one gets the volume, the quota counts it once', async () => {
    const vol = await volumeIn('a', 2);
    const t = (await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } })).json().transfer;
    const before = { a: await usage('pa'), b: await usage('pb'), c: await usage('pc') };
    const [rb, rc] = await Promise.all(['b', 'c'].map((who) => call(who as 'b', 'POST', `/os-volume-transfer/${t.id}/accept`, { accept: { auth_key: t.auth_key } })));
    const codes = [rb!.statusCode, rc!.statusCode].sort();
    assert.equal(codes[0], 202, `${rb!.body} ${rc!.body}`);
    assert.ok(codes[1] === 400 || codes[1] === 404, `the loser is refused: ${rb!.body} ${rc!.body}`);
    const winner = rb!.statusCode === 202 ? 'pb' : 'pc';
    const loser = winner === 'pb' ? 'pc' : 'pb';
    assert.equal((await h.row(vol))!.projectId, winner);
    assert.equal((await usage('pa')).gigabytes, before.a.gigabytes - 2);
    assert.equal((await usage(winner)).gigabytes, before[winner === 'pb' ? 'b' : 'c'].gigabytes + 2);
    assert.equal((await usage(loser)).gigabytes, before[loser === 'pb' ? 'b' : 'c'].gigabytes);
  });

  test('over the recipient quota the accept is a 413 and nothing moves', async () => {
    const vol = await volumeIn('a', 5);
    const t = (await call('a', 'POST', '/os-volume-transfer', { transfer: { volume_id: vol } })).json().transfer;
    assert.equal((await call('admin', 'PUT', '/os-quota-sets/pc', { quota_set: { gigabytes: 4 } })).statusCode, 200);
    const beforeA = await usage('pa');
    const beforeC = await usage('pc');
    const r = await call('c', 'POST', `/os-volume-transfer/${t.id}/accept`, { accept: { auth_key: t.auth_key } });
    assert.equal(r.statusCode, 413, r.body);
    assert.match(r.body, /gigabytes/);
    const row = (await h.row(vol))!;
    assert.deepEqual([row.status, row.projectId], ['awaiting-transfer', 'pa']);
    assert.deepEqual(await usage('pa'), beforeA);
    assert.deepEqual(await usage('pc'), beforeC);
    const reserved = (await call('admin', 'GET', '/os-quota-sets/pc?usage=True')).json().quota_set.gigabytes.reserved;
    assert.equal(reserved, 0, 'no reservation is left behind');
  });
});
