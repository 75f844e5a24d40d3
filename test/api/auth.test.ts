// Keystone v3 token validation against a fake Keystone on loopback; noauth's token format.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeHarness, type Harness } from './harness.js';
import { setClock, systemClock } from '../../src/util/clock.js';
import fc from 'fast-check';
import { routeSpecs } from '../e2e/hostile-requests.js';

interface FakeToken { project: string | null; roles: string[]; expiresInMs: number }

describe('auth', () => {
  let keystone: Server;
  let url: string;
  let validations = 0;
  let serviceLogins = 0;
  /** The one service token Keystone accepts now; rotating it makes Flint log in again. */
  let currentServiceToken = '';
  const tokens = new Map<string, FakeToken>([
    ['member-p1', { project: 'p1', roles: ['member', 'reader'], expiresInMs: 3600_000 }],
    ['admin-ops', { project: 'ops', roles: ['admin'], expiresInMs: 3600_000 }],
    ['soon-expired', { project: 'p1', roles: ['member'], expiresInMs: 5_000 }],
    ['unscoped', { project: null, roles: ['member'], expiresInMs: 3600_000 }],
    ['reader-p1', { project: 'p1', roles: ['reader'], expiresInMs: 3600_000 }],
  ]);
  let h: Harness;

  before(async () => {
    keystone = createServer((req, res) => {
      if (req.method === 'POST' && req.url?.startsWith('/v3/auth/tokens')) {
        serviceLogins++;
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const ok = JSON.parse(body).auth.identity.password.user.password === 'svc-secret';
          if (ok) currentServiceToken = `svc-token-${serviceLogins}`;
          res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json', ...(ok ? { 'x-subject-token': currentServiceToken } : {}) });
          res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }));
        });
        return;
      }
      if (req.method === 'GET' && req.url?.startsWith('/v3/auth/tokens')) {
        validations++;
        if (req.headers['x-auth-token'] !== currentServiceToken) { res.writeHead(401).end(); return; }
        const t = tokens.get(String(req.headers['x-subject-token']));
        if (!t) { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error": {"code": 404}}'); return; }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: {
          user: { id: `user-of-${req.headers['x-subject-token']}`, name: 'u', domain: { id: 'default' } },
          ...(t.project ? { project: { id: t.project, name: t.project, domain: { id: 'default' } } } : {}),
          roles: t.roles.map((r) => ({ id: r, name: r })),
          expires_at: new Date(Date.now() + t.expiresInMs).toISOString(), issued_at: new Date().toISOString(),
        } }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => keystone.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(keystone.address() as AddressInfo).port}`;
    h = await makeHarness({ auth: { strategy: 'keystone', keystoneUrl: url, serviceCredentials: { username: 'cinder', password: 'svc-secret', projectName: 'service' } } });
  });
  after(async () => {
    await h.close();
    await new Promise((r) => keystone.close(r));
  });

  const get = (path: string, token?: string) => h.app.inject({ method: 'GET', url: path, headers: token ? { 'x-auth-token': token } : {} });

  test('no token: 401 with WWW-Authenticate naming Keystone', async () => {
    const r = await get('/v3/p1/volumes');
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], `Keystone uri="${url}"`);
    assert.ok(r.json().unauthorized);
  });

  test('an invalid token is 401, an unscoped member token 403; version documents need no token', async () => {
    assert.equal((await get('/v3/p1/volumes', 'forged')).statusCode, 401);
    assert.equal((await get('/v3/p1/volumes', 'unscoped')).statusCode, 403);
    assert.equal((await get('/')).statusCode, 300);
  });

  test('a member token works in its own project and is cached', async () => {
    const before = validations;
    assert.equal((await get('/v3/p1/volumes', 'member-p1')).statusCode, 200);
    assert.equal((await get('/v3/p1/volumes', 'member-p1')).statusCode, 200);
    assert.equal(validations - before, 1, 'second request served from the cache');
    assert.equal(serviceLogins, 1);
    const created = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', headers: { 'x-auth-token': 'member-p1' }, payload: { volume: { size: 1 } } });
    assert.equal(created.json().volume.user_id, 'user-of-member-p1');
    assert.ok(!('os-vol-host-attr:host' in created.json().volume), 'host attribute is for admins');
  });

  test('concurrent requests with one new token validate it once', async () => {
    tokens.set('fresh-p1', { project: 'p1', roles: ['member'], expiresInMs: 3600_000 });
    const before = validations;
    const rs = await Promise.all(Array.from({ length: 5 }, () => get('/v3/p1/volumes', 'fresh-p1')));
    assert.deepEqual(rs.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    assert.equal(validations - before, 1);
  });

  test('a revoked service token is replaced by logging in again', async () => {
    const logins = serviceLogins;
    currentServiceToken = 'revoked';
    assert.equal((await get('/v3/p2/volumes', 'admin-ops')).statusCode, 200);
    assert.equal(serviceLogins, logins + 1);
  });

  test('a token that expires within the margin is not cached', async () => {
    const before = validations;
    assert.equal((await get('/v3/p1/volumes', 'soon-expired')).statusCode, 401);
    assert.equal(validations - before, 1);
  });

  test('a member cannot reach another project nor admin routes; an admin can', async () => {
    const other = await get('/v3/p2/volumes', 'member-p1');
    assert.equal(other.statusCode, 403);
    assert.ok(other.json().forbidden);
    const adminOnly = await get('/v3/p1/os-services', 'member-p1');
    assert.equal(adminOnly.statusCode, 403);
    const reset = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes/x/action', headers: { 'x-auth-token': 'member-p1' }, payload: { 'os-reset_status': { status: 'available' } } });
    assert.equal(reset.statusCode, 403);
    assert.equal((await get('/v3/p2/volumes', 'admin-ops')).statusCode, 200);
    assert.equal((await get('/v3/p2/os-services', 'admin-ops')).statusCode, 200);
  });

  test('a reader-only token reads but gets 403 on every write', async () => {
    assert.equal((await get('/v3/p1/volumes', 'reader-p1')).statusCode, 200);
    const writes = [
      { method: 'POST', url: '/v3/p1/volumes', payload: { volume: { size: 1 } } },
      { method: 'PUT', url: '/v3/p1/volumes/x', payload: { volume: { name: 'n' } } },
      { method: 'DELETE', url: '/v3/p1/volumes/x' },
      { method: 'POST', url: '/v3/p1/volumes/x/action', payload: { 'os-extend': { new_size: 2 } } },
      { method: 'POST', url: '/v3/p1/snapshots', payload: { snapshot: { volume_id: 'x' } } },
      { method: 'PUT', url: '/v3/p1/volumes/x/metadata', payload: { metadata: {} } },
    ] as const;
    for (const w of writes) {
      const r = await h.app.inject({ ...w, headers: { 'x-auth-token': 'reader-p1' } });
      assert.equal(r.statusCode, 403, `${w.method} ${w.url}: ${r.body}`);
      assert.match(r.json().forbidden.message, /reader role may only read/);
    }
    assert.equal(Number((await h.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll().as('n')).where('userId', '=', 'user-of-reader-p1').executeTakeFirstOrThrow()).n), 0);
  });

  test('the reader gets 403 on every write route of the API, whatever the route would say next', async () => {
    const writes = routeSpecs({ project: 'p1', volume: 'v', snapshot: 's', type: 't', qos: 'q' }).filter((r) => r.method !== 'GET' && !r.public);
    assert.ok(writes.length > 40);
    for (const r of writes) {
      const url = r.path.replace('{p}', 'p1').replace(/\{(\w+)\}/g, (_, k: string) => r.params?.[k] ?? 'x');
      const res = await h.app.inject({ method: r.method, url, headers: { 'x-auth-token': 'reader-p1', 'content-type': 'application/json' }, ...(r.body !== undefined ? { payload: JSON.stringify(r.body) } : {}) });
      assert.equal(res.statusCode, 403, `${r.method} ${url}: ${res.body}`);
      assert.match(res.json().forbidden.message, /reader role may only read|admin role required/);
    }
  });

  test('500 distinct bogus tokens: each a 401 fault, each asked of Keystone once, none again while remembered', async () => {
    const bogus = fc.sample(fc.string({ minLength: 1, maxLength: 2000 }).filter((t) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(t) && !tokens.has(t)), { numRuns: 700, seed: 13 });
    const distinct = [...new Set(bogus)].slice(0, 500);
    assert.equal(distinct.length, 500);
    const before = validations;
    for (const round of [1, 2]) {
      for (const t of distinct) {
        const r = await get('/v3/p1/volumes', t);
        assert.equal(r.statusCode, 401, `round ${round}: ${r.body}`);
        assert.match(r.json().unauthorized.message, /token invalid or expired/);
      }
    }
    assert.equal(validations - before, 500);
  });

  test('members may not explain placement nor force a delete: 403', async () => {
    const explain = await h.app.inject({ method: 'POST', url: '/v3/p1/flint/schedule-explain', headers: { 'x-auth-token': 'member-p1' }, payload: { size: 1 } });
    assert.equal(explain.statusCode, 403, explain.body);
    assert.match(explain.json().forbidden.message, /admin role required/);
    const created = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', headers: { 'x-auth-token': 'member-p1' }, payload: { volume: { size: 1 } } });
    const id = created.json().volume.id;
    const del = await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${id}?force=true`, headers: { 'x-auth-token': 'member-p1' } });
    assert.equal(del.statusCode, 403, del.body);
    assert.match(del.json().forbidden.message, /force delete/);
  });

  test('a validated token is cached at most token_cache_time (300 s), so a revoked one stops working', async () => {
    let now = Date.now();
    setClock({ now: () => new Date(now) });
    try {
      tokens.set('revoke-me', { project: 'p1', roles: ['member'], expiresInMs: 8 * 3600_000 });
      assert.equal((await get('/v3/p1/volumes', 'revoke-me')).statusCode, 200);
      tokens.delete('revoke-me');
      now += 290_000;
      assert.equal((await get('/v3/p1/volumes', 'revoke-me')).statusCode, 200, 'still cached within 300 s');
      now += 20_000;
      assert.equal((await get('/v3/p1/volumes', 'revoke-me')).statusCode, 401, 'revalidated after 300 s and refused');
    } finally {
      setClock(systemClock);
    }
  });

  test('an invalid token is remembered briefly: a flood of one bogus token costs one Keystone call', async () => {
    let now = Date.now();
    setClock({ now: () => new Date(now) });
    try {
      const before = validations;
      for (let i = 0; i < 20; i++) assert.equal((await get('/v3/p1/volumes', 'bogus-token')).statusCode, 401);
      assert.equal(validations - before, 1);
      now += 60_000;
      assert.equal((await get('/v3/p1/volumes', 'bogus-token')).statusCode, 401);
      assert.equal(validations - before, 2, 'asked again once the negative entry expired');
    } finally {
      setClock(systemClock);
    }
  });

  test('noauth takes the user from user:project tokens and the project from the URL', async () => {
    const n = await makeHarness();
    const r = await n.app.inject({ method: 'POST', url: '/v3/projX/volumes', headers: { 'x-auth-token': 'alice:projY' }, payload: { volume: { size: 1 } } });
    assert.equal(r.statusCode, 202);
    assert.equal(r.json().volume.user_id, 'alice');
    const shown = await n.app.inject({ method: 'GET', url: `/v3/projX/volumes/${r.json().volume.id}`, headers: { 'x-auth-token': 'alice:projY' } });
    assert.equal(shown.json().volume['os-vol-tenant-attr:tenant_id'], 'projX');
    await n.close();
  });
});
