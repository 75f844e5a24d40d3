// A SANtricity Web Services endpoint on 127.0.0.1 for tests and benches: embedded (on the
// controllers: one storage system, id "1") or proxy (arrays registered by controller
// address, with the stored-password handshake and a system that is `neverContacted` for the
// first polls), HTTP or HTTPS with basic auth, real state (eseries-state.ts), per-route call
// counts, fault injection (slow, 5xx, dropped connections, 424 offline), and an optional
// tgtd data plane: volumes are sparse files, mappings are tgtd LUNs with ACLs.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { EseriesState, EsSimError, type EsEvent } from './eseries-state.js';
import { esRoute } from './eseries-handlers.js';
import { TgtBacking } from '../ontap/tgt-backing.js';
import type { OntapState } from '../ontap/ontap-state.js';

export type EsFaultKind = 'delay' | 'drop' | 'drop-after' | 'http500' | 'http503' | 'offline';

export interface EsFaultRule {
  /** Route name (`POST ssc/volumes`, `GET /devmgr/utils/about`) or a RegExp over it; all calls when absent. */
  match?: string | RegExp;
  kind: EsFaultKind;
  times?: number;
  after?: number;
  delayMs?: number;
}

export interface EseriesSimulatorOptions {
  mode?: 'embedded' | 'proxy';
  username?: string;
  password?: string;
  /** The array's own password (proxy mode checks the stored one against it). */
  arrayPassword?: string;
  tls?: { key: string; cert: string };
  /** Web Services version `/devmgr/utils/about` reports. */
  version?: string;
  /** Polls of GET storage-systems/{id} that answer `neverContacted` after registration (proxy). */
  contactPolls?: number;
  /** Serve mapped volumes from a real tgtd backed by sparse files in this directory. */
  tgtDir?: string;
  /** tgtd enforces the target CHAP secret set through iscsi/target-settings. */
  tgtChap?: boolean;
  /** Copy job speed in bytes per second (default 8 GiB/s). */
  copyRate?: number;
  /** Pools to create; default: a RAID 6 volume group `vg1` of 200 GiB and a disk pool `ddp1` of 500 GiB. */
  pools?: { label: string; totalGiB: number; diskPool?: boolean; mediaType?: 'hdd' | 'ssd'; encrypted?: boolean; flashCacheCapable?: boolean }[];
}

const CONTROLLER_ADDRESSES = ['127.0.0.1', '127.0.0.2'];

export class EseriesSimulator {
  readonly state = new EseriesState();
  readonly calls = new Map<string, number>();
  readonly mode: 'embedded' | 'proxy';
  readonly username: string;
  readonly password: string;
  readonly arrayPassword: string;
  readonly controllerAddresses = CONTROLLER_ADDRESSES;
  version: string;
  port = 0;
  backing: TgtBacking | null = null;
  readonly backingErrors: Error[] = [];
  /** Storage systems known to the endpoint (embedded: the one array, id "1"). */
  readonly systems = new Map<string, { id: string; storedPassword: string | null; polls: number; registered: boolean }>();
  /** The array is unreachable: system calls answer 424 and the system reports `offline`. */
  offline = false;
  private faults: (EsFaultRule & { hits: number; seen: number })[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private serial: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: EseriesSimulatorOptions) {
    this.mode = opts.mode ?? 'embedded';
    this.username = opts.username ?? 'rw';
    this.password = opts.password ?? 'rw-secret';
    this.arrayPassword = opts.arrayPassword ?? 'array-secret';
    this.version = opts.version ?? '02.00.9000.0001';
    if (opts.copyRate) this.state.copyRate = opts.copyRate;
    for (const p of opts.pools ?? [{ label: 'vg1', totalGiB: 200 }, { label: 'ddp1', totalGiB: 500, diskPool: true, mediaType: 'ssd' as const }]) this.state.addPool(p);
    if (this.mode === 'embedded') this.systems.set('1', { id: '1', storedPassword: this.arrayPassword, polls: 0, registered: true });
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: EseriesSimulatorOptions = {}): Promise<EseriesSimulator> {
    const sim = new EseriesSimulator(opts);
    if (opts.tgtDir) {
      sim.backing = new TgtBacking(sim.backingView(), opts.tgtDir, undefined, opts.tgtChap ?? false);
      await sim.backing.start();
      // Both controllers' ports lead to the one tgtd portal: a stand-in for two controllers.
      sim.state.portals = sim.state.portals.map((p) => (p.enabled ? { ...p, address: '127.0.0.1', port: sim.backing!.portalPort } : p));
    }
    await new Promise<void>((r) => sim.server.listen(0, '127.0.0.1', r));
    sim.port = (sim.server.address() as AddressInfo).port;
    return sim;
  }

  get baseUrlPath(): string {
    return '/devmgr/v2';
  }

  /** The embedded system's id, or the id the proxy gave the array (null before registration). */
  get systemId(): string | null {
    for (const s of this.systems.values()) if (s.registered) return s.id;
    return null;
  }

