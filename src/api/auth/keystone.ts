// Keystone v3 token validation, as keystonemiddleware does it: the service validates each
// user token with its own token (GET /v3/auth/tokens) and caches the answer for at most
// token_cache_time (300 s by default) and never past shortly before the token expires, so a
// revoked token stops working within that time. A token Keystone refused is remembered
// briefly, so a flood of one bogus token costs one Keystone call, not one per request.
import { keystoneTokenCache } from '../../util/metrics.js';
import { createHash } from 'node:crypto';
import { Forbidden, Unauthorized } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { AuthServiceUnavailable, header, type Authenticator, type Identity } from './authenticator.js';
import type { AuthConfig } from '../deps.js';

type KeystoneConfig = Extract<AuthConfig, { strategy: 'keystone' }>;

interface CachedIdentity {
  identity: Identity;
  /** ms since epoch after which the entry is not used. */
  validUntil: number;
}

/** Bounded so a flood of distinct bad tokens cannot grow memory without limit. */
const MAX_CACHE_ENTRIES = 10_000;
/** keystonemiddleware's token_cache_time default. */
export const DEFAULT_TOKEN_CACHE_SECONDS = 300;
/** How long a refused token is remembered: long enough to absorb a flood, short enough for a replica lagging behind. */
const NEGATIVE_CACHE_MS = 30_000;

/** Tokens are kept by digest: entries stay small whatever a client sends. */
const cacheKey = (token: string) => createHash('sha256').update(token).digest('base64');

/** A Map with a size bound: expired entries go first, then the oldest half. */
class BoundedCache<V extends { validUntil: number }> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const v = this.map.get(key);
    if (v && v.validUntil <= now) {
      this.map.delete(key);
      return undefined;
    }
    return v;
  }

  set(key: string, value: V, now: number): void {
    if (this.map.size >= this.max) {
      for (const [k, v] of this.map) if (v.validUntil <= now) this.map.delete(k);
      let n = this.map.size >= this.max ? this.max / 2 : 0;
      for (const k of this.map.keys()) {
        if (n-- <= 0) break;
        this.map.delete(k);
      }
    }
    this.map.set(key, value);
  }
}

export class KeystoneAuth implements Authenticator {
  private readonly base: string;
  private readonly cache = new BoundedCache<CachedIdentity>(MAX_CACHE_ENTRIES);
  /** Tokens Keystone said are invalid, with when to ask again. */
  private readonly refused = new BoundedCache<{ validUntil: number }>(MAX_CACHE_ENTRIES);
  /** Validations under way, so concurrent requests with one new token ask Keystone once. */
  private readonly inFlight = new Map<string, Promise<Identity>>();
  private serviceToken: { token: string; validUntil: number } | null = null;
  private readonly adminRoles: string[];
  private readonly marginMs: number;
  private readonly cacheTtlMs: number;

  constructor(private readonly config: KeystoneConfig, private readonly fetchImpl: typeof fetch = fetch) {
    this.base = config.keystoneUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.adminRoles = config.adminRoles ?? ['admin'];
    this.marginMs = (config.cacheMarginSeconds ?? 30) * 1000;
    this.cacheTtlMs = (config.tokenCacheSeconds ?? DEFAULT_TOKEN_CACHE_SECONDS) * 1000;
    if (!config.serviceToken && !config.serviceCredentials) {
      throw new Unauthorized('Keystone auth needs serviceToken or serviceCredentials.');
    }
  }

  wwwAuthenticate(): string {
    return `Keystone uri="${this.base}"`;
  }

  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<Identity> {
    const token = header(headers, 'x-auth-token');
    if (!token) throw new Unauthorized('Authentication required: send a Keystone token in X-Auth-Token.');
    const now = clock().now().getTime();
    const key = cacheKey(token);
    const hit = this.cache.get(key, now);
    if (hit) {
      keystoneTokenCache.inc({ result: 'hit' });
      return hit.identity;
    }
    keystoneTokenCache.inc({ result: 'miss' });
    if (this.refused.get(key, now)) throw invalidToken();
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = this.validateAndCache(token, key, now).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private async validateAndCache(token: string, key: string, now: number): Promise<Identity> {
    let res = await this.validate(token, await this.getServiceToken(false));
    if (res.status === 401 || res.status === 403) res = await this.validate(token, await this.getServiceToken(true));
    if (res.status === 404 || res.status === 401) {
      this.refused.set(key, { validUntil: now + NEGATIVE_CACHE_MS }, now);
      throw invalidToken();
    }
    if (res.status !== 200) throw new AuthServiceUnavailable(`Keystone answered ${res.status} when validating a token.`);
    const body = (await res.json()) as { token?: KeystoneToken };
    const t = body.token;
    if (!t?.user?.id) throw new AuthServiceUnavailable('Keystone returned a token without a user.');
    const roles = (t.roles ?? []).map((r) => r.name);
    const identity: Identity = {
      userId: t.user.id,
      projectId: t.project?.id ?? null,
      roles,
      isAdmin: roles.some((r) => this.adminRoles.includes(r)),
    };
    // An unscoped or domain-scoped token would otherwise reach any project named in a URL.
    if (!identity.projectId && !identity.isAdmin) throw new Forbidden('The token is not scoped to a project; ask Keystone for a project-scoped token.');
    const expires = t.expires_at ? Date.parse(t.expires_at) : now;
    const usableUntil = expires - this.marginMs;
    if (!(usableUntil > now)) throw new Unauthorized('The request you have made requires authentication: token expired.');
    this.cache.set(key, { identity, validUntil: Math.min(usableUntil, now + this.cacheTtlMs) }, now);
    return identity;
  }

  private async validate(userToken: string, serviceToken: string): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.base}/v3/auth/tokens?nocatalog`, {
        headers: { 'X-Auth-Token': serviceToken, 'X-Subject-Token': userToken, Accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new AuthServiceUnavailable('Keystone could not be reached to validate the token.', { cause: e });
    }
  }

  private async getServiceToken(refresh: boolean): Promise<string> {
    if (this.config.serviceToken) return this.config.serviceToken;
    const now = clock().now().getTime();
    if (!refresh && this.serviceToken && this.serviceToken.validUntil > now) return this.serviceToken.token;
    const c = this.config.serviceCredentials!;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}/v3/auth/tokens?nocatalog`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName ?? 'Default' } } } },
            scope: { project: { name: c.projectName, domain: { name: c.projectDomainName ?? 'Default' } } },
          },
        }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new AuthServiceUnavailable('Keystone could not be reached to get the service token.', { cause: e });
    }
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new AuthServiceUnavailable(`Keystone refused the service credentials (status ${res.status}).`);
    const body = (await res.json().catch(() => ({}))) as { token?: KeystoneToken };
    const expires = body.token?.expires_at ? Date.parse(body.token.expires_at) : now + 3_600_000;
    this.serviceToken = { token, validUntil: expires - this.marginMs };
    return token;
  }
}

function invalidToken(): Unauthorized {
  return new Unauthorized('The request you have made requires authentication: token invalid or expired.');
}

interface KeystoneToken {
  user?: { id: string; name?: string };
  project?: { id: string; name?: string };
  roles?: { id: string; name: string }[];
  expires_at?: string;
}
