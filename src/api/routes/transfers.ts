// Volume transfers: /os-volume-transfer (every version) and /volume-transfers (3.55+, which
// takes no_snapshots). Owners and admins see an open transfer; another project learns
// nothing of it (404) but may accept it with its id and auth key.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { TransferRow } from '../../db/schema.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';
import { getTransfer, listTransfers } from '../../db/repos/transfers.js';
import { checkQueryKeys, parseBoolean, q, type Query } from '../http.js';
import { transferCreated, transferDetail, transferSummary, type TransferCollection } from '../views/transfer-view.js';
import { AnyQuery, Bool, IdParams, NullableName, ProjectParams } from './common.schema.js';

const VolumeId = Type.String({ minLength: 1, maxLength: 255 });
const LegacyCreateBody = Type.Object({
  transfer: Type.Object({ volume_id: VolumeId, name: Type.Optional(NullableName) }, { additionalProperties: false }),
}, { additionalProperties: false });
const CreateBody = Type.Object({
  transfer: Type.Object({ volume_id: VolumeId, name: Type.Optional(NullableName), no_snapshots: Type.Optional(Bool) }, { additionalProperties: false }),
}, { additionalProperties: false });
const AcceptBody = Type.Object({
  accept: Type.Object({ auth_key: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
}, { additionalProperties: false });

const LIST_KEYS = ['all_tenants', 'name', 'volume_id', 'limit', 'marker'];
const MAX_LIMIT = 1000;

/** Filters and pages a transfer list as Cinder's index does (newest first, marker = last id seen). */
function page(rows: TransferRow[], query: Query): TransferRow[] {
  const name = q(query, 'name');
  const volumeId = q(query, 'volume_id');
  let out = rows.filter((t) => (name === undefined || t.displayName === name) && (volumeId === undefined || t.volumeId === volumeId));
  const marker = q(query, 'marker');
  if (marker !== undefined) {
    const at = out.findIndex((t) => t.id === marker);
    if (at < 0) throw new NotFound('Marker', marker);
    out = out.slice(at + 1);
  }
  const limitText = q(query, 'limit');
  if (limitText !== undefined) {
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit > MAX_LIMIT) throw new InvalidInput(`Invalid value for limit: '${limitText.slice(0, 20)}' must be an integer between 0 and ${MAX_LIMIT}.`);
    out = out.slice(0, limit);
  }
  return out.slice(0, MAX_LIMIT);
}

function mount(root: FastifyInstance, deps: ApiDeps, collection: TransferCollection, minVersion: string): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = `/v3/:projectId/${collection}`;
  const config = { minVersion };

  const list = async (req: FastifyRequest & { query: Query }) => {
    checkQueryKeys(req.query, LIST_KEYS);
    const all = q(req.query, 'all_tenants') !== undefined && parseBoolean(q(req.query, 'all_tenants'), 'all_tenants');
    return page(await listTransfers(deps.db.kysely, req.ctx, all), req.query);
  };
  app.get(P, { config, schema: { params: ProjectParams, querystring: AnyQuery } }, async (req) => ({
    transfers: (await list(req)).map((t) => transferSummary(req, t, collection)),
  }));
  app.get(`${P}/detail`, { config, schema: { params: ProjectParams, querystring: AnyQuery } }, async (req) => ({
    transfers: (await list(req)).map((t) => transferDetail(req, t, collection)),
  }));
  app.get(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => ({
    transfer: transferDetail(req, await getTransfer(deps.db.kysely, req.ctx, req.params.id), collection),
  }));

  const create = async (req: FastifyRequest, t: { volume_id: string; name?: string | null; no_snapshots?: boolean | string }) => {
    if (!isUuid(t.volume_id)) throw new InvalidInput(`Invalid input for field/attribute volume_id: '${t.volume_id.slice(0, 64)}' is not a valid UUID.`);
    const noSnapshots = t.no_snapshots !== undefined && parseBoolean(t.no_snapshots, 'no_snapshots');
    const { transfer, authKey } = await deps.volumes.createTransfer(req.ctx, { volumeId: t.volume_id, name: t.name ?? null, noSnapshots });
    return { transfer: transferCreated(req, transfer, authKey, collection) };
  };
  if (collection === 'os-volume-transfer') {
    app.post(P, { config, schema: { params: ProjectParams, body: LegacyCreateBody } }, async (req, reply) => {
      reply.code(202);
      return create(req, req.body.transfer);
    });
  } else {
    app.post(P, { config, schema: { params: ProjectParams, body: CreateBody } }, async (req, reply) => {
      reply.code(202);
      return create(req, req.body.transfer);
    });
  }

  app.post(`${P}/:id/accept`, { config, schema: { params: IdParams, body: AcceptBody } }, async (req, reply) => {
    const t = await deps.volumes.acceptTransfer(req.ctx, req.params.id, req.body.accept.auth_key);
    reply.code(202);
    return { transfer: transferSummary(req, t, collection) };
  });

  app.delete(`${P}/:id`, { config, schema: { params: IdParams } }, async (req, reply) => {
    await deps.volumes.deleteTransfer(req.ctx, req.params.id);
    reply.code(202).send();
  });
}

export function transferRoutes(root: FastifyInstance, deps: ApiDeps): void {
  mount(root, deps, 'os-volume-transfer', '3.0');
  mount(root, deps, 'volume-transfers', '3.55');
}
