// /v3/{project_id}/os-services: list services with their up/down state; enable/disable (admin).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { ServiceRow } from '../../db/schema.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { checkQueryKeys, q, ts } from '../http.js';
import { atLeast } from '../microversion.js';
import { ProjectParams, AnyQuery } from './common.schema.js';
import { binaryNames, publicBinary } from '../views/service-binary.js';

const ActionParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), action: Type.String({ maxLength: 64 }) });
const ServiceBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 255 }),
  binary: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  /** Cinder's older name for `binary`, still accepted. */
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  disabled_reason: Type.Optional(Type.String({ maxLength: 255 })),
}, { additionalProperties: false });

/**
 * Cinder's host filter: `host` matches that host and every backend and pool on it
 * (`host@backend`, `host@backend#pool`); `host@backend` matches its pools too.
 */
export function hostMatches(serviceHost: string, filter: string): boolean {
  if (serviceHost === filter) return true;
  if (!filter.includes('#') && serviceHost.startsWith(`${filter}#`)) return true;
  return !filter.includes('#') && !filter.includes('@') && serviceHost.startsWith(`${filter}@`);
}

export function serviceRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/os-services';
  const config = { adminOnly: true };
  const downAfterMs = (deps.serviceDownTime ?? 60) * 1000;

  // Cinder's service view: replication and freeze state only for volume services, the
  // cluster from 3.7, the backend's state from 3.49.
  const view = (s: ServiceRow, v: { minor: number; major: number }) => {
    const up = clock().now().getTime() - Date.parse(s.lastHeartbeat) <= downAfterMs;
    const isVolume = s.binary.endsWith('-volume');
    return {
      binary: publicBinary(s.binary), host: s.host, zone: s.availabilityZone, status: s.disabled ? 'disabled' : 'enabled', state: up ? 'up' : 'down',
      updated_at: ts(s.lastHeartbeat),
      // 3.49: volume services say whether their backend answers; a reporting manager is up.
      ...(atLeast(v, '3.49') && isVolume ? { backend_state: up ? 'up' : 'down' } : {}),
      ...(atLeast(v, '3.7') ? { cluster: null } : {}),
      disabled_reason: s.disabledReason,
      ...(isVolume ? { replication_status: s.replicationStatus, active_backend_id: s.activeBackendId, frozen: s.frozen === 1 } : {}),
    };
  };

  app.get(P, { config, schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    checkQueryKeys(query, ['host', 'binary']);
    let qb = deps.db.kysely.selectFrom('services').selectAll().orderBy('binary').orderBy('host');
    if (q(query, 'binary')) qb = qb.where('binary', 'in', binaryNames(q(query, 'binary')!));
    // One row per role and backend: filtered here, where Cinder's host matching is plain.
    const host = q(query, 'host');
    const rows = (await qb.execute()).filter((s) => !host || hostMatches(s.host, host));
    return { services: rows.map((s) => view(s, req.apiVersion)) };
  });

  app.put(`${P}/:action`, { config, schema: { params: ActionParams, body: ServiceBody } }, async (req) => {
    const { action } = req.params;
    const b = req.body;
    if (!['enable', 'disable', 'disable-log-reason'].includes(action)) throw new InvalidInput(`Unknown os-services action '${action}': use enable, disable or disable-log-reason.`);
    const binary = publicBinary(b.binary ?? b.service ?? 'cinder-volume');
    const disabled = action !== 'enable';
    const reason = action === 'disable-log-reason' ? (b.disabled_reason ?? null) : null;
    if (action === 'disable-log-reason' && !reason) throw new InvalidInput('Invalid input for field/attribute disabled_reason: it is required.');
    const r = await deps.db.kysely.updateTable('services').set({ disabled: disabled ? 1 : 0, disabledReason: reason })
      .where('host', '=', b.host).where('binary', 'in', binaryNames(binary)).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new NotFound('Service', `${binary} on host ${b.host}`);
    // Cinder's answer echoes host, service and binary; enable and disable-log-reason also
    // carry disabled_reason, plain disable does not.
    return {
      host: b.host, service: b.service ?? binary, binary, status: disabled ? 'disabled' : 'enabled', disabled,
      ...(action === 'disable' ? {} : { disabled_reason: reason }),
    };
  });
}
