// An ONTAP system on 127.0.0.1 for tests and benches: ZAPI (7-mode or cluster mode) and
// REST over HTTP or HTTPS with basic auth, real state, per-API call counts, and fault
// injection (slow replies, dropped connections, lost replies, 5xx, EAPIERROR).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { OntapState } from './ontap-state.js';
import { handleZapi, envelope, failed, type SimMode, type ZapiContext } from './zapi-handlers.js';
import { handleRest, restApiName } from './rest-handlers.js';
import { TgtBacking } from './tgt-backing.js';

const ZAPI_PATHS = new Set(['/servlets/netapp.servlets.admin.XMLrequest_filer', '/apis/XMLrequest']);

export type FaultKind =
  | 'delay' // answer after delayMs
  | 'drop' // close the connection before doing anything
  | 'drop-after' // do the work, then close without answering (a lost reply)
  | 'http500'
  | 'http503'
  | 'eapierror'; // ZAPI errno 13001 / REST error code 13001 with HTTP 500

export interface FaultRule {
  /** API name (ZAPI) or `METHOD /api/...` route (REST); a RegExp tests either. All calls when absent. */
  match?: string | RegExp;
  kind: FaultKind;
  /** How many matching calls it hits (default: every one). */
  times?: number;
  /** Matching calls to let through before the fault starts (default 0). */
  after?: number;
  delayMs?: number;
  /** 0..1: chance per matching call (seeded, so runs repeat). Default 1. */
  probability?: number;
}

export interface OntapSimulatorOptions {
  mode?: SimMode;
  username?: string;
  password?: string;
  vserver?: string;
  vfiler?: string | null;
  tls?: { key: string; cert: string; /** PEM CA whose client certificates authenticate (certificate style). */ clientCa?: string };
  /** FlexVols to create (default vol1 100 GiB thick, vol2 50 GiB thin, scratch 10 GiB). */
  volumes?: { name: string; sizeGiB: number; guarantee?: 'volume' | 'none' }[];
  restPageSize?: number;
  /** REST LUN creates and clones answer 202 with a job to poll (ONTAP 9.16 style). */
  restAsyncJobs?: boolean;
  /** Serve mapped LUNs from a real tgtd, backed by sparse files in this directory. */
  tgtDir?: string;
  /**
   * Serve the tgtd data plane on this loopback address at port 3260 instead of 127.0.0.1 on a
   * free port. ONTAP REST names no iSCSI port (hosts assume 3260), so a REST-driven host can
   * only reach the data plane this way; a 127.x address of its own keeps 3260 free of clashes.
   */
  tgtPortalAddress?: string;
  /** tgtd requires the CHAP credentials the system holds for mapped initiators (target-wide accounts). */
  tgtChap?: boolean;
}

