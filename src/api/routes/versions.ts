// Version discovery, as Cinder answers it: GET / lists the API versions (300 Multiple
// Choices), GET /v3/ the same document with 200. Each version links to its docs and itself.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { baseUrl } from '../http.js';
import { MAX_VERSION, MIN_VERSION } from '../microversion.js';
import { v2Document, wantsShareVersions } from './share/share-versions.js';

const UPDATED = '2026-01-01T00:00:00Z';

function v3Document(req: FastifyRequest) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: UPDATED,
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${baseUrl(req)}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

export function versionRoutes(root: FastifyInstance): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const config = { public: true };
  app.get('/', { config }, async (req, reply) => {
    // Manila's client discovers its range at `/` too; it says so with its version header.
    if (wantsShareVersions(req)) return { versions: [v2Document(req)] };
    reply.code(300);
    return { versions: [v3Document(req)] };
  });
  app.get('/v3', { config }, async (req) => ({ versions: [v3Document(req)] }));
  app.get('/v3/', { config }, async (req) => ({ versions: [v3Document(req)] }));
}
