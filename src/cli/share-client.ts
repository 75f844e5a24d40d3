// The CLI's client of the Shared File Systems API v2: /v2/{project} with Manila's version
// header, names resolved to ids as the manila client does, faults as ApiErrors.
import { ApiError, faultOf, parse, type ClientOptions } from './client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ShareClient {
  readonly base: string;
  readonly project: string;
  private readonly token: string | undefined;

  constructor(o: ClientOptions = {}) {
    this.base = (o.url ?? process.env.FLINT_URL ?? 'http://127.0.0.1:8776').replace(/\/+$/, '');
    this.project = o.project ?? process.env.FLINT_PROJECT ?? 'admin';
    this.token = o.token ?? process.env.FLINT_TOKEN ?? process.env.OS_TOKEN;
  }

  shareId(nameOrId: string): Promise<string> {
    return this.resolve('share', 'shares', nameOrId);
  }

  snapshotId(nameOrId: string): Promise<string> {
    return this.resolve('share snapshot', 'snapshots', nameOrId);
  }

  private async resolve(kind: string, collection: string, nameOrId: string): Promise<string> {
    if (UUID.test(nameOrId)) return nameOrId;
    const found = (await this.call<Record<string, Array<{ id: string }>>>('GET', `/${collection}?name=${encodeURIComponent(nameOrId)}`))[collection] ?? [];
    if (found.length === 1) return found[0]!.id;
    if (found.length === 0) throw new ApiError(404, `No ${kind} has the id or name '${nameOrId}'.`);
    throw new ApiError(409, `${found.length} ${collection} are named '${nameOrId}'; give the id instead.`);
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'X-OpenStack-Manila-API-Version': '2.73', Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers['X-Auth-Token'] = this.token;
    let res: Response;
    try {
      res = await fetch(`${this.base}/v2/${encodeURIComponent(this.project)}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      throw new ApiError(0, `Cannot reach the Flint API at ${this.base}: ${(e as Error).message}. Is 'flint serve' running? (FLINT_URL)`);
    }
    const text = await res.text();
    const parsed = parse(text);
    if (!res.ok) throw faultOf(res.status, parsed, text);
    return parsed as T;
  }
}
