// /v3/{project_id}/scheduler-stats/get_pools: every pool of every backend, in Cinder's capability names.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { BackendStats, PoolStats } from '../../drivers/interface/stats.js';
import { checkQueryKeys, parseBoolean, q, ts, type Query } from '../http.js';
import { ProjectParams } from './common.schema.js';

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

export function poolRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v3/:projectId/scheduler-stats/get_pools', { config: { adminOnly: true }, schema: { params: ProjectParams } }, async (req) => {
    const query = req.query as Query;
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
        pools.push(detail ? { name, capabilities: poolCapabilities(stats, p, r.updatedAt) } : { name });
      }
    }
    return { pools };
  });
}
