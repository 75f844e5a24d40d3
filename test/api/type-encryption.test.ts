// Volume type encryption specs through the real services: create, index, show one key,
// update, delete, each answer checked against Tempest's schema; writes refused while a volume
// uses the type; an unknown type or missing specs is a 404.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, type Harness } from './harness.js';
import { DB_KINDS } from '../support/test-service.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';

for (const kind of DB_KINDS) describe(`volume type encryption (${kind})`, () => {
  let h: Harness;
  before(async () => { h = await makeHarness({ db: kind }); });
  after(async () => { await h.close(); });
  const call = (method: string, path: string, payload?: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: method as 'GET', url: `/v3/p1${path}`, headers, ...(payload ? { payload } : {}) });

  test('create, show, update and delete the specs of an unused type', async () => {
    const type = (await call('POST', '/types', { volume_type: { name: `enc-${kind}` } })).json().volume_type;
    const empty = await call('GET', `/types/${type.id}/encryption`);
    assertMatchesTempestSchema('encryption_types.show_encryption_type', null, { status: empty.statusCode, body: empty.body });
    assert.deepEqual(empty.json(), {});
    assert.equal((await call('GET', `/types/${type.id}/encryption/provider`)).statusCode, 404);

    const made = await call('POST', `/types/${type.id}/encryption`, { encryption: { provider: 'luks', control_location: 'front-end', cipher: 'aes-xts-plain64', key_size: 256 } });
    assertMatchesTempestSchema('encryption_types.create_encryption_type', null, { status: made.statusCode, body: made.body });
    assert.equal(made.json().encryption.volume_type_id, type.id);
    const again = await call('POST', `/types/${type.id}/encryption`, { encryption: { provider: 'luks' } });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /already exists/);

    const index = await call('GET', `/types/${type.id}/encryption`);
    assertMatchesTempestSchema('encryption_types.show_encryption_type', null, { status: index.statusCode, body: index.body });
    assert.equal(index.json().key_size, 256);
    const one = await call('GET', `/types/${type.id}/encryption/provider`);
    assertMatchesTempestSchema('encryption_types.show_encryption_specs_item', null, { status: one.statusCode, body: one.body });
    assert.deepEqual(one.json(), { provider: 'luks' });

    const upd = await call('PUT', `/types/${type.id}/encryption/${made.json().encryption.encryption_id}`, { encryption: { control_location: 'back-end', key_size: null } });
    assertMatchesTempestSchema('encryption_types.update_encryption_type', null, { status: upd.statusCode, body: upd.body });
    const after = (await call('GET', `/types/${type.id}/encryption`)).json();
    assert.deepEqual([after.control_location, after.key_size, after.provider], ['back-end', null, 'luks']);
    assert.equal((await call('PUT', `/types/${type.id}/encryption/x`, { encryption: { control_location: 'sideways' } })).statusCode, 400);

    const del = await call('DELETE', `/types/${type.id}/encryption/provider`);
    assertMatchesTempestSchema('encryption_types.delete_encryption_type', null, { status: del.statusCode, body: del.body });
    assert.deepEqual((await call('GET', `/types/${type.id}/encryption`)).json(), {});
    assert.equal((await call('DELETE', `/types/${type.id}/encryption/provider`)).statusCode, 404);
    assert.equal((await call('GET', '/types/00000000-0000-4000-8000-000000000000/encryption')).statusCode, 404);
  });

  test('specs cannot be created, changed or deleted while a volume uses the type', async () => {
    const type = (await call('POST', '/types', { volume_type: { name: `enc-used-${kind}` } })).json().volume_type;
    assert.equal((await call('POST', `/types/${type.id}/encryption`, { encryption: { provider: 'luks' } })).statusCode, 200);
    // Flint has no key manager: a volume of an encrypted type is refused, never made unencrypted.
    const refused = await call('POST', '/volumes', { volume: { size: 1, volume_type: type.id } });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.body, /encryption/);
    // A volume of the type (from before its specs, say) makes the specs unchangeable.
    const plainFirst = (await call('POST', '/types', { volume_type: { name: `enc-later-${kind}` } })).json().volume_type;
    const v = await call('POST', '/volumes', { volume: { size: 1, volume_type: plainFirst.id } });
    assert.equal(v.statusCode, 202, v.body);
    await h.waitVolume(v.json().volume.id, ['available', 'error']);
    await h.db.kysely.updateTable('volumes').set({ volumeTypeId: type.id }).where('id', '=', v.json().volume.id).execute();
    for (const [method, payload] of [['PUT', { encryption: { key_size: 128 } }], ['DELETE', undefined]] as const) {
      const r = await call(method, `/types/${type.id}/encryption/provider`, payload);
      assert.equal(r.statusCode, 400, `${method}: ${r.body}`);
      assert.match(r.body, /in use/);
    }
    assert.equal((await call('GET', `/types/${type.id}/encryption`)).json().key_size, null, 'nothing changed');
    const plain = (await call('POST', '/types', { volume_type: { name: `plain-used-${kind}` } })).json().volume_type;
    const v2 = await call('POST', '/volumes', { volume: { size: 1, volume_type: plain.id } });
    await h.waitVolume(v2.json().volume.id, ['available', 'error']);
    const r = await call('POST', `/types/${plain.id}/encryption`, { encryption: { provider: 'luks' } });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /in use/);
  });
});
