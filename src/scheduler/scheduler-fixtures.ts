// Builders for scheduler tests and benchmarks: stats reports, pools and placement requests.
import type { BackendStats, PoolStats } from '../drivers/interface/stats.js';
import { POOL_DEFAULTS } from '../drivers/interface/stats.js';
import type { Clock } from '../util/clock.js';
import type { PlacementRequest } from './scheduler.js';

export function pool(poolName: string, over: Partial<PoolStats> & { total?: number; free?: number } = {}): PoolStats {
  const { total = 100, free = total, ...rest } = over;
  return {
    poolName,
    capacity: { known: true, totalGiB: total, freeGiB: free },
    provisionedCapacityGiB: 0,
    allocatedCapacityGiB: 0,
    ...POOL_DEFAULTS,
    capabilities: {},
    ...rest,
  };
}

export function report(volumeBackendName: string, pools: PoolStats[], over: Partial<BackendStats> = {}): BackendStats {
  return {
    volumeBackendName,
    vendorName: 'Open Source',
    driverVersion: '1.0',
    storageProtocol: 'iSCSI',
    operations: [],
    pools,
    ...over,
  };
}

let seq = 0;
export function request(size: number, over: Partial<PlacementRequest> & { volume?: Partial<PlacementRequest['volume']> } = {}): PlacementRequest {
  const { volume, ...rest } = over;
  return {
    volume: { id: `vol-${++seq}`, size, volumeTypeId: null, availabilityZone: null, multiattach: false, metadata: {}, ...volume },
    extraSpecs: {},
    qosSpecs: {},
    hints: {},
    excludeHosts: [],
    ...rest,
  };
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
