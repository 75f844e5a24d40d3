// A Keystone v3 stand-in on loopback for tests that need real token validation: it answers
// GET /v3/auth/tokens for the tokens it is given (checked with service token `svc`), 404 otherwise,
// and, for the users it is given, POST /v3/auth/tokens with a password (201 and a new token
// scoped to the user's project, or 401).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeTokens = Record<string, { project: string; roles: string[] }>;

export interface FakeKeystone {
  url: string;
  close(): Promise<void>;
}

export const FAKE_KEYSTONE_SERVICE_TOKEN = 'svc';

/** Users who may log in with a password: name → password and the project-scoped token's contents. */
export type FakeUsers = Record<string, { password: string; project: string; roles: string[] }>;

interface PasswordAuth { auth?: { identity?: { password?: { user?: { name?: string; password?: string } } }; scope?: { project?: { name?: string } } } }

export async function startFakeKeystone(tokens: FakeTokens, users: FakeUsers = {}): Promise<FakeKeystone> {
  let issued = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/v3/auth/tokens')) {
      let body = '';
      req.on('data', (b: Buffer) => { body += b.toString(); });
      req.on('end', () => {
        const a = (JSON.parse(body || '{}') as PasswordAuth).auth;
        const name = a?.identity?.password?.user?.name ?? '';
        const u = users[name];
        if (!u || u.password !== a?.identity?.password?.user?.password || a?.scope?.project?.name !== u.project) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
          return;
        }
        const token = `issued-${++issued}`;
        tokens[token] = { project: u.project, roles: u.roles };
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': token });
        res.end(JSON.stringify({ token: { project: { id: u.project, name: u.project }, expires_at: new Date(Date.now() + 3600_000).toISOString() } }));
      });
      return;
    }
    const t = tokens[String(req.headers['x-subject-token'])];
    const valid = req.method === 'GET' && req.url?.startsWith('/v3/auth/tokens') && req.headers['x-auth-token'] === FAKE_KEYSTONE_SERVICE_TOKEN;
    if (!valid || !t) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: {
      user: { id: `u-${t.project}`, name: 'u', domain: { id: 'default' } },
      project: { id: t.project, name: t.project, domain: { id: 'default' } },
      roles: t.roles.map((r) => ({ id: r, name: r })),
      expires_at: new Date(Date.now() + 3600_000).toISOString(), issued_at: new Date().toISOString(),
    } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
