// /v2/{project_id}/types (and /share-types): share types, their extra specs, project access
// and the default type. driver_handles_share_servers is required (Manila's rule).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../deps.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../../errors/errors.js';
import { findShareType, listShareTypes, lookupShareType, shareExtraSpecsFor, shareExtraSpecsOf } from '../../../db/repos/share-types.js';
import { inTransaction } from '../../../db/transaction.js';
import { nowIso } from '../../../util/clock.js';
import { newId } from '../../../util/ids.js';
import { parseBoolean, q, type Query } from '../../http.js';
import { shareTypeView } from '../../views/share-view.js';
import { V2, bodyOf, optBool, optString, optStringMap, reqString } from './share-http.js';

type Params = { projectId: string; id: string };
const BOOLEAN_SPECS = ['driver_handles_share_servers', 'snapshot_support', 'create_share_from_snapshot_support', 'revert_to_snapshot_support', 'mount_snapshot_support'];

/** Manila's checks of extra specs: booleans where it expects them, bounded keys and values. */
function checkSpecs(specs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) {
    if (k.length === 0 || k.length > 255 || v.length > 255) throw new InvalidInput(`Invalid extra spec '${k.slice(0, 40)}': keys and values are 1 to 255 characters.`);
    if (BOOLEAN_SPECS.includes(k)) {
      try {
        out[k] = parseBoolean(v.replace(/^<is>\s*/i, ''), k) ? 'True' : 'False';
      } catch {
        throw new InvalidInput(`Invalid extra spec ${k}: '${v.slice(0, 40)}' is not a boolean; expected True or False.`);
      }
    } else {
      out[k] = v;
    }
  }
  return out;
}

async function defaultTypeId(deps: ApiDeps): Promise<string | null> {
  return deps.defaultShareType ? (await lookupShareType(deps.db.kysely, null, deps.defaultShareType))?.id ?? null : null;
}

async function render(deps: ApiDeps, req: FastifyRequest, id: string) {
  const t = await findShareType(deps.db.kysely, req.ctx, id);
  const body = shareTypeView(req, t, await shareExtraSpecsOf(deps.db.kysely, t.id), await defaultTypeId(deps));
  return { share_type: body, volume_type: body };
}

