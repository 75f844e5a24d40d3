// A share backend's stats as the one scheduling engine reads them: each share pool becomes a
// pool whose capabilities carry Manila's flags (driver_handles_share_servers, snapshot_support…)
// so share-type extra specs match them as volume-type extra specs match volume pools; and a
// share type's extra specs turned into that engine's request.
import type { ShareBackendStats } from '../drivers/interface/share.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import type { PlacementRequest } from '../scheduler/scheduler.js';
import type { ShareRow } from '../db/schema.js';

export function toSchedulerStats(s: ShareBackendStats): BackendStats {
  return {
    volumeBackendName: s.shareBackendName,
    vendorName: s.vendorName,
    driverVersion: s.driverVersion,
    storageProtocol: s.storageProtocol,
    operations: s.operations,
    ...(s.problems ? { problems: s.problems } : {}),
    pools: s.pools.map((p) => ({
      poolName: p.poolName,
      capacity: p.capacity,
      provisionedCapacityGiB: p.provisionedCapacityGiB,
      allocatedCapacityGiB: p.allocatedCapacityGiB,
      thinProvisioningSupport: p.thinProvisioning,
      thickProvisioningSupport: !p.thinProvisioning,
      maxOverSubscriptionRatio: p.maxOverSubscriptionRatio,
      reservedPercentage: p.reservedPercentage,
      multiattach: false,
      onlineExtendSupport: true,
      qosSupport: false,
      ...(p.filterFunction !== undefined ? { filterFunction: p.filterFunction } : {}),
      ...(p.goodnessFunction !== undefined ? { goodnessFunction: p.goodnessFunction } : {}),
      capabilities: {
        ...p.capabilities,
        share_backend_name: s.shareBackendName,
        driver_handles_share_servers: s.driverHandlesShareServers,
        snapshot_support: p.snapshotSupport,
        create_share_from_snapshot_support: p.createShareFromSnapshotSupport,
        revert_to_snapshot_support: p.revertToSnapshotSupport,
        mount_snapshot_support: p.mountSnapshotSupport,
        reserved_snapshot_percentage: p.reservedSnapshotPercentage,
        dedupe: p.dedupe,
        compression: p.compression,
        thin_provisioning: p.thinProvisioning,
      },
    })),
  };
}

/** Extra specs whose value is a boolean in Manila (matched as `<is>` so "True" and "true" agree). */
const BOOLEAN_SPECS = new Set([
  'driver_handles_share_servers', 'snapshot_support', 'create_share_from_snapshot_support', 'revert_to_snapshot_support',
  'mount_snapshot_support', 'dedupe', 'compression', 'thin_provisioning',
]);
/** Manila extra specs that are about the API, not about a backend's capabilities. */
const NOT_CAPABILITIES = new Set(['availability_zones', 'mount_point_name_support', 'provisioning:max_share_size', 'provisioning:min_share_size', 'provisioning:max_share_extend_size']);

export function sharePlacementRequest(share: ShareRow, extraSpecs: Record<string, string>, metadata: Record<string, string>, excludeHosts: string[]): PlacementRequest {
  const specs: Record<string, string> = {};
  for (const [k, v] of Object.entries(extraSpecs)) {
    if (NOT_CAPABILITIES.has(k)) continue;
    const bare = k.startsWith('capabilities:') ? k.slice('capabilities:'.length) : k;
    if (k === 'share_backend_name') specs.volume_backend_name = v;
    else if (BOOLEAN_SPECS.has(bare) && !/^\s*</.test(v)) specs[k] = `<is> ${v}`;
    else specs[k] = v;
  }
  return {
    volume: {
      id: share.id, size: share.size, volumeTypeId: share.shareTypeId, availabilityZone: share.availabilityZone,
      multiattach: false, metadata,
    },
    extraSpecs: specs,
    qosSpecs: {},
    hints: {},
    excludeHosts,
  };
}