  addFault(rule: EsFaultRule): void {
    this.faults.push({ ...rule, hits: 0, seen: 0 });
  }
  clearFaults(): void {
    this.faults = [];
  }
  count(route: string | RegExp): number {
    let n = 0;
    for (const [k, v] of this.calls) if (typeof route === 'string' ? k === route : route.test(k)) n += v;
    return n;
  }
  totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  private fault(name: string): EsFaultRule | null {
    for (const f of this.faults) {
      const m = f.match === undefined || (typeof f.match === 'string' ? f.match === name : f.match.test(name));
      if (!m) continue;
      f.seen++;
      if (f.seen <= (f.after ?? 0)) continue;
      if (f.times !== undefined && f.hits >= f.times) continue;
      f.hits++;
      return f;
    }
    return null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown) => {
      const text = body === null || body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };

    // Route name: `METHOD sub/path/template` under the system, or the absolute path otherwise.
    const base = '/devmgr/v2/';
    let name = `${method} ${url.pathname}`;
    let sysId: string | null = null;
    let sub: string | null = null;
    let match: ReturnType<typeof esRoute> = null;
    const sysMatch = /^\/devmgr\/v2\/storage-systems\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (sysMatch) {
      sysId = decodeURIComponent(sysMatch[1]!);
      sub = sysMatch[2]!.replace(/\/$/, '');
      match = esRoute(method, sub);
      name = match ? match.name : `${method} ${sub}`;
    } else if (url.pathname.startsWith(base)) {
      name = `${method} ${url.pathname.slice(base.length).replace(/\/[^/]+$/, (m) => (url.pathname === `${base}storage-systems` ? m : '/{id}'))}`;
    }
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const auth = req.headers.authorization ?? '';
    const expected = 'Basic ' + Buffer.from(`${this.username}:${this.password}`).toString('base64');
    if (auth !== expected) return send(401, { errorMessage: 'Unauthorized', retcode: null });
    const f = this.fault(name);
    if (f?.kind === 'drop') return void req.socket.destroy();
    if (f?.kind === 'delay') await new Promise((r) => setTimeout(r, f.delayMs ?? 100));
    if (f?.kind === 'http500') return send(500, { errorMessage: 'Internal Server Error' });
    if (f?.kind === 'http503') return send(503, { errorMessage: 'Service Unavailable' });
    const offline = this.offline || f?.kind === 'offline';