export class OntapSimulator {
  readonly state: OntapState;
  readonly mode: SimMode;
  /** Calls received per API (ZAPI name or REST route), faults included. */
  readonly calls = new Map<string, number>();
  private faults: (FaultRule & { hits: number; seen: number })[] = [];
  private seed = 42;
  private readonly server: http.Server;
  private readonly zapi: ZapiContext;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly jobs = new Map<string, { state: 'running' | 'success' | 'failure'; code?: string; message?: string; polls: number }>();
  port = 0;
  backing: TgtBacking | null = null;
  /** Failures of the data-plane backing (tests assert there are none). */
  readonly backingErrors: Error[] = [];
  /** REST calls that came without X-Dot-SVM-Name (SVM tunnelling), by route, for tests. */
  readonly restCallsWithoutSvm = new Map<string, number>();
  /** Requests are applied one at a time when a backing follows the state (its changes are ordered). */
  private serial: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: OntapSimulatorOptions) {
    this.mode = opts.mode ?? 'cmode';
    this.state = new OntapState(opts.vserver ?? 'svm1');
    for (const v of opts.volumes ?? [
      { name: 'vol1', sizeGiB: 100 },
      { name: 'vol2', sizeGiB: 50, guarantee: 'none' as const },
      { name: 'scratch', sizeGiB: 10 },
    ]) {
      this.state.addVolume(v.name, v.sizeGiB, v.guarantee ?? 'volume');
    }
    // Every system has a root volume, which must never become a pool.
    if (this.mode === '7mode') this.state.addVolume('vol0', 1, 'volume', 'aggr0', { isRoot: true });
    else this.state.addVolume(`${this.state.vserver}_root`, 1, 'volume', 'aggr0', { isSvmRoot: true });
    this.zapi = { state: this.state, mode: this.mode, vfiler: opts.vfiler ?? null, clones: new Map(), cloneFailures: [] };
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!this.backing) return void this.handle(req, res);
      this.serial = this.serial.then(() => this.handle(req, res)).catch(() => undefined);
    };
    this.server = opts.tls
      ? https.createServer(
          { key: opts.tls.key, cert: opts.tls.cert, ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
          handler,
        )
      : http.createServer(handler);
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: OntapSimulatorOptions = {}): Promise<OntapSimulator> {
    const sim = new OntapSimulator(opts);
    if (opts.tgtDir) {
      sim.backing = new TgtBacking(sim.state, opts.tgtDir, opts.tgtPortalAddress, opts.tgtChap ?? false);
      await sim.backing.start();
    }
    await new Promise<void>((resolve) => sim.server.listen(0, '127.0.0.1', resolve));
    sim.port = (sim.server.address() as AddressInfo).port;
    return sim;
  }

  get username(): string {
    return this.opts.username ?? 'admin';
  }
  get password(): string {
    return this.opts.password ?? 'netapp123';
  }

  inject(rule: FaultRule): void {
    this.faults.push({ ...rule, hits: 0, seen: 0 });
  }
  /** How many calls each injected fault kind has hit so far. */
  faultHits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.faults) out[f.kind] = (out[f.kind] ?? 0) + f.hits;
    return out;
  }
  /** The next 7-mode clone-start starts, then fails with this errno and reason when polled. */
  failNextClone(errno: string, reason: string): void {
    this.zapi.cloneFailures!.push({ errno, reason });
  }
  clearFaults(): void {
    this.faults = [];
  }
  resetCalls(): void {
    this.calls.clear();
  }
  callCount(api?: string): number {
    if (api) return this.calls.get(api) ?? 0;
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  private faultFor(api: string): FaultRule | null {
    for (const f of this.faults) {
      const matches = f.match === undefined || (typeof f.match === 'string' ? f.match === api : f.match.test(api));
      if (!matches || (f.times !== undefined && f.hits >= f.times)) continue;
      if (f.seen++ < (f.after ?? 0)) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.hits++;
      return f;
    }
    return null;
  }

  private authorized(req: http.IncomingMessage): boolean {
    // Certificate style: a client certificate signed by the configured CA is enough.
    if (this.opts.tls?.clientCa && (req.socket as import('node:tls').TLSSocket).authorized) return true;
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return false;
    return Buffer.from(h.slice(6), 'base64').toString('utf8') === `${this.username}:${this.password}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sim');
    const isZapi = ZAPI_PATHS.has(url.pathname);
    if (!this.authorized(req)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="ONTAP"', 'Content-Type': 'text/html' });
      res.end('<html><body>401 Unauthorized</body></html>');
      return;
    }
    const api = isZapi ? (/<netapp[^>]*>\s*<([A-Za-z][\w.-]*)/.exec(body)?.[1] ?? '(unknown)') : restApiName(req.method ?? 'GET', url.pathname);
    this.calls.set(api, (this.calls.get(api) ?? 0) + 1);
    const fault = this.faultFor(api);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'http500' || fault?.kind === 'http503') {
      res.writeHead(fault.kind === 'http500' ? 500 : 503, { 'Content-Type': 'text/plain' });
      res.end('Service Unavailable');
      return;
    }
    if (isZapi) {
      if (req.method !== 'POST') {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(envelope('1.0', failed('Not_Allowed', 'Not supported method type')));
        return;
      }
      const version = `${this.state.version.major}.${this.state.version.minor}`;
      const xml = fault?.kind === 'eapierror' ? envelope(version, failed('13001', 'Unable to process request: internal API error')) : handleZapi(this.zapi, body).xml;
      await this.drainBacking();
      if (fault?.kind === 'drop-after') return void req.socket.destroy();
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(xml);
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    const svmHeader = req.headers['x-dot-svm-name'] as string | undefined;
    if (!svmHeader) this.restCallsWithoutSvm.set(api, (this.restCallsWithoutSvm.get(api) ?? 0) + 1);
    let json: Record<string, unknown> | null = null;
    try {
      json = body ? (JSON.parse(body) as Record<string, unknown>) : null;
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: '262179', message: 'Invalid JSON body' } }));
      return;
    }
    const reply =
      fault?.kind === 'eapierror'
        ? { status: 500, body: { error: { code: '13001', message: 'Unable to process request: internal API error' } } }
        : handleRest(
            { state: this.state, pageSize: this.opts.restPageSize ?? 0, jobs: this.opts.restAsyncJobs ? this.jobs : undefined, svmHeader: svmHeader ?? null },
            req.method ?? 'GET', url, json,
          );
    await this.drainBacking();
    if (fault?.kind === 'drop-after') return void req.socket.destroy();
    res.writeHead(reply.status, { 'Content-Type': 'application/hal+json' });
    res.end(JSON.stringify(reply.body));
  }

  private async drainBacking(): Promise<void> {
    await this.backing?.drain().catch((e: Error) => this.backingErrors.push(e));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.backing?.stop();
  }
}
