// User messages through the real services: a volume no backend can take ends in error and
// leaves a message (as Tempest provokes one); list, filter, sort, page, show and delete it,
// each answer checked against Tempest's schema.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';
import { recordUserMessage } from '../../src/db/repos/messages.js';

for (const kind of DB_KINDS) describe(`user messages (${kind})`, () => {
  let h: Harness;
  before(async () => { h = await makeHarness({ db: kind }); });
  after(async () => { await h.close(); });
  const call = (method: string, path: string, version: string, payload?: object) =>
    h.app.inject({ method: method as 'GET', url: `/v3/pmsg${path}`, headers: MV(version), ...(payload ? { payload } : {}) });

  const failVolume = async (): Promise<string> => {
    const type = await call('POST', '/types', '3.0', { volume_type: { name: `bogus-${Math.random().toString(36).slice(2)}`, extra_specs: { storage_protocol: 'carrier-pigeon' } } });
    assert.equal(type.statusCode, 200, type.body);
    const v = await call('POST', '/volumes', '3.0', { volume: { size: 1, volume_type: type.json().volume_type.id } });
    assert.equal(v.statusCode, 202, v.body);
    assert.equal(await h.waitVolume(v.json().volume.id, ['available', 'error']), 'error');
    return v.json().volume.id;
  };

  test('a failed schedule leaves a message that can be listed, shown and deleted', async () => {
    const vol = await failVolume();
    const list = await call('GET', '/messages', '3.70');
    assertMatchesTempestSchema('messages.list_messages', '3.70', { status: list.statusCode, body: list.body });
    const m = list.json().messages.find((x: { resource_uuid: string }) => x.resource_uuid === vol);
    assert.ok(m, 'a message names the volume');
    assert.equal(m.resource_type, 'VOLUME');
    const shown = await call('GET', `/messages/${m.id}`, '3.3');
    assertMatchesTempestSchema('messages.show_message', '3.3', { status: shown.statusCode, body: shown.body });
    assert.match(shown.json().message.user_message, /storage_protocol|backend/i);
    const del = await call('DELETE', `/messages/${m.id}`, '3.3');
    assertMatchesTempestSchema('messages.delete_message', '3.3', { status: del.statusCode, body: del.body });
    assert.equal((await call('GET', `/messages/${m.id}`, '3.3')).statusCode, 404);
    assert.equal((await call('DELETE', `/messages/${m.id}`, '3.3')).statusCode, 404);
  });

  test('3.5 filters, sorts and pages; before 3.5 filters are refused by name', async () => {
    const a = await failVolume();
    const b = await failVolume();
    const byA = (await call('GET', `/messages?resource_uuid=${a}`, '3.5')).json().messages;
    assert.deepEqual(byA.map((x: { resource_uuid: string }) => x.resource_uuid), [a]);
    const asc = (await call('GET', '/messages?sort=created_at:asc', '3.5')).json().messages.map((x: { id: string }) => x.id);
    const desc = (await call('GET', '/messages?sort=created_at:desc', '3.5')).json().messages.map((x: { id: string }) => x.id);
    assert.ok(asc.length >= 2);
    assert.deepEqual([...asc].reverse(), desc);
    const first = (await call('GET', '/messages?limit=1&sort=created_at:asc', '3.5')).json().messages;
    assert.deepEqual(first.map((x: { id: string }) => x.id), [asc[0]]);
    const next = (await call('GET', `/messages?limit=1&sort=created_at:asc&marker=${asc[0]}`, '3.5')).json().messages;
    assert.deepEqual(next.map((x: { id: string }) => x.id), [asc[1]]);
    const old = await call('GET', `/messages?resource_uuid=${b}`, '3.4');
    assert.equal(old.statusCode, 400);
    assert.match(old.body, /resource_uuid/);
    const badSort = await call('GET', '/messages?sort=user_message', '3.5');
    assert.equal(badSort.statusCode, 400);
    assert.match(badSort.body, /user_message/);
    // Another project's list does not show them; its member cannot read one by id.
    const other = await h.app.inject({ method: 'GET', url: '/v3/pother/messages', headers: MV('3.5') });
    assert.equal(other.json().messages.some((x: { resource_uuid: string }) => x.resource_uuid === a), false);
  });

  test("the share service's messages are not the volume service's: Cinder neither lists, shows nor deletes them", async () => {
    const shareId = `share-${Math.random().toString(36).slice(2)}`;
    await recordUserMessage(h.db.kysely, { projectId: 'pmsg', resourceType: 'SHARE', resourceUuid: shareId, eventId: 'SHARE_CREATE_FAILED', userMessage: 'create: no valid host' });
    const stored = await h.db.kysely.selectFrom('messages').select('id').where('resourceUuid', '=', shareId).executeTakeFirstOrThrow();
    for (const version of ['3.3', '3.70']) {
      const list = await call('GET', '/messages', version);
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().messages.some((x: { id: string }) => x.id === stored.id), false, `listed at ${version}`);
    }
    assert.equal((await call('GET', `/messages?resource_uuid=${shareId}`, '3.5')).json().messages.length, 0);
    assert.equal((await call('GET', `/messages/${stored.id}`, '3.3')).statusCode, 404);
    assert.equal((await call('DELETE', `/messages/${stored.id}`, '3.3')).statusCode, 404);
    // Still there for Manila's API to show.
    assert.ok(await h.db.kysely.selectFrom('messages').select('id').where('id', '=', stored.id).executeTakeFirst());
  });
});
