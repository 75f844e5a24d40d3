// Version discovery of the Shared File Systems API: GET /v2 describes v2. GET / answers with
// Manila's versions when the request carries Manila's version header (manilaclient discovers
// the server's range there); otherwise it is the Block Storage API's document (routes/versions.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { baseUrl } from '../../http.js';
import { SHARED_FILE_SYSTEMS_V2 } from '../../microversion.js';

export function v2Document(req: FastifyRequest) {
  return {
    id: 'v2.0',
    status: 'CURRENT',
    version: SHARED_FILE_SYSTEMS_V2.max,
    min_version: SHARED_FILE_SYSTEMS_V2.min,
    updated: '2015-08-27T11:33:21Z',
    links: [{ rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }, { rel: 'self', href: `${baseUrl(req)}/v2/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.share+json;version=1' }],
  };
}

/** Whether a request to `/` is Manila's client discovering versions. */
export function wantsShareVersions(req: FastifyRequest): boolean {
  return req.headers[SHARED_FILE_SYSTEMS_V2.legacyHeader.toLowerCase()] !== undefined && req.headers['openstack-volume-microversion'] === undefined;
}

export function shareVersionRoutes(app: FastifyInstance): void {
  const config = { public: true };
  app.get('/v2', { config }, async (req) => ({ version: v2Document(req) }));
  app.get('/v2/', { config }, async (req) => ({ version: v2Document(req) }));
}
