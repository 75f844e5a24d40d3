import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_STORAGE_API, buildApiApp, type ApiMount } from './app.js';
import { BLOCK_STORAGE_V3, fmt, negotiate, type MicroversionSpec } from './microversion.js';

// A second API beside /v3, as the Shared File Systems API will mount: its own range and headers.
const SHARE_SPEC: MicroversionSpec = { service: 'shared-file-system', min: '2.0', max: '2.51', legacyHeader: 'X-OpenStack-Manila-API-Version' };
const SHARE_PROBE: ApiMount = {
  prefix: '/v2',
  versions: SHARE_SPEC,
  register(app) {
    app.get('/v2/:projectId/probe', async (req) => ({ version: fmt(req.apiVersion) }));
  },
};

test('negotiation reads the header of the API it serves, with that API\'s range', () => {
  const h = (o: Record<string, string>) => o;
  assert.equal(fmt(negotiate(h({ 'openstack-api-version': 'volume 3.44' }))), '3.44');
  assert.equal(fmt(negotiate(h({ 'openstack-api-version': 'shared-file-system 2.40, volume 3.27' }), SHARE_SPEC)), '2.40');
  assert.equal(fmt(negotiate(h({ 'openstack-api-version': 'volume 3.27' }), SHARE_SPEC)), '2.0');
  assert.equal(fmt(negotiate(h({ 'x-openstack-manila-api-version': '2.7' }), SHARE_SPEC)), '2.7');
  assert.equal(fmt(negotiate(h({ 'openstack-volume-microversion': '3.9' }), SHARE_SPEC)), '2.0');
  assert.equal(fmt(negotiate(h({ 'x-openstack-manila-api-version': 'latest' }), SHARE_SPEC)), '2.51');
  assert.throws(() => negotiate(h({ 'x-openstack-manila-api-version': '3.0' }), SHARE_SPEC), /Minimum is 2\.0 and maximum is 2\.51/);
  assert.throws(() => negotiate(h({ 'openstack-api-version': 'volume 2.5' }), BLOCK_STORAGE_V3), /Minimum is 3\.0 and maximum is 3\.70/);
});

test('a /v2 API mounts beside /v3, each answering with its own version headers', async () => {
  const app = buildApiApp({ db: null, quotas: null, volumes: null, auth: { strategy: 'noauth' }, defaultAvailabilityZone: 'nova' } as never, [BLOCK_STORAGE_API, SHARE_PROBE]);
  try {
    const share = await app.inject({ method: 'GET', url: '/v2/p1/probe', headers: { 'openstack-api-version': 'shared-file-system 2.33' } });
    assert.equal(share.statusCode, 200, share.body);
    assert.deepEqual(share.json(), { version: '2.33' });
    assert.equal(share.headers['openstack-api-version'], 'shared-file-system 2.33');
    assert.equal(share.headers['x-openstack-manila-api-version'], '2.33');
    assert.equal(share.headers['openstack-volume-microversion'], undefined);
    assert.match(String(share.headers.vary), /X-OpenStack-Manila-API-Version/);
    const legacy = await app.inject({ method: 'GET', url: '/v2/p1/probe', headers: { 'x-openstack-manila-api-version': '2.5' } });
    assert.deepEqual(legacy.json(), { version: '2.5' });
    const tooNew = await app.inject({ method: 'GET', url: '/v2/p1/probe', headers: { 'x-openstack-manila-api-version': '2.99' } });
    assert.equal(tooNew.statusCode, 406);
    // The block API beside it still negotiates its own header and range.
    const block = await app.inject({ method: 'GET', url: '/v3/p1/no-such-route-but-versioned', headers: { 'openstack-api-version': 'volume 3.50' } });
    assert.equal(block.statusCode, 404);
    const types = await app.inject({ method: 'GET', url: '/v3/p1/types/x', headers: { 'openstack-api-version': 'volume 3.99' } });
    assert.equal(types.statusCode, 406);
    assert.match(types.json().computeFault?.message ?? JSON.stringify(types.json()), /maximum is 3\.70/);
  } finally {
    await app.close();
  }
});
