// The CLI's HTTP client for the Flint API: FLINT_URL / FLINT_PROJECT, OpenStack fault bodies as errors.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface ClientOptions {
  url?: string;
  project?: string;
  token?: string;
  microversion?: string;
}

/** Which OpenStack API a client speaks: its URL prefix and how it asks for a microversion. */
export interface ApiDialect {
  prefix: string;
  defaultMicroversion: string;
  versionHeaders(microversion: string): Record<string, string>;
}

export const BLOCK_STORAGE_V3: ApiDialect = {
  prefix: 'v3', defaultMicroversion: '3.44', versionHeaders: (mv) => ({ 'OpenStack-API-Version': `volume ${mv}` }),
};
export const SHARED_FILE_SYSTEMS_V2: ApiDialect = {
  prefix: 'v2', defaultMicroversion: '2.73', versionHeaders: (mv) => ({ 'X-OpenStack-Manila-API-Version': mv }),
};

export class FlintClient {
  readonly base: string;
  readonly project: string;
  private readonly token: string | undefined;
  private readonly microversion: string;

  constructor(o: ClientOptions = {}, private readonly api: ApiDialect = BLOCK_STORAGE_V3) {
    this.base = (o.url ?? process.env.FLINT_URL ?? 'http://127.0.0.1:8776').replace(/\/+$/, '');
    this.project = o.project ?? process.env.FLINT_PROJECT ?? 'admin';
    this.token = o.token ?? process.env.FLINT_TOKEN ?? process.env.OS_TOKEN;
    this.microversion = o.microversion ?? api.defaultMicroversion;
  }

  /** A volume's id from its id or its name (as the openstack client resolves names). */
  volumeId(nameOrId: string): Promise<string> {
    return this.resolve('volume', 'volumes', nameOrId);
  }

  snapshotId(nameOrId: string): Promise<string> {
    return this.resolve('snapshot', 'snapshots', nameOrId);
  }

  protected async resolve(kind: string, collection: string, nameOrId: string): Promise<string> {
    if (UUID.test(nameOrId)) return nameOrId;
    const found = (await this.call<Record<string, Array<{ id: string }>>>('GET', `/${collection}?name=${encodeURIComponent(nameOrId)}`))[collection] ?? [];
    if (found.length === 1) return found[0]!.id;
    if (found.length === 0) throw new ApiError(404, `No ${kind} has the id or name '${nameOrId}'.`);
    throw new ApiError(409, `${found.length} ${collection} are named '${nameOrId}'; give the id instead.`);
  }

  /** A request under /v3/{project} (/v2 for shares); returns the parsed body (null when empty). */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    const parsed = parse(text);
    if (!res.ok) throw faultOf(res.status, parsed, text);
    return parsed as T;
  }

  /**
   * A request whose body or answer is a byte stream (image transfers): no overall timeout,
   * since a large image may take long; the response is returned unread when it succeeds.
   */
  async stream(method: string, path: string, body?: { stream: ReadableStream<Uint8Array>; length?: number }): Promise<Response> {
    const res = await this.fetch(method, path, body ? { body: body.stream, contentType: 'application/octet-stream', length: body.length } : {});
    if (!res.ok) {
      const text = await res.text();
      throw faultOf(res.status, parse(text), text);
    }
    return res;
  }

  private async fetch(method: string, path: string, o: { body?: string | ReadableStream<Uint8Array>; contentType?: string; length?: number; signal?: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = { ...this.api.versionHeaders(this.microversion), Accept: 'application/json' };
    if (o.contentType) headers['Content-Type'] = o.contentType;
    if (o.length !== undefined) headers['Content-Length'] = String(o.length);
    if (this.token) headers['X-Auth-Token'] = this.token;
    try {
      // duplex 'half' is what fetch requires to send a stream as the body.
      return await fetch(`${this.base}/${this.api.prefix}/${encodeURIComponent(this.project)}${path}`, {
        method, headers, body: o.body, signal: o.signal, ...(typeof o.body === 'object' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      throw new ApiError(0, `Cannot reach the Flint API at ${this.base}: ${(e as Error).cause ? String((e as Error & { cause: Error }).cause.message) : (e as Error).message}. Is 'flint serve' running? (FLINT_URL)`);
    }
  }
}

export function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An OpenStack fault body (`{"itemNotFound": {"message": …}}`) as an ApiError. */
export function faultOf(status: number, parsed: unknown, text: string): ApiError {
  const fault = parsed && typeof parsed === 'object' ? (Object.values(parsed)[0] as { message?: string } | undefined) : undefined;
  return new ApiError(status, fault?.message ?? `HTTP ${status}: ${String(text).slice(0, 200)}`);
}
