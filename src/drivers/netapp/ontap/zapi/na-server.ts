// NaServer: sends ZAPI calls in the `netapp` envelope (version, vfiler/vserver tunnelling)
// to a filer or DFM servlet, retries what is safe to retry, and turns status="failed"
// into NaApiError. The password only ever goes into the Authorization header.
import { HttpTransport, type HttpTransportOptions } from '../../common/http-transport.js';
import { NaElement, type NaStructMap } from './na-element.js';
import { EAPIERROR, ESTATUSFAILED, NA_WIRE_ERRORS, NaApiError, NaHttpError, NaTransportError, isOntapRestErrorBody } from './na-errors.js';
import { sleep } from '../../../../util/clock.js';
import type { Logger } from '../../../../util/logger.js';

export type ServerType = 'FILER' | 'DFM';
export type ServerStyle = 'LOGIN_PASSWORD' | 'CERTIFICATE';

const FILER_URL = '/servlets/netapp.servlets.admin.XMLrequest_filer';
const DFM_URL = '/apis/XMLrequest';
const NETAPP_NS = 'http://www.netapp.com/filer/admin';

/** The transport's options (credentials, TLS, timeout), with port and scheme defaulted by server type. */
export interface NaServerOptions extends Omit<HttpTransportOptions, 'port' | 'transportType' | 'errors'> {
  port?: number;
  transportType?: 'http' | 'https';
  serverType?: ServerType;
  style?: ServerStyle;
  /** ONTAPI version sent until negotiateVersion() replaces it. */
  apiVersion?: { major: number; minor: number };
  /** 7-mode vFiler to tunnel into. */
  vfiler?: string;
  /** Cluster-mode SVM to tunnel into (same `vfiler` envelope attribute on the wire). */
  vserver?: string;
  /** Attempts for a call failing with a retryable fault (transport, 5xx, EAPIERROR). */
  tries?: number;
  backoffMs?: number;
  logger?: Logger;
}

/** Default ports per server type and transport, as the seeds' set_transport_type chooses them. */
export function defaultPort(serverType: ServerType, transport: 'http' | 'https'): number {
  if (serverType === 'DFM') return transport === 'https' ? 8488 : 8088;
  return transport === 'https' ? 443 : 80;
}

export class NaServer {
  readonly serverType: ServerType;
  readonly style: ServerStyle;
  private major: number;
  private minor: number;
  private vfiler: string | null;
  private vserver: string | null;
  private readonly transport: HttpTransport;
  private readonly tries: number;
  private readonly backoffMs: number;
  /** Observers see each API name as it is sent (for round-trip accounting in tests/bench). */
  onCall: ((api: string) => void) | null = null;

  constructor(private readonly opts: NaServerOptions) {
    this.serverType = opts.serverType ?? 'FILER';
    this.style = opts.style ?? (opts.certificate ? 'CERTIFICATE' : 'LOGIN_PASSWORD');
    const transportType = opts.transportType ?? 'https';
    const t: HttpTransportOptions = {
      host: opts.host,
      port: opts.port ?? defaultPort(this.serverType, transportType),
      transportType,
      caCert: opts.caCert,
      verify: opts.verify ?? true,
      timeoutMs: opts.timeoutMs,
      errors: NA_WIRE_ERRORS,
      isApiBody: isOntapRestErrorBody,
    };
    if (this.style === 'LOGIN_PASSWORD') {
      t.username = opts.username;
      t.password = opts.password;
    } else {
      if (!opts.certificate) throw new TypeError('Certificate style needs a client certificate and key.');
      t.certificate = opts.certificate;
    }
    this.transport = new HttpTransport(t);
    this.major = opts.apiVersion?.major ?? 1;
    this.minor = opts.apiVersion?.minor ?? 15;
    this.vfiler = opts.vfiler ?? null;
    this.vserver = opts.vserver ?? null;
    this.tries = Math.max(1, opts.tries ?? 3);
    this.backoffMs = opts.backoffMs ?? 250;
  }

  get url(): string {
    return this.transport.baseUrl + (this.serverType === 'DFM' ? DFM_URL : FILER_URL);
  }
  getApiVersion(): { major: number; minor: number } {
    return { major: this.major, minor: this.minor };
  }
  setApiVersion(major: number, minor: number): void {
    this.major = major;
    this.minor = minor;
  }
  setVfiler(vfiler: string | null): void {
    this.vfiler = vfiler;
  }
  setVserver(vserver: string | null): void {
    this.vserver = vserver;
  }
  getVserver(): string | null {
    return this.vserver;
  }

