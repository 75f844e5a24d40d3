// /v3/{project_id}/scheduler-stats/get_pools: every pool of every backend, in Cinder's capability names.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../errors/errors.js';
import type { ApiDeps } from '../deps.js';
import type { BackendStats, PoolStats } from '../../drivers/interface/stats.js';
import { checkQueryKeys, parseBoolean, q, ts } from '../http.js';
import { ProjectParams, AnyQuery } from './common.schema.js';

/** Cinder's wire names; typed Capacity becomes its 'infinite'/'unknown' strings only here, at the edge. */
export function poolCapabilities(backend: BackendStats, pool: PoolStats, updatedAt: string): Record<string, unknown> {
  const cap = pool.capacity;
  return {
    ...pool.capabilities,
    pool_name: pool.poolName,
    total_capacity_gb: cap.known ? cap.totalGiB : cap.reason,
    free_capacity_gb: cap.known ? cap.freeGiB : cap.reason,
    allocated_capacity_gb: pool.allocatedCapacityGiB,
    provisioned_capacity_gb: pool.provisionedCapacityGiB,
    thin_provisioning_support: pool.thinProvisioningSupport,
    thick_provisioning_support: pool.thickProvisioningSupport,
    max_over_subscription_ratio: pool.maxOverSubscriptionRatio,
    reserved_percentage: pool.reservedPercentage,
    multiattach: pool.multiattach,
    online_extend_support: pool.onlineExtendSupport,
    QoS_support: pool.qosSupport,
    filter_function: pool.filterFunction ?? null,
    goodness_function: pool.goodnessFunction ?? null,
    ...(pool.totalVolumes !== undefined ? { total_volumes: pool.totalVolumes } : {}),
    volume_backend_name: backend.volumeBackendName,
    vendor_name: backend.vendorName,
    driver_version: backend.driverVersion,
    storage_protocol: backend.storageProtocol,
    timestamp: ts(updatedAt),
  };
}

function parseProblems(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function capabilityType(v: unknown): string {
  return typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : 'string';
}

export function poolRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  // GET /capabilities/{host}: what a backend can do, as volume-type authors read it.
  app.get('/v3/:projectId/capabilities/:host', {
    config: { adminOnly: true },
    schema: { params: Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), host: Type.String({ minLength: 1, maxLength: 255 }) }) },
  }, async (req) => {
    const { host } = req.params;
    const row = await deps.db.kysely.selectFrom('backendStats').selectAll().where('backendHost', '=', host.split('#')[0]!).executeTakeFirst();
    if (!row) throw new NotFound('Backend', host);
    let stats: BackendStats;
    try {
      stats = JSON.parse(row.stats) as BackendStats;
    } catch {
      throw new NotFound('Capabilities of backend', host);
    }
    const properties: Record<string, { title: string; description: string; type: string }> = {};
    for (const p of stats.pools ?? []) {
      for (const [k, v] of Object.entries({ thin_provisioning: p.thinProvisioningSupport, multiattach: p.multiattach, QoS_support: p.qosSupport, ...p.capabilities })) {
        properties[k] ??= { title: k, description: `Capability ${k} of backend ${row.backendName}`, type: capabilityType(v) };
      }
    }
    return {
      namespace: `OS::Storage::Capabilities::${row.backendHost}`,
      vendor_name: stats.vendorName, volume_backend_name: stats.volumeBackendName, pool_name: null,
      driver_version: stats.driverVersion, storage_protocol: stats.storageProtocol,
      display_name: null, description: null, visibility: null, replication_targets: [], properties,
    };
  });

  app.get('/v3/:projectId/scheduler-stats/get_pools', { config: { adminOnly: true }, schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    checkQueryKeys(query, ['detail', 'name', 'volume_type', 'backend_name']);
    const detail = q(query, 'detail') !== undefined && parseBoolean(q(query, 'detail'), 'detail');
    const rows = await deps.db.kysely.selectFrom('backendStats').selectAll().orderBy('backendHost').execute();
    const pools: { name: string; capabilities?: Record<string, unknown> }[] = [];
    for (const r of rows) {
      let stats: BackendStats;
      try {
        stats = JSON.parse(r.stats) as BackendStats;
      } catch {
        continue; // A backend that wrote unreadable stats is not offered, as the scheduler does not use it either.
      }
      if (q(query, 'backend_name') && stats.volumeBackendName !== q(query, 'backend_name')) continue;
      for (const p of stats.pools ?? []) {
        const name = `${r.backendHost}#${p.poolName}`;
        if (q(query, 'name') && name !== q(query, 'name')) continue;
        // Flint extension: what keeps the backend from working well (bad filter/goodness function, orphans).
        const problems = parseProblems(r.problems);
        pools.push(detail ? { name, capabilities: { ...poolCapabilities(stats, p, r.updatedAt), ...(problems.length > 0 ? { backend_problems: problems } : {}) } } : { name });
      }
    }
    return { pools };
  });
}
