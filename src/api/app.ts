// Builds the Fastify app: JSON parsing, microversions (per mounted API), auth, the one error
// handler, and each mounted API's routes (Block Storage v3 today; Shared File Systems v2 next).
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Forbidden, InvalidInput, NotFound } from '../errors/errors.js';
import { CALLER_PROJECT, rewriteProjectlessUrl } from './project-less-urls.js';
import type { ApiDeps } from './deps.js';
import './request-state.js';
import { connectMethodHandler, faultBody, frameworkErrorHandler, httpClientErrorHandler, makeErrorHandler } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { checkQueryBounds } from './http.js';
import {
  atLeast, BLOCK_STORAGE_V3, fmt, negotiate, parseVersion, versionHeaders, VersionNotFoundForMethod, type MicroversionSpec,
} from './microversion.js';
import { createAuthenticator } from './auth/create-authenticator.js';
import { versionRoutes } from './routes/versions.js';
import { volumeRoutes } from './routes/volumes.js';
import { volumeActionRoutes } from './routes/volume-actions.js';
import { metadataRoutes } from './routes/metadata.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { typeRoutes } from './routes/types.js';
import { qosSpecsRoutes } from './routes/qos-specs.js';
import { attachmentRoutes } from './routes/attachments.js';
import { quotaRoutes } from './routes/quotas.js';
import { limitsRoutes } from './routes/limits.js';
import { serviceRoutes } from './routes/services.js';
import { availabilityZoneRoutes } from './routes/availability-zones.js';
import { poolRoutes } from './routes/pools.js';
import { messageRoutes } from './routes/messages.js';
import { manageRoutes } from './routes/manage.js';
import { snapshotManageRoutes } from './routes/snapshot-manage.js';
import { flintRoutes } from './routes/flint.js';
import { imageRoutes } from './routes/images.js';
import { operatorRoutes } from './routes/operator.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { httpRequestDuration, httpRequests } from '../util/metrics.js';
import { transferRoutes } from './routes/transfers.js';
import { quotaClassRoutes } from './routes/quota-classes.js';
import { extensionRoutes } from './routes/extensions.js';
import { hostRoutes } from './routes/hosts.js';
import { typeEncryptionRoutes } from './routes/type-encryption.js';
import { groupTypeRoutes } from './routes/group-types.js';
import { groupRoutes } from './routes/groups.js';
import { groupSnapshotRoutes } from './routes/group-snapshots.js';
import { consistencyGroupRoutes } from './routes/consistency-groups.js';
import { backupRoutes } from './routes/backups.js';

