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

export class FlintClient {
  readonly base: string;
  readonly project: string;
  private readonly token: string | undefined;
  private readonly microversion: string;

  constructor(o: ClientOptions = {}) {
    this.base = (o.url ?? process.env.FLINT_URL ?? 'http://127.0.0.1:8776').replace(/\/+$/, '');
    this.project = o.project ?? process.env.FLINT_PROJECT ?? 'admin';
    this.token = o.token ?? process.env.FLINT_TOKEN ?? process.env.OS_TOKEN;
    this.microversion = o.microversion ?? '3.44';
  }

  /** A volume's id from its id or its name (as the openstack client resolves names). */
  volumeId(nameOrId: string): Promise<string> {
    return this.resolve('volume', 'volumes', nameOrId);
  }

  snapshotId(nameOrId: string): Promise<string> {
    return this.resolve('snapshot', 'snapshots', nameOrId);
  }

  private async resolve(kind: string, collection: string, nameOrId: string): Promise<string> {
    if (UUID.test(nameOrId)) return nameOrId;
    const found = (await this.call<Record<string, Array<{ id: string }>>>('GET', `/${collection}?name=${encodeURIComponent(nameOrId)}`))[collection] ?? [];
    if (found.length === 1) return found[0]!.id;
    if (found.length === 0) throw new ApiError(404, `No ${kind} has the id or name '${nameOrId}'.`);
    throw new ApiError(409, `${found.length} ${collection} are named '${nameOrId}'; give the id instead.`);
  }

  /** A request under /v3/{project}; returns the parsed body (null when empty). */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'OpenStack-API-Version': `volume ${this.microversion}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers['X-Auth-Token'] = this.token;
    let res: Response;
    try {
      res = await fetch(`${this.base}/v3/${encodeURIComponent(this.project)}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      throw new ApiError(0, `Cannot reach the Flint API at ${this.base}: ${(e as Error).cause ? String((e as Error & { cause: Error }).cause.message) : (e as Error).message}. Is 'flint serve' running? (FLINT_URL)`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const fault = parsed && typeof parsed === 'object' ? (Object.values(parsed)[0] as { message?: string } | undefined) : undefined;
      throw new ApiError(res.status, fault?.message ?? `HTTP ${res.status}: ${String(text).slice(0, 200)}`);
    }
    return parsed as T;
  }
}
