// A minimal HTTP/1.1 client over one kept-alive TCP socket, for hostile requests that
// fetch and node:http refuse to send (bad methods, raw header bytes, malformed framing).
import { connect, type Socket } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after answering. */
  closed: boolean;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Builds the request bytes: Host, Content-Length (when there is a body) and keep-alive. */
export function requestBytes(r: RawRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const headers: Record<string, string> = { host: '127.0.0.1', connection: 'keep-alive', ...r.headers };
  if (body) headers['content-length'] ??= String(body.length);
  const head = `${r.method} ${r.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

class ConnectionClosed extends Error {}

export class RawClient {
  private socket: Socket | null = null;
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(private readonly port: number, private readonly timeoutMs = 15_000) {}

  private async open(): Promise<Socket> {
    if (this.socket && !this.ended) return this.socket;
    this.buf = Buffer.alloc(0);
    this.ended = false;
    const s = connect({ host: '127.0.0.1', port: this.port });
    await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    // Events of a socket this client has already replaced are ignored.
    s.on('data', (d: Buffer) => { if (s === this.socket) { this.buf = Buffer.concat([this.buf, d]); this.waiter?.(); } });
    const end = () => { if (s === this.socket) { this.ended = true; this.waiter?.(); } };
    s.on('end', end);
    s.on('close', end);
    s.on('error', end);
    this.socket = s;
    return s;
  }

  /** Sends bytes as they are and reads one response. */
  async sendRaw(bytes: Buffer, head = false): Promise<RawReply> {
    const reused = this.socket !== null && !this.ended;
    try {
      return await this.exchange(bytes, head);
    } catch (e) {
      // A kept-alive connection the server closed meanwhile: once more on a new one.
      if (!reused || !(e instanceof ConnectionClosed)) throw e;
      return this.exchange(bytes, head);
    }
  }

  private async exchange(bytes: Buffer, head: boolean): Promise<RawReply> {
    const s = await this.open();
    s.write(bytes);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const reply = this.parse(head);
      if (reply) return reply;
      if (this.ended) {
        this.socket = null;
        if (this.buf.length === 0) throw new ConnectionClosed('connection closed before any response');
        throw new Error(`connection closed without a complete response (${this.buf.length} bytes read)`);
      }
      if (Date.now() > deadline) {
        this.close();
        throw new Error('no response within the timeout');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => { clearTimeout(t); this.waiter = null; resolve(); };
      });
    }
  }

  send(r: RawRequest): Promise<RawReply> {
    return this.sendRaw(requestBytes(r), r.method === 'HEAD');
  }

  private parse(head: boolean): RawReply | null {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [statusLine, ...lines] = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const status = Number(statusLine!.split(' ')[1]);
    const bodiless = head || status === 204 || status === 304;
    const length = bodiless ? 0 : headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
    let body: Buffer;
    if (length !== null) {
      if (this.buf.length < end + 4 + length) return null;
      body = this.buf.subarray(end + 4, end + 4 + length);
      this.buf = this.buf.subarray(end + 4 + length);
    } else if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const nl = this.buf.indexOf('\r\n', at);
        if (nl < 0) return null;
        const size = parseInt(this.buf.subarray(at, nl).toString('latin1'), 16);
        if (this.buf.length < nl + 2 + size + 2) return null;
        chunks.push(this.buf.subarray(nl + 2, nl + 2 + size));
        at = nl + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
      this.buf = this.buf.subarray(at);
    } else {
      if (!this.ended) return null; // read until close
      body = this.buf.subarray(end + 4);
      this.buf = Buffer.alloc(0);
    }
    const closed = (headers.connection ?? '').toLowerCase() === 'close';
    if (closed) this.close();
    return { status, headers, body: body.toString('utf8'), closed };
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
    this.ended = true;
  }
}
