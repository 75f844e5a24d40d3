// A small NBD client (the "fixed newstyle" handshake and simple replies): random-access reads
// and writes of a volume that qemu-nbd serves on a private unix socket. The kernel has no NBD
// here and none is needed: this speaks the protocol itself. Requests are pipelined (each has a
// handle; replies may come in any order) and split to stay under the server's request limit.
import { connect, type Socket } from 'node:net';
import { BackendError } from '../errors/errors.js';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const OPT_EXPORT_NAME = 1;
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const TFLAG_READ_ONLY = 1 << 1;
const TFLAG_SEND_FLUSH = 1 << 2;
const TFLAG_SEND_WRITE_ZEROES = 1 << 6;
const CMD = { read: 0, write: 1, disc: 2, flush: 3, writeZeroes: 6 } as const;

/** qemu-nbd refuses requests over 32 MiB; smaller ones keep several in flight. */
const MAX_REQUEST = 4 * 1024 * 1024;
const MAX_IN_FLIGHT = 8;

export class NbdError extends BackendError {
  override readonly code = 'nbd_error';
}

interface Pending {
  readLength: number;
  resolve(data: Buffer): void;
  reject(e: Error): void;
}

export class NbdClient {
  private readonly pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private failure: Error | null = null;
  /** The reply being read: its header, until its data has arrived. */
  private current: { handle: bigint; error: number } | null = null;

  private constructor(private readonly sock: Socket, readonly sizeBytes: number, private readonly flags: number) {
    sock.on('data', (d) => this.onData(d));
    const fail = (e: Error) => this.failAll(e);
    sock.on('error', fail);
    sock.on('close', () => fail(new NbdError('NBD connection closed.')));
  }

  get readOnly(): boolean {
    return (this.flags & TFLAG_READ_ONLY) !== 0;
  }

  /** Connects to `socketPath` and negotiates the default export ("" as qemu-nbd names it). */
  static async connect(socketPath: string, exportName = ''): Promise<NbdClient> {
    const sock = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const reader = byteReader(sock);
    try {
      const hello = await reader(18);
      if (hello.readBigUInt64BE(0) !== NBDMAGIC || hello.readBigUInt64BE(8) !== IHAVEOPT) throw new NbdError('The NBD server is not a newstyle server.');
      const serverFlags = hello.readUInt16BE(16);
      if ((serverFlags & FLAG_FIXED_NEWSTYLE) === 0) throw new NbdError('The NBD server does not speak fixed newstyle.');
      const noZeroes = (serverFlags & FLAG_NO_ZEROES) !== 0;
      const clientFlags = Buffer.alloc(4);
      clientFlags.writeUInt32BE(FLAG_FIXED_NEWSTYLE | (noZeroes ? FLAG_NO_ZEROES : 0));
      const name = Buffer.from(exportName, 'utf8');
      const opt = Buffer.alloc(16);
      opt.writeBigUInt64BE(IHAVEOPT, 0);
      opt.writeUInt32BE(OPT_EXPORT_NAME, 8);
      opt.writeUInt32BE(name.length, 12);
      sock.write(Buffer.concat([clientFlags, opt, name]));
      const info = await reader(10 + (noZeroes ? 0 : 124));
      const size = Number(info.readBigUInt64BE(0));
      const flags = info.readUInt16BE(8);
      const client = new NbdClient(sock, size, flags);
      const rest = reader.rest();
      if (rest.length > 0) client.onData(rest);
      return client;
    } catch (e) {
      sock.destroy();
      throw e instanceof NbdError ? e : new NbdError(`NBD handshake failed: ${(e as Error).message}`);
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(offset + length, this.sizeBytes);
    const parts: Promise<Buffer>[] = [];
    for (let o = offset; o < end; o += MAX_REQUEST) parts.push(this.request(CMD.read, o, Math.min(MAX_REQUEST, end - o)));
    return Buffer.concat(await Promise.all(parts));
  }

  async write(offset: number, data: Buffer): Promise<void> {
    this.checkRange(offset, data.length);
    const parts: Promise<Buffer>[] = [];
    for (let o = 0; o < data.length; o += MAX_REQUEST) parts.push(this.request(CMD.write, offset + o, Math.min(MAX_REQUEST, data.length - o), data.subarray(o, o + MAX_REQUEST)));
    await Promise.all(parts);
  }

  /** Zeroes a range: NBD_CMD_WRITE_ZEROES when the server offers it (it may unmap), else zero-filled writes. */
  async writeZeroes(offset: number, length: number): Promise<void> {
    this.checkRange(offset, length);
    if ((this.flags & TFLAG_SEND_WRITE_ZEROES) === 0) {
      const zero = Buffer.alloc(Math.min(length, MAX_REQUEST));
      for (let o = 0; o < length; o += zero.length) await this.write(offset + o, zero.subarray(0, Math.min(zero.length, length - o)));
      return;
    }
    const parts: Promise<Buffer>[] = [];
    // No data travels with WRITE_ZEROES, so large requests cost nothing; 32 MiB is qemu's limit.
    for (let o = 0; o < length; o += 8 * MAX_REQUEST) parts.push(this.request(CMD.writeZeroes, offset + o, Math.min(8 * MAX_REQUEST, length - o)));
    await Promise.all(parts);
  }

  async flush(): Promise<void> {
    if ((this.flags & TFLAG_SEND_FLUSH) === 0) return;
    await this.request(CMD.flush, 0, 0);
  }

  /** Sends NBD_CMD_DISC and closes the socket (after the replies in flight). */
  async close(): Promise<void> {
    if (this.failure === null) {
      while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
      this.sock.write(header(CMD.disc, 0n, 0, 0));
    }
    this.failure ??= new NbdError('NBD connection closed.');
    await new Promise<void>((resolve) => this.sock.end(resolve));
    this.sock.destroy();
  }

  private checkRange(offset: number, length: number): void {
    if (offset < 0 || offset + length > this.sizeBytes) throw new NbdError(`NBD request ${offset}+${length} runs past the export's end (${this.sizeBytes} bytes).`);
  }

  private async request(type: number, offset: number, length: number, data?: Buffer): Promise<Buffer> {
    while (this.inFlight >= MAX_IN_FLIGHT && this.failure === null) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    const handle = this.nextHandle++;
    this.inFlight++;
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        this.pending.set(handle, { readLength: type === CMD.read ? length : 0, resolve, reject });
        this.sock.write(header(type, handle, offset, length));
        if (data) this.sock.write(data);
      });
    } finally {
      this.inFlight--;
      this.waiters.shift()?.();
    }
  }

  /** Received bytes not yet consumed, as the chunks they came in (concatenating each chunk would copy a 4 MiB reply 64 times). */
  private chunks: Buffer[] = [];
  private buffered = 0;

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.current === null) {
        if (this.buffered < 16) return;
        const h = this.take(16);
        if (h.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) {
          this.failAll(new NbdError('NBD reply with a bad magic number.'));
          this.sock.destroy();
          return;
        }
        this.current = { error: h.readUInt32BE(4), handle: h.readBigUInt64BE(8) };
      }
      const p = this.pending.get(this.current.handle);
      const want = p && this.current.error === 0 ? p.readLength : 0;
      if (this.buffered < want) return;
      const data = want > 0 ? this.take(want) : Buffer.alloc(0);
      const { error, handle } = this.current;
      this.current = null;
      if (!p) continue;
      this.pending.delete(handle);
      if (error !== 0) p.reject(new NbdError(`NBD request failed with error ${error} (${errnoName(error)}).`));
      else p.resolve(data);
    }
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}

