// POST /v2/{project_id}/shares/{id}/action: Manila's share actions, by their 2.7+ names and
// the `os-` names older microversions use.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { Forbidden, InvalidInput } from '../../../errors/errors.js';
import { getShare } from '../../../db/repos/shares.js';
import { accessRulesOf } from '../../../db/repos/share-access.js';
import { metadataFor } from '../../../db/repos/metadata.js';
import { atLeast } from '../../microversion.js';
import { accessRuleView } from '../../views/share-view.js';
import { V2, optBool, optString, optStringMap, reqSize, reqString, sharesOf, type Body } from './share-http.js';

type Params = { projectId: string; id: string };
type Handler = (deps: ApiDeps, req: FastifyRequest<{ Params: Params }>, arg: Body) => Promise<{ code: number; body: unknown }>;

const accepted = { code: 202, body: null };

/** Action name (without `os-`) → its handler and the microversion that introduced it. */
const ACTIONS: Record<string, { min?: string; run: Handler }> = {
  extend: {
    async run(deps, req, a) {
      await sharesOf(deps).extendShare(req.ctx, req.params.id, reqSize(a, 'new_size'), optBool(a, 'force') ?? false);
      return accepted;
    },
  },
  shrink: {
    async run(deps, req, a) {
      await sharesOf(deps).shrinkShare(req.ctx, req.params.id, reqSize(a, 'new_size'));
      return accepted;
    },
  },
  revert: {
    min: '2.27',
    async run(deps, req, a) {
      await sharesOf(deps).revertShare(req.ctx, req.params.id, reqString(a, 'snapshot_id'));
      return accepted;
    },
  },
  reset_status: {
    async run(deps, req, a) {
      await sharesOf(deps).resetShareStatus(req.ctx, req.params.id, reqString(a, 'status', 64));
      return accepted;
    },
  },
  force_delete: {
    async run(deps, req) {
      await sharesOf(deps).deleteShare(req.ctx, req.params.id, { force: true });
      return accepted;
    },
  },
  allow_access: {
    async run(deps, req, a) {
      const metadata = atLeast(req.apiVersion, '2.45') ? optStringMap(a, 'metadata') : undefined;
      const rule = await sharesOf(deps).allowAccess(req.ctx, req.params.id, {
        accessType: reqString(a, 'access_type', 32), accessTo: reqString(a, 'access_to', 255),
        accessLevel: optString(a, 'access_level', 8) ?? 'rw', metadata,
      });
      return { code: 200, body: { access: accessRuleView(req, rule, metadata ?? {}, true) } };
    },
  },
  deny_access: {
    async run(deps, req, a) {
      await sharesOf(deps).denyAccess(req.ctx, req.params.id, reqString(a, 'access_id'));
      return accepted;
    },
  },
  access_list: {
    async run(deps, req) {
      await getShare(deps.db.kysely, req.ctx, req.params.id);
      const rules = await accessRulesOf(deps.db.kysely, req.params.id);
      const md = await metadataFor(deps.db.kysely, 'shareAccessRuleMetadata', rules.map((r) => r.id));
      return { code: 200, body: { access_list: rules.map((r) => accessRuleView(req, r, md.get(r.id)!, false)) } };
    },
  },
  unmanage: {
    async run(deps, req) {
      await sharesOf(deps).unmanageShare(req.ctx, req.params.id);
      return accepted;
    },
  },
  soft_delete: {
    min: '2.69',
    async run(deps, req) {
      await sharesOf(deps).softDeleteShare(req.ctx, req.params.id);
      return accepted;
    },
  },
  restore: {
    min: '2.69',
    async run(deps, req) {
      await sharesOf(deps).restoreShare(req.ctx, req.params.id);
      return accepted;
    },
  },
};

export function shareActionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: Params }>(`${V2}/shares/:id/action`, async (req, reply) => {
    const body = req.body as Body | undefined;
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw new InvalidInput('Invalid input for field/attribute body: an action body names exactly one action.');
    const key = keys[0]!;
    // Before 2.7 the actions carry the `os-` prefix; from 2.7 they do not (Manila's rename).
    const legacy = key.startsWith('os-');
    const name = legacy ? key.slice(3) : key;
    const action = ACTIONS[name];
    if (!action || (legacy && atLeast(req.apiVersion, '2.7') && name !== 'access_list') || (!legacy && !atLeast(req.apiVersion, '2.7') && !action.min)) {
      throw new InvalidInput(`There is no such action: ${key.slice(0, 60)}.`);
    }
    if (action.min && !atLeast(req.apiVersion, action.min)) throw new InvalidInput(`Action ${name} needs API version ${action.min} or later.`);
    if ((name === 'reset_status' || name === 'force_delete' || name === 'unmanage') && !req.ctx.isAdmin) {
      throw new Forbidden(`Policy doesn't allow share:${name} to be performed.`);
    }
    const arg = body![key];
    const args = arg && typeof arg === 'object' && !Array.isArray(arg) ? (arg as Body) : {};
    const { code, body: out } = await action.run(deps, req, args);
    reply.code(code);
    return out;
  });
}
