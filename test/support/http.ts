// Talking to a Flint API from tests and benches: one request helper and a free port.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';

export interface Reply {
  status: number;
  json: any;
}

/** One Block Storage v3 request for `project`; the body is JSON both ways. */
export async function apiCall(
  base: string, project: string, method: string, path: string, body?: unknown, microversion = '3.3',
): Promise<Reply> {
  const r = await fetch(`${base}/v3/${project}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'OpenStack-API-Version': `volume ${microversion}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

/** Asserts the status (showing the body when it differs) and returns the body. */
export function expectStatus(r: Reply, status: number): any {
  assert.equal(r.status, status, JSON.stringify(r.json));
  return r.json;
}

/** A request helper bound to one API and project. */
export function apiClient(base: string, project: string, microversion = '3.3') {
  return (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, project, method, path, body, microversion);
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
