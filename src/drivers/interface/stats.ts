// Typed backend statistics, as a driver reports them and the scheduler reads them.

/** Capacity is known in GiB, or declared infinite/unknown (Cinder's two strings, typed). */
export type Capacity =
  | { known: true; totalGiB: number; freeGiB: number }
  | { known: false; reason: 'infinite' | 'unknown' };

export type CapabilityValue = string | number | boolean;

export interface PoolStats {
  poolName: string;
  capacity: Capacity;
  /** Sum of the sizes of the volumes placed in the pool (thin provisioning accounting). */
  provisionedCapacityGiB: number;
  /** GiB allocated by Flint on this pool (what Cinder calls allocated_capacity_gb). */
  allocatedCapacityGiB: number;
  thinProvisioningSupport: boolean;
  thickProvisioningSupport: boolean;
  /** >= 1.0; 1.0 means no over-subscription. */
  maxOverSubscriptionRatio: number;
  /** 0..100: percentage of total capacity kept free. */
  reservedPercentage: number;
  multiattach: boolean;
  onlineExtendSupport: boolean;
  qosSupport: boolean;
  totalVolumes?: number;
  filterFunction?: string;
  goodnessFunction?: string;
  /** Vendor or driver capabilities matched against volume-type extra specs. */
  capabilities: Record<string, CapabilityValue>;
}

export interface BackendStats {
  volumeBackendName: string;
  vendorName: string;
  driverVersion: string;
  storageProtocol: string;
  /** Operations this backend implements (see drivers/interface/capabilities.ts). */
  operations: string[];
  pools: PoolStats[];
  /**
   * What the operator should fix although the backend works (e.g. a pool that fell back to a
   * setup other than the configured one). Shown as backend_problems; placement ignores it.
   */
  problems?: string[];
}

/** Default pool flags, documented once: a driver overrides only what it knows. */
export const POOL_DEFAULTS = {
  thinProvisioningSupport: false,
  thickProvisioningSupport: true,
  maxOverSubscriptionRatio: 20.0,
  reservedPercentage: 0,
  multiattach: false,
  onlineExtendSupport: false,
  qosSupport: false,
} as const;
