// The one HTTP(S) request path shared by the ZAPI and REST clients: TLS verification on
// by default (with an optional CA), basic auth or client certificate, timeouts, and
// wire failures translated into NaTransportError / NaHttpError.
import http from 'node:http';
import https from 'node:https';
import { NaAuthError, NaHttpError, NaTransportError } from './zapi/na-errors.js';

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
    return new Promise<HttpReply>((resolve, reject) => {
      const req = mod.request(
        { host: this.opts.host, port: this.opts.port, method, path, headers: allHeaders, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new NaTransportError('reset', `${where}: reply interrupted: ${e.message}`, { cause: e })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 401) reject(new NaAuthError(401, `${where}: authentication failed (HTTP 401); check netapp_login and netapp_password.`));
            else if (status >= 500 && !looksLikeApiBody(text)) reject(new NaHttpError(status, `${where}: HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
            else resolve({ status, body: text, headers: res.headers });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(new NaTransportError('timeout', `${where}: no reply within ${this.timeoutMs} ms.`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof NaTransportError) return reject(e);
        const code = e.code ?? '';
        if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e.message)) {
          reject(new NaTransportError('tls', `${where}: TLS verification failed (${code || e.message}); set netapp_ca_cert to the filer's CA.`, { cause: e }));
        } else if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND') {
          reject(new NaTransportError('connect', `${where}: cannot connect (${code}).`, { cause: e }));
        } else {
          reject(new NaTransportError('reset', `${where}: connection failed (${code || e.message}).`, { cause: e }));
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

/** REST errors come as JSON with a 5xx status; those are API answers, not transport faults. */
function looksLikeApiBody(text: string): boolean {
  return text.trimStart().startsWith('{"error"');
}
