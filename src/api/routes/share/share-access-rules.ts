// /v2/{project_id}/share-access-rules (2.45+): rules listed by share, shown with metadata,
// their metadata updated and unset.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { InvalidInput, NotFound } from '../../../errors/errors.js';
import { getShare } from '../../../db/repos/shares.js';
import { accessRulesOf, getAccessRule } from '../../../db/repos/share-access.js';
import { deleteMetadataKey, mergeMetadata, metadataFor, readMetadata } from '../../../db/repos/metadata.js';
import { inTransaction } from '../../../db/transaction.js';
import { checkShareMetadata } from '../../../share/api-support.js';
import { checkQueryKeys, parseDictParam, q, type Query } from '../../http.js';
import { accessRuleView } from '../../views/share-view.js';
import { V2, optStringMap } from './share-http.js';

type Params = { projectId: string; id: string };

export function shareAccessRuleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const config = { config: { minVersion: '2.45' } };
  const P = `${V2}/share-access-rules`;
  app.get(P, config, async (req) => {
    const query = req.query as Query;
    checkQueryKeys(query, ['share_id', 'metadata', 'access_type', 'access_to', 'access_level', 'state']);
    const shareId = q(query, 'share_id');
    if (!shareId) throw new InvalidInput('share_id is required to list access rules.');
    await getShare(deps.db.kysely, req.ctx, shareId);
    let rules = await accessRulesOf(deps.db.kysely, shareId);
    for (const f of ['access_type', 'access_to', 'access_level', 'state'] as const) {
      const v = q(query, f);
      const col = ({ access_type: 'accessType', access_to: 'accessTo', access_level: 'accessLevel', state: 'state' } as const)[f];
      if (v !== undefined) rules = rules.filter((r) => r[col] === v);
    }
    const md = await metadataFor(deps.db.kysely, 'shareAccessRuleMetadata', rules.map((r) => r.id));
    const want = q(query, 'metadata') ? parseDictParam(q(query, 'metadata')!, 'metadata') : null;
    if (want) rules = rules.filter((r) => Object.entries(want).every(([k, v]) => md.get(r.id)![k] === v));
    return { access_list: rules.map((r) => accessRuleView(req, r, md.get(r.id)!, false)) };
  });
  app.get<{ Params: Params }>(`${P}/:id`, config, async (req) => {
    const rule = await getAccessRule(deps.db.kysely, req.ctx, req.params.id);
    return { access: accessRuleView(req, rule, await readMetadata(deps.db.kysely, 'shareAccessRuleMetadata', rule.id), true) };
  });
  app.put<{ Params: Params }>(`${P}/:id/metadata`, config, async (req) => {
    const md = optStringMap({ m: (req.body as Record<string, unknown> | undefined)?.metadata ?? null }, 'm');
    if (!md) throw new InvalidInput('Invalid input for field/attribute body: expected an object \'metadata\'.');
    checkShareMetadata(md);
    const rule = await getAccessRule(deps.db.kysely, req.ctx, req.params.id);
    await inTransaction(deps.db, (tx) => mergeMetadata(tx, 'shareAccessRuleMetadata', rule.id, md));
    return { metadata: await readMetadata(deps.db.kysely, 'shareAccessRuleMetadata', rule.id) };
  });
  app.delete<{ Params: Params & { key: string } }>(`${P}/:id/metadata/:key`, config, async (req) => {
    const rule = await getAccessRule(deps.db.kysely, req.ctx, req.params.id);
    if (!(await deleteMetadataKey(deps.db.kysely, 'shareAccessRuleMetadata', rule.id, req.params.key))) throw new NotFound('Metadata key', req.params.key);
    return null;
  });
}
