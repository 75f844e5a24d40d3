// /v3/{project_id}/os-hosts (admin, Cinder's hosts extension): every service's host with its
// state, and for one enabled volume host the volumes and snapshots it holds, in total and per
// project (values as strings, as Cinder renders them).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { checkQueryKeys, q, ts } from '../http.js';
import { binaryNames, publicBinary } from '../views/service-binary.js';
import { AnyQuery, ProjectParams } from './common.schema.js';

const HostParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), host: Type.String({ minLength: 1, maxLength: 255 }) });

interface Usage { volumes: number; volumeGiB: number; snapshots: number; snapshotGiB: number }

function resource(host: string, project: string, u: Usage) {
  return {
    resource: {
      host, project, volume_count: String(u.volumes), total_volume_gb: String(u.volumeGiB),
      snapshot_count: String(u.snapshots), total_snapshot_gb: String(u.snapshotGiB),
    },
  };
}

export function hostRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/os-hosts';
  const config = { adminOnly: true };
  const downAfterMs = (deps.serviceDownTime ?? 60) * 1000;

  app.get(P, { config, schema: { params: ProjectParams, querystring: AnyQuery } }, async (req) => {
    checkQueryKeys(req.query, ['zone', 'service']);
    let qb = deps.db.kysely.selectFrom('services').selectAll().orderBy('host').orderBy('binary');
    const zone = q(req.query, 'zone');
    const service = q(req.query, 'service');
    if (zone !== undefined) qb = qb.where('availabilityZone', '=', zone);
    if (service !== undefined) qb = qb.where('binary', 'in', binaryNames(service));
    const now = clock().now().getTime();
    return {
      hosts: (await qb.execute()).map((s) => ({
        host_name: s.host, service: publicBinary(s.binary), zone: s.availabilityZone,
        'service-status': now - Date.parse(s.lastHeartbeat) <= downAfterMs ? 'available' : 'unavailable',
        'service-state': s.disabled ? 'disabled' : 'enabled', 'last-update': ts(s.lastHeartbeat),
      })),
    };
  });

  app.get(`${P}/:host`, { config, schema: { params: HostParams } }, async (req) => {
    const { host } = req.params;
    const svc = await deps.db.kysely.selectFrom('services').select('host').where('binary', '=', 'flint-volume')
      .where('host', '=', host).where('disabled', '=', 0).executeTakeFirst();
    if (!svc) throw new NotFound('Host', host);
    // A volume's host is `host@backend#pool`: every pool of this backend is on this host.
    const volumes = await deps.db.kysely.selectFrom('volumes').select(['id', 'projectId', 'size'])
      .where((eb) => eb.or([eb('host', '=', host), eb(sql<string>`substr(host, 1, ${host.length + 1})`, '=', `${host}#`)])).execute();
    const snapshots = volumes.length === 0 ? [] : await deps.db.kysely.selectFrom('snapshots').select(['projectId', 'volumeSize'])
      .where('volumeId', 'in', volumes.map((v) => v.id)).execute();
    const total: Usage = { volumes: 0, volumeGiB: 0, snapshots: 0, snapshotGiB: 0 };
    const perProject = new Map<string, Usage>();
    const of = (p: string) => perProject.get(p) ?? perProject.set(p, { volumes: 0, volumeGiB: 0, snapshots: 0, snapshotGiB: 0 }).get(p)!;
    for (const v of volumes) {
      for (const u of [total, of(v.projectId)]) { u.volumes += 1; u.volumeGiB += v.size; }
    }
    for (const s of snapshots) {
      for (const u of [total, of(s.projectId)]) { u.snapshots += 1; u.snapshotGiB += s.volumeSize; }
    }
    return {
      host: [resource(host, '(total)', total), ...[...perProject.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, u]) => resource(host, p, u))],
    };
  });
}
