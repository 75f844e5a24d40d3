// Drives an HTTP server with a fixed number of requests in flight over keep-alive sockets and
// returns each request's latency; and a do-nothing server answering with canned bodies, the
// floor any real server is compared with (same client, same process, same machine), with a
// variant that also commits each request's body as one SQLite row: what recording a request
// durably costs at the least, before any of the work of a real create.
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import SqliteDatabase from 'better-sqlite3';

export interface LoadRequest {
  method: string;
  path: string;
  body?: unknown;
}

export interface LoadOptions {
  /** Requests kept in flight at once. */
  concurrency: number;
  /** Requests measured, after `warmup` unmeasured ones. */
  requests: number;
  warmup: number;
  /** The expected status; any other stops the run. */
  status: number;
}

/** One request; resolves with the status and body once the answer is read. */
function send(agent: Agent, base: URL, r: LoadRequest): Promise<{ status: number; body: string }> {
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const req = request({
      agent, host: base.hostname, port: base.port, method: r.method, path: r.path,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Latencies (ms) of `requests` requests made by `concurrency` loops, each sending the next when its answer is in. */
export async function measureLoad(baseUrl: string, next: (i: number) => LoadRequest, o: LoadOptions): Promise<number[]> {
  const base = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const samples: number[] = [];
  let issued = 0;
  const total = o.warmup + o.requests;
  try {
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (issued < total) {
        const i = issued++;
        const t0 = performance.now();
        const r = await send(agent, base, next(i));
        const ms = performance.now() - t0;
        if (r.status !== o.status) throw new Error(`request ${i} answered ${r.status}: ${r.body.slice(0, 300)}`);
        if (i >= o.warmup) samples.push(ms);
      }
    }));
  } finally {
    agent.destroy();
  }
  return samples;
}

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

/** A server that reads each request's body and answers `status` with `body`: no routing, no work. */
export async function startFloorServer(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * The floor server, but each request's body is first inserted as one row (its own transaction)
 * into the SQLite file `file`, opened as Flint opens its database (WAL, synchronous=NORMAL).
 */
export async function startDurableFloorServer(status: number, body: string, file: string): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table requests (id integer primary key, path text not null, body text not null, received_at text not null)');
  const insert = db.prepare('insert into requests (path, body, received_at) values (?, ?, ?)');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      insert.run(req.url ?? '', Buffer.concat(chunks).toString(), new Date().toISOString());
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      await new Promise((r) => server.close(r));
      db.close();
    },
  };
}