/** Bodies larger than this are refused (413) before parsing. */
const BODY_LIMIT = 1024 * 1024;
/** Ids and names in paths are at most 255 characters, as the schemas say; longer is a 400. */
const MAX_PATH_SEGMENT = 255;
/** Roles that may only read: a caller with no other role gets 403 on every write. */
const READ_ONLY_ROLES = new Set(['reader']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One API on the app: the URL prefix its routes live under, its microversions, its routes. */
export interface ApiMount {
  prefix: string;
  versions: MicroversionSpec;
  register(app: FastifyInstance, deps: ApiDeps): void;
}

/** The Block Storage API v3 (Cinder's), under /v3. */
export const BLOCK_STORAGE_API: ApiMount = {
  prefix: '/v3',
  versions: BLOCK_STORAGE_V3,
  register(app, deps) {
    for (const register of [
      volumeRoutes, volumeActionRoutes, metadataRoutes, snapshotRoutes, typeRoutes, qosSpecsRoutes, attachmentRoutes,
      quotaRoutes, limitsRoutes, serviceRoutes, availabilityZoneRoutes, poolRoutes, messageRoutes, manageRoutes, snapshotManageRoutes, flintRoutes, imageRoutes,
      transferRoutes, quotaClassRoutes, extensionRoutes, hostRoutes, typeEncryptionRoutes,
      groupTypeRoutes, groupRoutes, groupSnapshotRoutes, consistencyGroupRoutes, backupRoutes,
    ]) {
      register(app, deps);
    }
  },
};

/** `mounts`: the APIs served; the first also answers routes under no mount's prefix (version documents). */
export function buildApiApp(deps: ApiDeps, mounts: readonly ApiMount[] = [BLOCK_STORAGE_API]): FastifyInstance {
  const mountOf = (url: string): ApiMount => mounts.find((m) => url === m.prefix || url.startsWith(`${m.prefix}/`)) ?? mounts[0]!;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    genReqId: () => `req-${randomUUID()}`,
    rewriteUrl: rewriteProjectlessUrl,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    // Errors raised before a request reaches a route (bad URL, malformed HTTP, huge headers)
    // get the same OpenStack fault body as every other error.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: httpClientErrorHandler,
    // Bodies are validated as sent: a string is not silently a number, unknown keys are not stripped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  }) as unknown as FastifyInstance;

  // Without a listener Node closes a CONNECT's socket without a word.
  app.server.on('connect', connectMethodHandler);

  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.decorateRequest('ctx', null as never);
  app.decorateRequest('apiVersion', null as never);
  app.setErrorHandler(makeErrorHandler(deps.logger));
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).header('x-openstack-request-id', req.id).send(faultBody(404, `The resource could not be found: ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}.`));
  });

  const auth = createAuthenticator(deps.auth);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
    const api = mountOf(req.routeOptions.url ?? '');
    req.apiVersion = parseVersion(api.versions.min)!;
    const config = req.routeOptions.config ?? {};
    if (req.routeOptions.url === undefined) return;
    const query = req.query as Record<string, string | string[] | undefined>;
    if (config.public) return checkQueryBounds(query);
    req.apiVersion = negotiate(req.headers, api.versions);
    reply.headers(versionHeaders(api.versions, req.apiVersion));
    let identity;
    try {
      identity = await auth.authenticate(req.headers);
    } catch (e) {
      reply.header('www-authenticate', auth.wwwAuthenticate());
      throw e;
    }
    let urlProject = (req.params as { projectId?: string }).projectId ?? identity.projectId ?? '';
    if (urlProject === CALLER_PROJECT) {
      const own = identity.projectId ?? identity.tokenProject;
      if (!own) throw new InvalidInput('This URL has no project id and the credentials name no project; put the project id in the URL.');
      urlProject = own;
    }
    if (identity.projectId !== null && identity.projectId !== urlProject && !identity.isAdmin) {
      throw new Forbidden(`Policy doesn't allow access to project ${urlProject.slice(0, 64)}: the token is scoped to another project.`);
    }
    // After authentication (a stranger learns nothing but 401), before any route reads the query.
    checkQueryBounds(query);
    if (!READ_METHODS.has(req.method) && !identity.isAdmin && identity.roles.every((r) => READ_ONLY_ROLES.has(r))) {
      throw new Forbidden(`Policy doesn't allow ${req.method} ${req.routeOptions.url} to be performed: the reader role may only read.`);
    }
    req.ctx = { projectId: urlProject, userId: identity.userId, isAdmin: identity.isAdmin, roles: identity.roles, requestId: req.id };
    if (config.minVersion && !atLeast(req.apiVersion, config.minVersion)) {
      throw new VersionNotFoundForMethod(`API version ${fmt(req.apiVersion)} does not support ${req.method} ${req.routeOptions.url}; it needs ${config.minVersion} or later.`);
    }
    if (config.adminOnly && !identity.isAdmin) {
      throw new Forbidden(`Policy doesn't allow ${req.method} ${req.routeOptions.url} to be performed: admin role required.`);
    }
    // PUT /volumes/ names no volume: Cinder's router answers 404 before reading the body, so
    // an empty id is not found here too, whatever the body would have said.
    if ((req.params as { id?: string }).id === '') throw new NotFound('Resource', `with an empty id at ${req.method} ${req.routeOptions.url}`);
  });

  // Counted by route template (never the raw URL: ids would make one series per volume).
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ route, method: req.method, status: String(reply.statusCode) });
    httpRequestDuration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  versionRoutes(app);
  operatorRoutes(app, deps);
  dashboardRoutes(app, deps);
  for (const m of mounts) m.register(app, deps);
  return app;
}