  /** Asks the filer for its ONTAPI version and uses it from now on. */
  async negotiateVersion(): Promise<{ major: number; minor: number }> {
    const res = await this.invokeSuccessfully(new NaElement('system-get-ontapi-version'), false);
    const major = Number(res.getChildContent('major-version'));
    const minor = Number(res.getChildContent('minor-version'));
    if (!Number.isInteger(major) || !Number.isInteger(minor)) {
      throw new NaApiError(ESTATUSFAILED, 'system-get-ontapi-version returned no version', 'system-get-ontapi-version');
    }
    this.setApiVersion(major, minor);
    return { major, minor };
  }

  /** The envelope sent for `api`: tunnelling applies unless the call is cluster/filer-scoped. */
  envelope(api: NaElement, enableTunneling: boolean): string {
    const env = new NaElement('netapp').setAttr('xmlns', NETAPP_NS).setAttr('version', `${this.major}.${this.minor}`);
    const target = this.vserver ?? this.vfiler;
    if (enableTunneling && target) env.setAttr('vfiler', target);
    env.addChild(api);
    return `<?xml version='1.0' encoding='UTF-8'?>${env.toXml()}`;
  }

  /** Sends one call and returns its `<results>`, passed or failed. Transport faults throw. */
  async invokeElem(api: NaElement, enableTunneling = true): Promise<NaElement> {
    const body = this.envelope(api, enableTunneling);
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        this.onCall?.(api.name);
        const reply = await this.transport.request('POST', this.serverType === 'DFM' ? DFM_URL : FILER_URL, body, {
          'Content-Type': 'text/xml; charset=utf-8',
        });
        if (reply.status >= 300) throw new NaHttpError(reply.status, `${api.name}: HTTP ${reply.status} from ${this.url}`);
        const results = parseResults(reply.body, api.name);
        if (results.getAttr('status') !== 'passed' && errnoOf(results) === EAPIERROR && attempt < this.tries) {
          this.opts.logger?.warn({ api: api.name, attempt }, 'ONTAP returned EAPIERROR; retrying');
          await sleep(this.backoffMs * attempt);
          continue;
        }
        return results;
      } catch (e) {
        const retryable = (e instanceof NaTransportError || e instanceof NaHttpError) && e.retryable;
        if (!retryable || attempt >= this.tries) {
          if (e instanceof NaTransportError || e instanceof NaHttpError) {
            // Say how many times we tried: that is what an operator needs to read.
            (e as { message: string }).message = `${e.message} (${api.name}, ${attempt} attempt${attempt > 1 ? 's' : ''})`;
          }
          throw e;
        }
        this.opts.logger?.warn({ api: api.name, attempt, err: (e as Error).message }, 'ONTAP call failed; retrying');
        await sleep(this.backoffMs * attempt);
      }
    }
  }

  /** Sends one call; status="failed" raises NaApiError with the errno and reason. */
  async invokeSuccessfully(api: NaElement, enableTunneling = true): Promise<NaElement> {
    const results = await this.invokeElem(api, enableTunneling);
    if (results.getAttr('status') === 'passed') return results;
    const errno = errnoOf(results);
    const reason = results.getAttr('reason') ?? results.getChildContent('reason') ?? 'no reason given';
    throw new NaApiError(errno, reason, api.name);
  }

  /**
   * Runs a `*-get-iter` call to the end, following next-tag, and returns every record
   * under attributes-list (`inputs` holds query / desired-attributes).
   */
  async iterate(api: string, inputs: NaStructMap = {}, maxRecords = 100): Promise<NaElement[]> {
    const out: NaElement[] = [];
    let tag: string | null = null;
    do {
      const req = NaElement.create(api, inputs).addNewChild('max-records', maxRecords);
      if (tag) req.addNewChild('tag', tag);
      const res = await this.invokeSuccessfully(req);
      const list = res.getChildByName('attributes-list');
      if (list) out.push(...list.getChildren());
      tag = res.getChildContent('next-tag');
    } while (tag);
    return out;
  }

  close(): void {
    this.transport.close();
  }
}

function errnoOf(results: NaElement): string {
  return results.getAttr('errno') ?? results.getChildContent('errorno') ?? ESTATUSFAILED;
}

function parseResults(body: string, api: string): NaElement {
  let doc: NaElement;
  try {
    doc = NaElement.parse(body);
  } catch (e) {
    throw new NaApiError(ESTATUSFAILED, `unparseable reply: ${(e as Error).message}`, api);
  }
  const results = doc.name === 'results' ? doc : doc.getChildByName('results');
  if (!results) throw new NaApiError(ESTATUSFAILED, 'reply has no <results> element', api);
  return results;
}
