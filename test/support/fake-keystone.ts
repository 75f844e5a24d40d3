// A Keystone v3 stand-in on loopback for tests that need real token validation: it answers
// GET /v3/auth/tokens for the tokens it is given (checked with service token `svc`), 404 otherwise.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeTokens = Record<string, { project: string; roles: string[] }>;

export interface FakeKeystone {
  url: string;
  close(): Promise<void>;
}

export const FAKE_KEYSTONE_SERVICE_TOKEN = 'svc';

export async function startFakeKeystone(tokens: FakeTokens): Promise<FakeKeystone> {
  const server = createServer((req, res) => {
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
