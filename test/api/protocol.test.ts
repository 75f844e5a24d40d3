// Version discovery, microversion negotiation and the error handler's shapes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { buildApiApp } from '../../src/api/app.js';
import { BackendError } from '../../src/errors/errors.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';

describe('versions, microversions and errors', () => {
  let h: Harness;
  before(async () => { h = await makeHarness(); });
  after(async () => { await h.close(); });

  test('GET / lists v3 with min and max versions; GET /v3/ describes it; both as Tempest\'s schemas want', async () => {
    const root = await h.app.inject({ method: 'GET', url: '/' });
    assertMatchesTempestSchema('versions.list_versions', null, { status: root.statusCode, body: root.body });
    const v = root.json().versions[0];
    assert.equal(v.id, 'v3.0');
    assert.equal(v.min_version, '3.0');
    assert.equal(v.version, '3.70');
    assert.deepEqual(v.links.map((l: { rel: string }) => l.rel), ['describedby', 'self']);
    for (const url of ['/v3/', '/v3']) {
      const v3 = await h.app.inject({ method: 'GET', url });
      assertMatchesTempestSchema('versions.volume_api_version_details', null, { status: v3.statusCode, body: v3.body });
      assert.equal(v3.json().versions[0].status, 'CURRENT');
      assert.equal(v3.json().versions[0].version, '3.70');
    }
  });

  test('an empty resource id (GET /volumes/) is a 404 fault, as Cinder answers', async () => {
    const calls: [string, string, object?][] = [
      ['GET', '/v3/p1/volumes/'], ['PUT', '/v3/p1/volumes/', { volume: { name: 'x' } }], ['DELETE', '/v3/p1/volumes/'],
      ['GET', '/v3/p1/snapshots/'], ['DELETE', '/v3/p1/snapshots/'], ['GET', '/v3/p1/types/'], ['GET', '/v3/p1/qos-specs/'],
      ['GET', '/v3/p1/volumes//metadata'], ['PUT', '/v3/p1/volumes/', { volume: {} }], ['PUT', '/v3/p1/snapshots/', { snapshot: {} }],
    ];
    for (const [method, url, payload] of calls) {
      const r = await h.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.ok(r.json().itemNotFound, `${method} ${url}`);
    }
  });

  test('negotiation: default 3.0, explicit, latest, legacy header, echo and Vary', async () => {
    const url = '/v3/p1/volumes';
    assert.equal((await h.app.inject({ method: 'GET', url })).headers['openstack-api-version'], 'volume 3.0');
    assert.equal((await h.app.inject({ method: 'GET', url, headers: MV('3.50') })).headers['openstack-api-version'], 'volume 3.50');
    const latest = await h.app.inject({ method: 'GET', url, headers: MV('latest') });
    assert.equal(latest.headers['openstack-api-version'], 'volume 3.70');
    assert.match(String(latest.headers.vary), /OpenStack-API-Version/);
    const legacy = await h.app.inject({ method: 'GET', url, headers: { 'openstack-volume-microversion': '3.27' } });
    assert.equal(legacy.headers['openstack-api-version'], 'volume 3.27');
    const other = await h.app.inject({ method: 'GET', url, headers: { 'openstack-api-version': 'compute 2.90, volume 3.5' } });
    assert.equal(other.headers['openstack-api-version'], 'volume 3.5');
  });

  test('3.67: URLs without a project id act on the caller\'s project', async () => {
    const headers = { ...MV('3.67'), 'x-auth-token': 'alice:proj67' };
    const c = await h.app.inject({ method: 'POST', url: '/v3/volumes', headers, payload: { volume: { size: 1, name: 'no-project-url' } } });
    assert.equal(c.statusCode, 202, c.body);
    assert.equal(c.json().volume.user_id, 'alice');
    const list = await h.app.inject({ method: 'GET', url: '/v3/volumes/detail?name=no-project-url', headers });
    assert.equal(list.json().volumes.length, 1);
    assert.equal(list.json().volumes[0]['os-vol-tenant-attr:tenant_id'], 'proj67');
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/proj67/volumes?name=no-project-url' })).json().volumes.length, 1);
    // Before 3.67 the first segment is the project: here a project called "volumes" with no such route.
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/volumes/detail', headers: { 'x-auth-token': 'alice:proj67' } })).statusCode, 404);
    const anonymous = await h.app.inject({ method: 'GET', url: '/v3/volumes', headers: MV('3.67') });
    assert.equal(anonymous.statusCode, 400);
    assert.match(anonymous.json().badRequest.message, /no project id/);
  });

  test('out-of-range and malformed versions are 406 naming the range', async () => {
    for (const v of ['3.71', '4.0', '2.9', 'three']) {
      const r = await h.app.inject({ method: 'GET', url: '/v3/p1/volumes', headers: MV(v) });
      assert.equal(r.statusCode, 406, v);
      assert.match(r.json().computeFault.message, /3\.0.*3\.70/);
    }
  });

  test('unknown routes are itemNotFound; bad JSON and wrong media types are 4xx', async () => {
    const nf = await h.app.inject({ method: 'GET', url: '/v3/p1/nothing-here' });
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json().itemNotFound.code, 404);
    const bad = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: '{"volume": ', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().badRequest.message, /Malformed request body/);
    const proto = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: '{"volume": {"size": 1, "metadata": {"__proto__": {"x": "1"}}}}', headers: { 'content-type': 'application/json' } });
    assert.equal(proto.statusCode, 400);
    assert.match(proto.json().badRequest.message, /__proto__/);
    const media = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: 'size=1', headers: { 'content-type': 'text/plain' } });
    assert.equal(media.statusCode, 415);
    assert.ok(media.json().badMediaType);
    const big = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: JSON.stringify({ volume: { size: 1, description: 'x'.repeat(2_000_000) } }), headers: { 'content-type': 'application/json' } });
    assert.equal(big.statusCode, 413);
  });

  test('an unsafe error is a 500 with the generic text and the request id, never its message', async () => {
    const app = buildApiApp({
      db: h.db, quotas: h.quotas, auth: { strategy: 'noauth' }, defaultAvailabilityZone: 'nova',
      volumes: { ...h.volumes, createVolume: async () => { throw new BackendError('password=hunter2 leaked', { safe: false }); } } as never,
    });
    const r = await app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: { volume: { size: 1 } } });
    assert.equal(r.statusCode, 500);
    const msg = r.json().computeFault.message as string;
    assert.doesNotMatch(msg, /hunter2/);
    assert.match(msg, /The server has either erred/);
    assert.ok(msg.includes(String(r.headers['x-openstack-request-id'])));
    await app.close();
  });
});
