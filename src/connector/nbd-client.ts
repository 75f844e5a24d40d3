// A small NBD client (the "fixed newstyle" handshake, simple and structured replies): random-
// access reads and writes of a volume that qemu-nbd serves on a private unix socket. The kernel
// has no NBD here and none is needed: this speaks the protocol itself. Requests are pipelined
// (each has a handle; replies may come in any order) and split to stay under the server's
// request limit. When the server offers structured replies and the `base:allocation` metadata
// context, `zeroExtents` tells which ranges read as zeroes without reading them (qemu-nbd learns
// it from the file's holes, or over iSCSI from GET LBA STATUS on a thin-provisioned LUN).
import { connect, type Socket } from 'node:net';
import { BackendError } from '../errors/errors.js';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const STRUCTURED_REPLY_MAGIC = 0x668e33ef;
const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
const OPT_EXPORT_NAME = 1;
const OPT_GO = 7;
const OPT_STRUCTURED_REPLY = 8;
const OPT_SET_META_CONTEXT = 10;
const REP_ACK = 1;
const REP_INFO = 3;
const REP_META_CONTEXT = 4;
const REP_ERR_UNSUP = 0x80000001;
const INFO_EXPORT = 0;
const REPLY_FLAG_DONE = 1;
const REPLY_TYPE = { none: 0, offsetData: 1, offsetHole: 2, blockStatus: 5 } as const;
const REPLY_TYPE_ERROR_BIT = 1 << 15;
const ALLOCATION_CONTEXT = 'base:allocation';
/** base:allocation flags: the range reads as zeroes. */
const STATE_ZERO = 2;
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const TFLAG_READ_ONLY = 1 << 1;
const TFLAG_SEND_FLUSH = 1 << 2;
const TFLAG_SEND_WRITE_ZEROES = 1 << 6;
const CMD = { read: 0, write: 1, disc: 2, flush: 3, writeZeroes: 6, blockStatus: 7 } as const;
/** Block status requests cover up to this much at once (the length field is 32 bits). */
const MAX_STATUS_REQUEST = 2 ** 31;

/** qemu-nbd refuses requests over 32 MiB; smaller ones keep several in flight. */
const MAX_REQUEST = 4 * 1024 * 1024;
const MAX_IN_FLIGHT = 8;

export class NbdError extends BackendError {
  override readonly code = 'nbd_error';
}

interface Pending {
  readLength: number;
  /** Where the request starts: structured read chunks say where their bytes go by absolute offset. */
  offset: number;
  /** A structured read's result, assembled from its chunks (holes stay zero). */
  assembled: Buffer | null;
  /** A block status request's extents: length and flags, in order. */
  extents: Array<{ length: number; flags: number }>;
  /** The first error chunk of a structured reply; the request fails when the reply is done. */
  error: number;
  resolve(data: Buffer): void;
  reject(e: Error): void;
}

/** A range and whether it reads as zeroes. */
export interface Extent {
  offset: number;
  length: number;
  zero: boolean;
}

interface Negotiated {
  sizeBytes: number;
  flags: number;
  structured: boolean;
  /** The id the server gave `base:allocation`; null when it offers no allocation status. */
  allocationContext: number | null;
}

export class NbdClient {
  private readonly pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private failure: Error | null = null;
  /** The reply being read: its header, until its data has arrived. */
  private current: { handle: bigint; error: number; structured: null | { flags: number; type: number; length: number } } | null = null;
  readonly sizeBytes: number;
  private readonly flags: number;
  private readonly structured: boolean;
  private readonly allocationContext: number | null;