    let body: unknown = null;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
    } catch {
      return send(400, { errorMessage: 'The request body is not JSON', retcode: 'illegalParam' });
    }
    const run = async (): Promise<{ status: number; body: unknown }> => {
      try {
        if (url.pathname === '/devmgr/utils/about' && method === 'GET') {
          return { status: 200, body: { runningAsProxy: this.mode === 'proxy', version: this.version, systemId: this.mode === 'proxy' ? 'proxy-0001' : this.systemId } };
        }
        if (url.pathname.replace(/\/$/, '') === '/devmgr/v2/storage-systems') return this.systemsCall(method, body);
        const sysOnly = /^\/devmgr\/v2\/storage-systems\/([^/]+)\/?$/.exec(url.pathname);
        if (sysOnly) return this.systemCall(method, decodeURIComponent(sysOnly[1]!), body, offline);
        if (!sysId || !sub) return { status: 404, body: { errorMessage: `No resource at ${url.pathname}` } };
        const sys = this.systems.get(sysId);
        if (!sys?.registered) return { status: 404, body: { errorMessage: `Storage system ${sysId} is not known` } };
        if (offline) return { status: 424, body: { errorMessage: 'The storage system is offline', retcode: null } };
        if (sys.storedPassword !== this.arrayPassword) return { status: 422, body: { errorMessage: 'The stored array password is wrong', retcode: 'authFailPassword' } };
        if (!match) return { status: 404, body: { errorMessage: `No resource at ${url.pathname}` } };
        const reply = match.handler(this.state, match.params, body, url.searchParams);
        await this.drain();
        return reply;
      } catch (e) {
        await this.drain();
        if (e instanceof EsSimError) return { status: e.status, body: { errorMessage: e.message, localizedMessage: e.message, retcode: e.retcode, codeType: e.retcode ? 'symbol' : 'devicemgrerror' } };
        return { status: 500, body: { errorMessage: (e as Error).message } };
      }
    };
    // One request at a time: the data plane follows the state in order.
    const result = this.serial.then(run);
    this.serial = result.then(() => undefined, () => undefined);
    const out = await result;
    if (f?.kind === 'drop-after') return void req.socket.destroy();
    send(out.status, out.body);
  }

  /** `poll`: a GET of the system, which counts towards the proxy's first contact. */
  private systemJson(id: string, poll = false): unknown {
    const s = this.systems.get(id)!;
    let status = 'optimal';
    if (this.offline) status = 'offline';
    else if (s.polls > 0) {
      if (poll) s.polls--;
      status = 'neverContacted';
    }
    const passwordStatus = s.storedPassword === null ? 'unknown' : s.storedPassword === this.arrayPassword ? 'valid' : 'invalid';
    return { id, wwn: this.state.wwn, name: 'sim-array', status, passwordStatus, passwordSet: true, controllerAddresses: this.controllerAddresses, ip1: '127.0.0.1', ip2: '127.0.0.2' };
  }

  private systemsCall(method: string, body: any): { status: number; body: unknown } { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (method === 'GET') return { status: 200, body: [...this.systems.values()].filter((s) => s.registered).map((s) => this.systemJson(s.id)) };
    if (method !== 'POST') return { status: 405, body: { errorMessage: 'Method not allowed' } };
    if (this.mode === 'embedded') return { status: 422, body: { errorMessage: 'Storage systems cannot be added to embedded Web Services', retcode: 'notSupported' } };
    const addrs: unknown = body?.controllerAddresses;
    if (!Array.isArray(addrs) || addrs.length === 0 || !addrs.every((a) => typeof a === 'string')) {
      return { status: 422, body: { errorMessage: 'controllerAddresses must list the controllers', retcode: 'illegalParam' } };
    }
    if (!addrs.every((a) => this.controllerAddresses.includes(a))) {
      return { status: 422, body: { errorMessage: `No storage system answers at ${addrs.join(', ')}`, retcode: 'noControllers' } };
    }
    if (body.wwn && body.wwn !== this.state.wwn) return { status: 422, body: { errorMessage: 'The WWN does not match the array', retcode: 'illegalParam' } };
    const existing = [...this.systems.values()].find((s) => s.registered);
    if (existing) {
      if (typeof body.password === 'string') existing.storedPassword = body.password;
      return { status: 200, body: { id: existing.id } };
    }
    const id = `sa-${this.state.wwn.slice(0, 12).toLowerCase()}`;
    this.systems.set(id, { id, storedPassword: typeof body.password === 'string' ? body.password : null, polls: this.opts.contactPolls ?? 2, registered: true });
    return { status: 201, body: { id } };
  }

  private systemCall(method: string, id: string, body: any, offline: boolean): { status: number; body: unknown } { // eslint-disable-line @typescript-eslint/no-explicit-any
    const s = this.systems.get(id);
    if (!s?.registered) return { status: 404, body: { errorMessage: `Storage system ${id} is not known` } };
    if (method === 'GET') {
      const json = this.systemJson(id, true) as Record<string, unknown>;
      if (offline) json.status = 'offline';
      return { status: 200, body: json };
    }
    if (method === 'POST') {
      if (typeof body?.storedPassword !== 'string') return { status: 422, body: { errorMessage: 'storedPassword is required', retcode: 'illegalParam' } };
      s.storedPassword = body.storedPassword;
      return { status: 200, body: this.systemJson(id) };
    }
    if (method === 'DELETE') {
      this.systems.delete(id);
      return { status: 204, body: null };
    }
    return { status: 405, body: { errorMessage: 'Method not allowed' } };
  }

  private async drain(): Promise<void> {
    if (!this.backing) {
      if (this.state.events) this.state.events = [];
      return;
    }
    try {
      await this.backing.drain();
    } catch (e) {
      this.backingErrors.push(e as Error);
    }
  }

  /**
   * The shape the ONTAP simulator's TgtBacking reads, derived from this array's state: a
   * volume or snapshot image is a "LUN" file named by its id, a mapping is a tgtd LUN at its
   * LUN number, a host or host group is an "igroup" whose initiators are its hosts' ports,
   * and the target CHAP secret is the one account tgtd binds. LUN numbers are array-unique
   * (as the driver picks them), so one tgtd target serves every mapping.
   */
  private backingView(): OntapState {
    const st = this.state;
    const lun = (id: string, sizeBytes: number) => ({ uuid: id, sizeBytes });
    const translate = (e: EsEvent): unknown => {
      switch (e.kind) {
        case 'create': case 'resize': case 'destroy': return { kind: e.kind, lun: lun(e.id, e.sizeBytes) };
        case 'clone': return { kind: 'clone', source: lun(e.source, 0), lun: lun(e.id, e.sizeBytes) };
        case 'map': case 'unmap': return { kind: e.kind, lun: lun(e.id, 0), lunId: e.lun, initiators: st.initiatorsOf(e.mapRef) };
        case 'chap': return { kind: 'chap', initiator: '*' };
      }
    };
    const view = {
      get nodeName() { return st.targetIqn; },
      set portals(_p: unknown) { /* the simulator sets its controllers' ports itself */ },
      set globalLunIds(_v: unknown) { /* LUN numbers are the driver's, array-unique */ },
      get events() { return st.events === null ? null : st.events.map(translate); },
      set events(v: unknown[] | null) { st.events = v === null ? null : []; },
      get luns() { return new Map([...st.volumes.values()].filter((v) => !v.view).map((v) => [v.id, lun(v.id, v.sizeBytes)])); },
      get maps() { return [...st.mappings.values()].map((m) => ({ igroup: m.mapRef, lunId: m.lun, path: m.volumeRef })); },
      igroups: { get: (ref: string) => ({ initiators: st.initiatorsOf(ref) }) },
      chap: { get: () => (st.chap.enabled ? { user: st.chap.alias, password: st.chap.secret } : undefined) },
    };
    return view as unknown as OntapState;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.backing?.stop();
  }
}