function header(type: number, handle: bigint, offset: number, length: number): Buffer {
  const h = Buffer.alloc(28);
  h.writeUInt32BE(REQUEST_MAGIC, 0);
  h.writeUInt16BE(0, 4);
  h.writeUInt16BE(type, 6);
  h.writeBigUInt64BE(handle, 8);
  h.writeBigUInt64BE(BigInt(offset), 16);
  h.writeUInt32BE(length, 24);
  return h;
}

function errnoName(n: number): string {
  return ({ 1: 'EPERM', 5: 'EIO', 12: 'ENOMEM', 22: 'EINVAL', 28: 'ENOSPC', 75: 'EOVERFLOW', 95: 'ENOTSUP', 108: 'ESHUTDOWN' } as Record<number, string>)[n] ?? 'unknown';
}

/** Reads exact byte counts from a socket during the handshake; `rest()` hands over what came after. */
function byteReader(sock: Socket): ((n: number) => Promise<Buffer>) & { rest(): Buffer } {
  let buf: Buffer = Buffer.alloc(0);
  let want: { n: number; resolve(b: Buffer): void; reject(e: Error): void } | null = null;
  const pump = () => {
    if (want && buf.length >= want.n) {
      const out = buf.subarray(0, want.n);
      buf = buf.subarray(want.n);
      const w = want;
      want = null;
      w.resolve(out);
    }
  };
  const onData = (d: Buffer) => { buf = Buffer.concat([buf, d]); pump(); };
  const onEnd = () => want?.reject(new NbdError('The NBD server closed the connection during the handshake.'));
  sock.on('data', onData);
  sock.on('close', onEnd);
  const read = (n: number) => new Promise<Buffer>((resolve, reject) => { want = { n, resolve, reject }; pump(); });
  return Object.assign(read, {
    rest() {
      sock.off('data', onData);
      sock.off('close', onEnd);
      return buf;
    },
  });
}