export function shareTypeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const admin = { config: { adminOnly: true } };
  for (const base of [`${V2}/types`, `${V2}/share-types`]) {
    app.get(base, async (req) => {
      const query = req.query as Query;
      const pub = q(query, 'is_public');
      const which = pub === undefined ? true : pub.toLowerCase() === 'all' ? 'all' : parseBoolean(pub, 'is_public');
      const rows = await listShareTypes(deps.db.kysely, req.ctx, req.ctx.isAdmin ? which : (which === false ? 'all' : which));
      const specs = await shareExtraSpecsFor(deps.db.kysely, rows.map((r) => r.id));
      const def = await defaultTypeId(deps);
      let views = rows.map((t) => shareTypeView(req, t, specs.get(t.id)!, def));
      const wanted = q(query, 'extra_specs');
      if (wanted) {
        const filter = JSON.parse(wanted.replace(/'/g, '"')) as Record<string, string>;
        views = views.filter((t) => Object.entries(filter).every(([k, v]) => String((t.extra_specs as Record<string, string>)[k]).toLowerCase() === String(v).toLowerCase()));
      }
      return { share_types: views, volume_types: views };
    });
    app.get(`${base}/default`, async (req) => {
      const id = await defaultTypeId(deps);
      if (!id) throw new NotFound('Default share type', 'default');
      return render(deps, req, id);
    });
    app.get<{ Params: Params }>(`${base}/:id`, async (req) => render(deps, req, req.params.id));

    app.post(base, admin, async (req) => {
      const b = bodyOf(req, 'share_type');
      const name = reqString(b, 'name');
      const specs = checkSpecs(optStringMap(b, 'extra_specs', true) ?? {});
      if (specs.driver_handles_share_servers === undefined) {
        throw new InvalidInput('Required extra specification driver_handles_share_servers is missing.');
      }
      const isPublic = optBool(b, 'share_type_access:is_public') ?? optBool(b, 'os-share-type-access:is_public') ?? true;
      const description = optString(b, 'description', 255) ?? null;
      const id = newId();
      await inTransaction(deps.db, async (tx) => {
        const dup = await tx.selectFrom('shareTypes').select('id').where('name', '=', name).executeTakeFirst();
        if (dup) throw new Conflict(`Share Type ${name} already exists.`);
        await tx.insertInto('shareTypes').values({ id, name, description, isPublic: isPublic ? 1 : 0, createdAt: nowIso() }).execute();
        const entries = Object.entries(specs);
        if (entries.length) await tx.insertInto('shareTypeExtraSpecs').values(entries.map(([key, value]) => ({ shareTypeId: id, key, value }))).execute();
      });
      return render(deps, req, id);
    });
    app.put<{ Params: Params }>(`${base}/:id`, { config: { adminOnly: true, minVersion: '2.50' } }, async (req) => {
      const b = bodyOf(req, 'share_type');
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      const set: Record<string, unknown> = {};
      const name = optString(b, 'name');
      if (name) set.name = name;
      const description = optString(b, 'description');
      if (description !== undefined) set.description = description;
      const pub = optBool(b, 'share_type_access:is_public');
      if (pub !== undefined) set.isPublic = pub ? 1 : 0;
      if (Object.keys(set).length === 0) throw new InvalidInput('Nothing to update: give name, description or share_type_access:is_public.');
      await inTransaction(deps.db, async (tx) => {
        if (name && name !== t.name && await tx.selectFrom('shareTypes').select('id').where('name', '=', name).executeTakeFirst()) throw new Conflict(`Share Type ${name} already exists.`);
        await tx.updateTable('shareTypes').set(set).where('id', '=', t.id).execute();
      });
      return render(deps, req, t.id);
    });
    app.delete<{ Params: Params }>(`${base}/:id`, admin, async (req, reply) => {
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      await inTransaction(deps.db, async (tx) => {
        const used = await tx.selectFrom('shares').select('id').where('shareTypeId', '=', t.id).executeTakeFirst();
        if (used) throw new InvalidInput(`Share Type ${t.id} is in use by share ${used.id}; it cannot be deleted.`);
        await tx.deleteFrom('shareTypeExtraSpecs').where('shareTypeId', '=', t.id).execute();
        await tx.deleteFrom('shareTypeProjects').where('shareTypeId', '=', t.id).execute();
        await tx.deleteFrom('shareTypes').where('id', '=', t.id).execute();
      });
      reply.code(202);
      return null;
    });

    // --- extra specs ---
    app.get<{ Params: Params }>(`${base}/:id/extra_specs`, async (req) => {
      const t = await findShareType(deps.db.kysely, req.ctx, req.params.id);
      return { extra_specs: shareTypeView(req, t, await shareExtraSpecsOf(deps.db.kysely, t.id), null).extra_specs };
    });
    app.post<{ Params: Params }>(`${base}/:id/extra_specs`, admin, async (req) => {
      const body = req.body as Record<string, unknown> | null | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidInput('Invalid input for field/attribute body: expected an object with extra_specs in it.');
      const specs = checkSpecs(optStringMap({ s: body.extra_specs ?? null }, 's', true) ?? {});
      if (Object.keys(specs).length === 0) throw new InvalidInput('Invalid input for field/attribute body: extra_specs must name at least one spec.');
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      await inTransaction(deps.db, async (tx) => {
        await tx.deleteFrom('shareTypeExtraSpecs').where('shareTypeId', '=', t.id).where('key', 'in', Object.keys(specs)).execute();
        await tx.insertInto('shareTypeExtraSpecs').values(Object.entries(specs).map(([key, value]) => ({ shareTypeId: t.id, key, value }))).execute();
      });
      return { extra_specs: specs };
    });
    app.get<{ Params: Params & { key: string } }>(`${base}/:id/extra_specs/:key`, async (req) => {
      const t = await findShareType(deps.db.kysely, req.ctx, req.params.id);
      const specs = await shareExtraSpecsOf(deps.db.kysely, t.id);
      if (!(req.params.key in specs)) throw new NotFound('Extra spec', req.params.key);
      return { [req.params.key]: specs[req.params.key] };
    });
    app.delete<{ Params: Params & { key: string } }>(`${base}/:id/extra_specs/:key`, admin, async (req, reply) => {
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      if (req.params.key === 'driver_handles_share_servers') throw new Forbidden('Extra spec driver_handles_share_servers is required and cannot be deleted.');
      const r = await deps.db.kysely.deleteFrom('shareTypeExtraSpecs').where('shareTypeId', '=', t.id).where('key', '=', req.params.key).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new NotFound('Extra spec', req.params.key);
      reply.code(202);
      return null;
    });

    // --- project access ---
    app.get<{ Params: Params }>(`${base}/:id/share_type_access`, admin, async (req) => {
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      if (t.isPublic) throw new NotFound('Access list for public share type', t.id);
      const rows = await deps.db.kysely.selectFrom('shareTypeProjects').selectAll().where('shareTypeId', '=', t.id).execute();
      return { share_type_access: rows.map((r) => ({ share_type_id: r.shareTypeId, project_id: r.projectId })) };
    });
    app.post<{ Params: Params }>(`${base}/:id/action`, admin, async (req, reply) => {
      const raw = req.body as Record<string, unknown> | null | undefined;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidInput('Invalid input for field/attribute body: expected addProjectAccess or removeProjectAccess.');
      const body = raw;
      const add = body.addProjectAccess ?? body.add_project_access;
      const remove = body.removeProjectAccess ?? body.remove_project_access;
      const arg = (add ?? remove) as Record<string, unknown> | undefined;
      const project = arg && typeof arg.project === 'string' ? arg.project : undefined;
      if (!project || project.length > 255) throw new InvalidInput('Invalid input for field/attribute body: addProjectAccess or removeProjectAccess with a project.');
      const t = await findShareType(deps.db.kysely, null, req.params.id);
      if (t.isPublic) throw new Conflict(`Share type ${t.id} is public; project access applies to private types only.`);
      if (add) {
        await inTransaction(deps.db, async (tx) => {
          const dup = await tx.selectFrom('shareTypeProjects').select('projectId').where('shareTypeId', '=', t.id).where('projectId', '=', project).executeTakeFirst();
          if (dup) throw new Conflict(`Share type access for ${t.id} / ${project} already exists.`);
          await tx.insertInto('shareTypeProjects').values({ shareTypeId: t.id, projectId: project }).execute();
        });
      } else {
        const r = await deps.db.kysely.deleteFrom('shareTypeProjects').where('shareTypeId', '=', t.id).where('projectId', '=', project).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new NotFound('Share type access', `${t.id}/${project}`);
      }
      reply.code(202);
      return null;
    });
  }
}
