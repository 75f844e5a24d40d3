// What the API hooks attach to each request: the caller's context and the negotiated version.
import type { RequestContext } from '../volume/operations.js';
import type { ApiVersion } from './microversion.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    apiVersion: ApiVersion;
  }
  interface FastifyContextConfig {
    /** Lowest microversion that has this route ("3.27"). */
    minVersion?: string;
    /** Only admins may call this route. */
    adminOnly?: boolean;
    /** Not under /v3/{project_id}: version documents, no auth. */
    public?: boolean;
  }
}

export {};
