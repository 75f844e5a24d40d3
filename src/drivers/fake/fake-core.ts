// The fake driver's core operations: setup, stats, create/delete, exports and connections.
import { BackendError, InvalidInput } from '../../errors/errors.js';
import * as Cap from '../interface/capabilities.js';
import { supportedOperations } from '../interface/capabilities.js';
import type { VolumeDriverCore } from '../interface/core.js';
import type { Connector, ConnectionInfo, DriverVolume, ModelUpdate } from '../interface/objects.js';
import type { BackendStats, Capacity, PoolStats } from '../interface/stats.js';
import { POOL_DEFAULTS } from '../interface/stats.js';
import { FakeBackendConflict, type FakeArray } from './fake-array.js';
import { connectionInfo, connectionKey, exportLocation, validateFakeConnector } from './fake-connection.js';

export function doSetup(a: FakeArray): Promise<void> {
  return a.op('doSetup', () => a.store.attachFile(a.opt.optStr('fake_state_file')));
}

export function checkForSetupError(a: FakeArray): Promise<void> {
  return a.op('checkForSetupError', () => {
    if (a.pools.length === 0) throw new InvalidInput(`fake_pools of backend ${a.backendName} must name at least one pool.`);
    if (new Set(a.pools).size !== a.pools.length) throw new InvalidInput(`fake_pools of backend ${a.backendName} names a pool twice.`);
  });
}

/** `driver`: the driver object, whose capability guards (possibly disabled) the stats report. */
export function getVolumeStats(a: FakeArray, driver: VolumeDriverCore): Promise<BackendStats> {
  return a.op('getVolumeStats', () => ({
    volumeBackendName: a.opt.optStr('volume_backend_name') ?? a.backendName,
    vendorName: 'Flint',
    driverVersion: '1.0.0',
    storageProtocol: { fake: 'fake', iscsi: 'iSCSI', iser: 'iSER', fibre_channel: 'FC' }[a.protocol],
    operations: supportedOperations(driver),
    pools: a.pools.map((p) => poolStats(a, driver, p)),
  }));
}

function poolStats(a: FakeArray, driver: VolumeDriverCore, pool: string): PoolStats {
  const mine = [...a.store.volumes().values()].filter((v) => v.pool === pool);
  const provisioned = a.provisioned(pool);
  const mode = a.opt.str('fake_capacity_mode');
  const thin = a.opt.bool('fake_thin_provisioning');
  const total = a.opt.int('fake_capacity_gib');
  // Thin pools only consume what was written; thick ones consume the full size.
  const usedGiB = thin
    ? Math.ceil(mine.reduce((n, v) => n + v.data.length, 0) / 2 ** 30)
    : provisioned;
  const capacity: Capacity = mode === 'known'
    ? { known: true, totalGiB: total, freeGiB: Math.max(0, total - usedGiB) }
    : { known: false, reason: mode as 'infinite' | 'unknown' };
  return {
    ...POOL_DEFAULTS,
    poolName: pool,
    capacity,
    provisionedCapacityGiB: provisioned,
    allocatedCapacityGiB: mine.reduce((n, v) => n + v.size, 0),
    thinProvisioningSupport: thin,
    thickProvisioningSupport: true,
    maxOverSubscriptionRatio: a.opt.num('max_over_subscription_ratio'),
    reservedPercentage: a.opt.int('reserved_percentage'),
    multiattach: true,
    // Flags follow the capabilities, which fake_disabled_capabilities may take away.
    onlineExtendSupport: Cap.Extend.is(driver),
    totalVolumes: mine.length,
    ...(a.opt.optStr('filter_function') ? { filterFunction: a.opt.str('filter_function') } : {}),
    ...(a.opt.optStr('goodness_function') ? { goodnessFunction: a.opt.str('goodness_function') } : {}),
    capabilities: {
      fake_pool: pool, replication_enabled: Cap.Replication.is(driver),
      // Cinder's replication_targets, comma-joined: what list_replication_targets of a group answers.
      ...(Cap.Replication.is(driver) ? { replication_targets: a.opt.list('fake_replication_targets').join(',') } : {}), consistent_group_snapshot_enabled: Cap.Groups.is(driver) && Cap.Snapshots.is(driver),
    },
  };
}

export function createVolume(a: FakeArray, volume: DriverVolume): Promise<ModelUpdate | void> {
  return a.op('createVolume', () => a.insert(volume, Buffer.alloc(0)));
}

export function deleteVolume(a: FakeArray, volume: DriverVolume): Promise<void> {
  return a.op('deleteVolume', () => {
    const v = a.store.volumes().get(volume.id);
    if (!v) return;
    const dependents = [...a.store.snapshots().values()].filter((s) => s.volumeId === volume.id);
    if (dependents.length > 0) {
      throw new FakeBackendConflict(`Volume ${volume.id} has ${dependents.length} snapshot(s) on ${a.backendName}; delete them first.`);
    }
    if (v.connections.size > 0) throw new FakeBackendConflict(`Volume ${volume.id} is still connected to ${[...v.connections].join(', ')}.`);
    a.store.volumes().delete(volume.id);
    if (v.groupId) a.store.groups().get(v.groupId)?.delete(volume.id);
  });
}

/** createExport and ensureExport: export once, answer the recorded location after. */
export function exportVolume(a: FakeArray, name: 'createExport' | 'ensureExport', volume: DriverVolume): Promise<ModelUpdate> {
  return a.op(name, () => {
    const v = a.vol(volume.id);
    if (!v.exported || v.providerLocation === null) {
      const loc = exportLocation(a.protocol, a.opt, volume, v.pool);
      v.providerLocation = loc.providerLocation;
      v.providerAuth = loc.providerAuth;
      v.exported = true;
    }
    return { providerLocation: v.providerLocation, providerAuth: v.providerAuth };
  });
}

export function removeExport(a: FakeArray, volume: DriverVolume): Promise<void> {
  return a.op('removeExport', () => {
    const v = a.store.volumes().get(volume.id);
    if (!v) return;
    v.exported = false;
    v.connections.clear();
  });
}

export function initializeConnection(a: FakeArray, volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> {
  return a.op('initializeConnection', () => {
    validateFakeConnector(a.protocol, connector);
    const v = a.vol(volume.id);
    if (!v.exported || v.providerLocation === null) throw new BackendError(`Volume ${volume.id} is not exported; createExport comes first.`);
    const key = connectionKey(a.protocol, connector);
    if (!volume.multiattach && v.connections.size > 0 && !v.connections.has(key)) {
      throw new FakeBackendConflict(`Volume ${volume.id} is not multiattach and is already connected to ${[...v.connections].join(', ')}.`);
    }
    v.connections.add(key);
    const location = { providerLocation: volume.providerLocation ?? v.providerLocation, providerAuth: volume.providerAuth ?? v.providerAuth };
    return connectionInfo(a.protocol, a.opt, volume, connector, location, v.pool);
  });
}

export function terminateConnection(a: FakeArray, volume: DriverVolume, connector: Connector | null): Promise<void> {
  return a.op('terminateConnection', () => {
    const v = a.store.volumes().get(volume.id);
    if (!v) return;
    if (connector === null) v.connections.clear();
    else v.connections.delete(connectionKey(a.protocol, connector));
  });
}
