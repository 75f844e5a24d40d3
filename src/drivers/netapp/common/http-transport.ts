// The one HTTP(S) request path shared by NetApp's clients (ONTAP ZAPI and REST, E-Series
// SANtricity REST): TLS verification on by default (with an optional CA), basic auth or
// client certificate, keep-alive, timeouts. Wire failures become the errors the vendor's
// `WireErrors` builds, so each vendor keeps its own translation into Flint's hierarchy.
import http from 'node:http';
import https from 'node:https';

export type WireFaultKind = 'connect' | 'reset' | 'timeout' | 'tls';

/** How a vendor turns wire failures into its own errors (all BackendError subclasses). */
export interface WireErrors {
  transport(kind: WireFaultKind, message: string, cause?: unknown): Error;
  http(status: number, message: string): Error;
  auth(message: string): Error;
}

export interface HttpTransportOptions {
  host: string;
  port: number;
  transportType: 'http' | 'https';
  /** Basic auth; absent when a client certificate authenticates. */
  username?: string;
  password?: string;
  /** PEM client certificate and key (style CERTIFICATE). */
  certificate?: { cert: string; key: string };
  /** PEM CA bundle trusted for the server's certificate. */
  caCert?: string;
  /** Verify the server certificate (default true). */
  verify?: boolean;
  timeoutMs?: number;
  /** The vendor's error builders. */
  errors: WireErrors;
  /**
   * A 5xx whose body is an API answer (e.g. ONTAP REST's `{"error"...}`) resolves for the
   * client to read; any other 5xx throws errors.http. Default: never an API answer.
   */
  isApiBody?: (text: string) => boolean;
  /** Hint shown with a 401 (which options hold the credentials). */
  authHint?: string;
  /** Hint shown with a TLS failure (which option holds the CA). */
  tlsHint?: string;
}

export interface HttpReply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCAL',
]);

export class HttpTransport {
  private readonly agent: http.Agent;
  readonly timeoutMs: number;

  constructor(readonly opts: HttpTransportOptions) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.agent =
      opts.transportType === 'https'
        ? new https.Agent({
            keepAlive: true,
            rejectUnauthorized: opts.verify ?? true,
            ca: opts.caCert,
            cert: opts.certificate?.cert,
            key: opts.certificate?.key,
          })
        : new http.Agent({ keepAlive: true });
  }

  get baseUrl(): string {
    return `${this.opts.transportType}://${this.opts.host}:${this.opts.port}`;
  }

  /** Sends one request; resolves for any HTTP status except 401 and 5xx, which throw. */
  request(method: string, path: string, body: string | null, headers: Record<string, string>): Promise<HttpReply> {
    const mod = this.opts.transportType === 'https' ? https : http;
    const allHeaders: Record<string, string> = { ...headers };
    if (this.opts.username !== undefined && !this.opts.certificate) {
      allHeaders.Authorization = 'Basic ' + Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64');
    }
    if (body !== null) allHeaders['Content-Length'] = String(Buffer.byteLength(body));
    const where = `${method} ${this.baseUrl}${path}`;
    const E = this.opts.errors;
    const isApiBody = this.opts.isApiBody ?? (() => false);
    return new Promise<HttpReply>((resolve, reject) => {
      const req = mod.request(
        { host: this.opts.host, port: this.opts.port, method, path, headers: allHeaders, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(E.transport('reset', `${where}: reply interrupted: ${e.message}`, e)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 401) reject(E.auth(`${where}: authentication failed (HTTP 401); ${this.opts.authHint ?? 'check netapp_login and netapp_password'}.`));
            else if (status >= 500 && !isApiBody(text)) reject(E.http(status, `${where}: HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
            else resolve({ status, body: text, headers: res.headers });
          });
        },
      );
      let timedOut: Error | null = null;
      req.setTimeout(this.timeoutMs, () => {
        timedOut = E.transport('timeout', `${where}: no reply within ${this.timeoutMs} ms.`);
        req.destroy(timedOut);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (timedOut && e === timedOut) return reject(e);
        const code = e.code ?? '';
        if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e.message)) {
          reject(E.transport('tls', `${where}: TLS verification failed (${code || e.message}); ${this.opts.tlsHint ?? "set netapp_ca_cert to the system's CA"}.`, e));
        } else if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND') {
          reject(E.transport('connect', `${where}: cannot connect (${code}).`, e));
        } else {
          reject(E.transport('reset', `${where}: connection failed (${code || e.message}).`, e));
        }
      });
      if (body !== null) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