  private constructor(private readonly sock: Socket, n: Negotiated) {
    this.sizeBytes = n.sizeBytes;
    this.flags = n.flags;
    this.structured = n.structured;
    this.allocationContext = n.structured ? n.allocationContext : null;
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
      sock.write(clientFlags);
      const negotiated = await negotiate(sock, reader, exportName, noZeroes);
      const client = new NbdClient(sock, negotiated);
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

  /** True when the server reports which ranges read as zeroes (see zeroExtents). */
  get knowsZeroes(): boolean {
    return this.allocationContext !== null;
  }

  /**
   * The extents covering [offset, offset + length), each marked whether it reads as zeroes;
   * null when the server reports no allocation status (then nothing is known without reading).
   */
  async zeroExtents(offset: number, length: number): Promise<Extent[] | null> {
    if (this.allocationContext === null) return null;
    this.checkRange(offset, length);
    const out: Extent[] = [];
    const end = offset + length;
    let at = offset;
    while (at < end) {
      const p = await this.requestStatus(at, Math.min(MAX_STATUS_REQUEST, end - at));
      if (p.length === 0) throw new NbdError(`NBD block status at ${at} returned no extents.`);
      for (const e of p) {
        const len = Math.min(e.length, end - at);
        if (len <= 0) break;
        const last = out[out.length - 1];
        const zero = (e.flags & STATE_ZERO) !== 0;
        if (last && last.zero === zero) last.length += len;
        else out.push({ offset: at, length: len, zero });
        at += len;
      }
    }
    return out;
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

  private async requestStatus(offset: number, length: number): Promise<Array<{ length: number; flags: number }>> {
    let extents: Array<{ length: number; flags: number }> = [];
    await this.request(CMD.blockStatus, offset, length, undefined, (p) => { extents = p.extents; });
    return extents;
  }

  private async request(type: number, offset: number, length: number, data?: Buffer, onDone?: (p: Pending) => void): Promise<Buffer> {
    while (this.inFlight >= MAX_IN_FLIGHT && this.failure === null) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    const handle = this.nextHandle++;
    this.inFlight++;
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const p: Pending = {
          readLength: type === CMD.read ? length : 0, offset, assembled: null, extents: [], error: 0,
          resolve: (d) => { onDone?.(p); resolve(d); }, reject,
        };
        this.pending.set(handle, p);
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
        if (this.buffered < 4) return;
        if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
        const magic = this.chunks[0]!.readUInt32BE(0);
        if (magic === SIMPLE_REPLY_MAGIC) {
          if (this.buffered < 16) return;
          const h = this.take(16);
          this.current = { error: h.readUInt32BE(4), handle: h.readBigUInt64BE(8), structured: null };
        } else if (magic === STRUCTURED_REPLY_MAGIC && this.structured) {
          if (this.buffered < 20) return;
          const h = this.take(20);
          this.current = { error: 0, handle: h.readBigUInt64BE(8), structured: { flags: h.readUInt16BE(4), type: h.readUInt16BE(6), length: h.readUInt32BE(16) } };
        } else {
          this.failAll(new NbdError('NBD reply with a bad magic number.'));
          this.sock.destroy();
          return;
        }
      }
      const p = this.pending.get(this.current.handle);
      const sr = this.current.structured;
      if (sr) {
        if (this.buffered < sr.length) return;
        const payload = sr.length > 0 ? this.take(sr.length) : Buffer.alloc(0);
        const handle = this.current.handle;
        this.current = null;
        if (!p) continue;
        this.onChunk(p, sr.type, payload);
        if ((sr.flags & REPLY_FLAG_DONE) === 0) continue;
        this.pending.delete(handle);
        if (p.error !== 0) p.reject(new NbdError(`NBD request failed with error ${p.error} (${errnoName(p.error)}).`));
        else p.resolve(p.assembled ?? Buffer.alloc(0));
        continue;
      }
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

  /** One chunk of a structured reply: read data, a hole, block status, or an error. */
  private onChunk(p: Pending, type: number, payload: Buffer): void {
    if (type & REPLY_TYPE_ERROR_BIT) {
      p.error ||= payload.length >= 4 ? payload.readUInt32BE(0) || 5 : 5;
      return;
    }
    if (type === REPLY_TYPE.offsetData || type === REPLY_TYPE.offsetHole) {
      p.assembled ??= Buffer.alloc(p.readLength);
      const at = Number(payload.readBigUInt64BE(0)) - p.offset;
      const len = type === REPLY_TYPE.offsetData ? payload.length - 8 : payload.readUInt32BE(8);
      if (at < 0 || at + len > p.readLength) { p.error ||= 5; return; }
      // A hole reads as zeroes, which the assembled buffer already holds.
      if (type === REPLY_TYPE.offsetData) payload.copy(p.assembled, at, 8);
    } else if (type === REPLY_TYPE.blockStatus) {
      if (payload.readUInt32BE(0) !== this.allocationContext) return;
      for (let o = 4; o + 8 <= payload.length; o += 8) p.extents.push({ length: payload.readUInt32BE(o), flags: payload.readUInt32BE(o + 4) });
    }
    // REPLY_TYPE.none, or a type this client never asked for: nothing to keep.
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}

type Reader = (n: number) => Promise<Buffer>;

function sendOption(sock: Socket, option: number, data: Buffer): void {
  const h = Buffer.alloc(16);
  h.writeBigUInt64BE(IHAVEOPT, 0);
  h.writeUInt32BE(option, 8);
  h.writeUInt32BE(data.length, 12);
  sock.write(Buffer.concat([h, data]));
}

async function optionReply(reader: Reader, option: number): Promise<{ type: number; data: Buffer }> {
  const h = await reader(20);
  if (h.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC || h.readUInt32BE(8) !== option) throw new NbdError(`Bad NBD reply to option ${option}.`);
  const length = h.readUInt32BE(16);
  return { type: h.readUInt32BE(12), data: length > 0 ? await reader(length) : Buffer.alloc(0) };
}

const isErrorReply = (type: number) => (type & 0x80000000) !== 0;
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

/**
 * Options haggling: structured replies and the allocation context when offered (a server that
 * refuses either is still usable), then NBD_OPT_GO, or NBD_OPT_EXPORT_NAME for a server without it.
 */
async function negotiate(sock: Socket, reader: Reader, exportName: string, noZeroes: boolean): Promise<Negotiated> {
  const name = Buffer.from(exportName, 'utf8');
  sendOption(sock, OPT_STRUCTURED_REPLY, Buffer.alloc(0));
  const structured = (await optionReply(reader, OPT_STRUCTURED_REPLY)).type === REP_ACK;
  let allocationContext: number | null = null;
  if (structured) {
    const query = Buffer.from(ALLOCATION_CONTEXT, 'utf8');
    sendOption(sock, OPT_SET_META_CONTEXT, Buffer.concat([u32(name.length), name, u32(1), u32(query.length), query]));
    for (;;) {
      const r = await optionReply(reader, OPT_SET_META_CONTEXT);
      if (r.type === REP_META_CONTEXT && r.data.subarray(4).toString('utf8') === ALLOCATION_CONTEXT) allocationContext = r.data.readUInt32BE(0);
      else if (r.type === REP_ACK || isErrorReply(r.type)) break;
    }
  }
  const info = Buffer.alloc(2); // no particular information requests: NBD_INFO_EXPORT always comes
  sendOption(sock, OPT_GO, Buffer.concat([u32(name.length), name, info]));
  let exportInfo: { sizeBytes: number; flags: number } | null = null;
  for (;;) {
    const r = await optionReply(reader, OPT_GO);
    if (r.type === REP_INFO && r.data.readUInt16BE(0) === INFO_EXPORT) {
      exportInfo = { sizeBytes: Number(r.data.readBigUInt64BE(2)), flags: r.data.readUInt16BE(10) };
    } else if (r.type === REP_ACK) {
      if (!exportInfo) throw new NbdError('The NBD server ended NBD_OPT_GO without the export\'s size.');
      return { ...exportInfo, structured, allocationContext };
    } else if (r.type === REP_ERR_UNSUP) {
      break;
    } else if (isErrorReply(r.type)) {
      throw new NbdError(`The NBD server refused export '${exportName}' (reply ${r.type >>> 0}: ${r.data.toString('utf8').slice(0, 200)}).`);
    }
  }
  sendOption(sock, OPT_EXPORT_NAME, name);
  const legacy = await reader(10 + (noZeroes ? 0 : 124));
  return { sizeBytes: Number(legacy.readBigUInt64BE(0)), flags: legacy.readUInt16BE(8), structured, allocationContext };
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
