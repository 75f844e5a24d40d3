// Private volume types stay private on every path that names a type: a member of another
// project resolves them by neither name nor id, whichever route does the lookup.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, type Harness } from './harness.js';
import { startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';

const TOKENS: FakeTokens = {
  'admin-pa': { project: 'pa', roles: ['admin', 'member'] },
  'member-pb': { project: 'pb', roles: ['member', 'reader'] },
};

describe('private volume type access', () => {
  let keystone: FakeKeystone;
  let h: Harness;
  before(async () => {
    // A Keystone that validates the two tokens above for the fixed service token.
    keystone = await startFakeKeystone(TOKENS);
    const url = keystone.url;
    h = await makeHarness({ auth: { strategy: 'keystone', keystoneUrl: url, serviceToken: 'svc' } });
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });
  const call = (token: string, method: string, url: string, payload?: object) =>
    h.app.inject({ method: method as 'GET', url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });

  test('a project that lost access to a private type cannot resolve it by name to filter its volumes', async () => {
    const made = await call('admin-pa', 'POST', '/v3/pa/types', { volume_type: { name: 'secret-a', 'os-volume-type-access:is_public': false } });
    assert.equal(made.statusCode, 200, made.body);
    const type = made.json().volume_type;
    assert.equal((await call('admin-pa', 'POST', `/v3/pa/types/${type.id}/action`, { addProjectAccess: { project: 'pb' } })).statusCode, 202);
    const v = await call('member-pb', 'POST', '/v3/pb/volumes', { volume: { size: 1, volume_type: 'secret-a' } });
    assert.equal(v.statusCode, 202, v.body);
    assert.equal(await h.waitVolume(v.json().volume.id, ['available', 'error']), 'available');
    const byName = async () => (await call('member-pb', 'GET', '/v3/pb/volumes?volume_type=secret-a')).json().volumes.length;
    assert.equal(await byName(), 1, 'with access the name resolves');

    assert.equal((await call('admin-pa', 'POST', `/v3/pa/types/${type.id}/action`, { removeProjectAccess: { project: 'pb' } })).statusCode, 202);
    assert.equal((await call('member-pb', 'GET', `/v3/pb/types/${type.id}`)).statusCode, 404, 'the type is hidden');
    assert.equal((await call('member-pb', 'GET', '/v3/pb/types/secret-a')).statusCode, 404, 'by name too');
    assert.equal(await byName(), 0, 'the list filter does not resolve the hidden name either');
    const create = await call('member-pb', 'POST', '/v3/pb/volumes', { volume: { size: 1, volume_type: type.id } });
    assert.equal(create.statusCode, 404, create.body);
    assert.equal((await call('admin-pa', 'GET', '/v3/pa/volumes?all_tenants=1&volume_type=secret-a')).json().volumes.length, 1, 'an admin resolves every type');
  });
});
