// The share driver contract (Manila's ShareDriver): a small required core every share backend
// implements, plus one small capability interface per optional feature, each with an `is()`
// guard the share manager branches on. Drivers return model updates and never write Flint's
// database; every method is idempotent by Flint's id (the same call after a crash succeeds
// and creates nothing twice; deleting what is gone succeeds).
import type { DriverContext } from './core.js';
import type { Capacity, CapabilityValue } from './stats.js';

export type ShareProto = 'NFS' | 'CIFS';
export type AccessType = 'ip' | 'user' | 'cert' | 'cephx';
export type AccessLevel = 'rw' | 'ro';

/** A share server (DHSS=true): the network-facing unit a driver creates for a share network. */
export interface DriverShareServer {
  id: string;
  shareNetworkId: string | null;
  /** What the driver recorded at set-up (addresses, names…). */
  backendDetails: Record<string, string>;
}

/** The fields of a share a driver may read. */
export interface DriverShare {
  id: string;
  /** Backend-visible name, `share-<id>` by default (share_name_template). */
  name: string;
  /** GiB. */
  size: number;
  shareProto: ShareProto;
  /** `host@backend#pool` */
  host: string | null;
  providerLocation: string | null;
  shareTypeId: string | null;
  extraSpecs: Record<string, string>;
  metadata: Record<string, string>;
  /** Set only when the backend handles share servers. */
  shareServer: DriverShareServer | null;
}

export interface DriverShareSnapshot {
  id: string;
  /** Backend-visible name, `share-snapshot-<id>` by default. */
  name: string;
  /** GiB: the share's size when the snapshot was taken. */
  shareSize: number;
  share: DriverShare;
  providerLocation: string | null;
}

export interface DriverAccessRule {
  id: string;
  accessType: AccessType;
  /** An IP or CIDR for `ip`, a user or group name for `user`, … */
  accessTo: string;
  accessLevel: AccessLevel;
}

/** One path a client mounts. */
export interface ExportLocation {
  /** e.g. `127.0.0.1:/export/share-<id>` */
  path: string;
  isAdminOnly: boolean;
  preferred: boolean;
  metadata?: Record<string, string>;
}

/** Fields a driver asks the share manager to record. */
export interface ShareModelUpdate {
  exportLocations?: ExportLocation[];
  providerLocation?: string | null;
  /** Only for manage-existing and create-from-snapshot growth. */
  size?: number;
  metadata?: Record<string, string>;
}

/** Per-rule outcome of `updateAccess`: a rule missing from the map is taken as applied. */
export type AccessRuleResults = Record<string, { state: 'active' | 'error'; reason?: string }>;

export interface SharePoolStats {
  poolName: string;
  capacity: Capacity;
  provisionedCapacityGiB: number;
  allocatedCapacityGiB: number;
  thinProvisioning: boolean;
  maxOverSubscriptionRatio: number;
  reservedPercentage: number;
  /** Percentage of capacity kept free for snapshots (Manila's reserved_snapshot_percentage). */
  reservedSnapshotPercentage: number;
  snapshotSupport: boolean;
  createShareFromSnapshotSupport: boolean;
  revertToSnapshotSupport: boolean;
  mountSnapshotSupport: boolean;
  dedupe: boolean;
  compression: boolean;
  filterFunction?: string;
  goodnessFunction?: string;
  /** Vendor capabilities matched against share-type extra specs. */
  capabilities: Record<string, CapabilityValue>;
}

export interface ShareBackendStats {
  shareBackendName: string;
  vendorName: string;
  driverVersion: string;
  /** `NFS`, `CIFS` or `NFS_CIFS`. */
  storageProtocol: string;
  driverHandlesShareServers: boolean;
  /** Operations this backend implements (the guards' names below). */
  operations: string[];
  pools: SharePoolStats[];
  /** What the operator should fix although the backend works. */
  problems?: string[];
}

export interface ShareDriverCore {
  readonly backendName: string;
  /** Fixed per backend by its configuration (`driver_handles_share_servers`). */
  readonly driverHandlesShareServers: boolean;

  /** Connect, probe, start what the backend needs (e.g. an export daemon); once at start. */
  doSetup(): Promise<void>;
  /** Throws a FlintError naming what is missing or wrong. */
  checkForSetupError(): Promise<void>;
  getShareStats(refresh: boolean): Promise<ShareBackendStats>;

  /** Create an empty share and export it; returns its export locations. */
  createShare(share: DriverShare): Promise<ShareModelUpdate>;
  deleteShare(share: DriverShare): Promise<void>;
  /**
   * At start: make every share Flint knows on this backend exported again with its rules;
   * returns per share what changed (new export locations) — a share missing from the map is fine.
   */
  ensureShares(shares: { share: DriverShare; rules: DriverAccessRule[] }[]): Promise<Record<string, ShareModelUpdate>>;
  /**
   * Make the share's access match the rules. With `add` and `remove` both empty, `all` is the
   * whole truth (recovery, ensure): the driver drops anything else. Otherwise apply the deltas.
   */
  updateAccess(
    share: DriverShare, all: DriverAccessRule[], add: DriverAccessRule[], remove: DriverAccessRule[],
  ): Promise<AccessRuleResults>;

  /** Release processes and sockets at shutdown. */
  shutdown?(): Promise<void>;
}

export type ShareDriverContext = DriverContext;
export type ShareDriverFactory = (ctx: ShareDriverContext) => ShareDriverCore;

type Guard<T> = { readonly operation: string; readonly methods: readonly string[]; is(d: ShareDriverCore): d is ShareDriverCore & T };
function guard<T>(operation: string, ...methods: string[]): Guard<T> {
  return {
    operation,
    methods,
    is: (d): d is ShareDriverCore & T => methods.every((m) => typeof (d as unknown as Record<string, unknown>)[m] === 'function'),
  };
}

export interface ShareSnapshots {
  createSnapshot(snapshot: DriverShareSnapshot): Promise<{ providerLocation?: string | null; size?: number } | void>;
  deleteSnapshot(snapshot: DriverShareSnapshot): Promise<void>;
}
export const ShareSnapshots = guard<ShareSnapshots>('snapshot', 'createSnapshot', 'deleteSnapshot');

export interface CreateShareFromSnapshot {
  /** `share.size` may be larger than the snapshot's; the driver grows the result. */
  createShareFromSnapshot(share: DriverShare, snapshot: DriverShareSnapshot): Promise<ShareModelUpdate>;
}
export const CreateShareFromSnapshot = guard<CreateShareFromSnapshot>('create_share_from_snapshot', 'createShareFromSnapshot');

export interface RevertShareToSnapshot {
  /** Only the latest snapshot may be reverted to (the API checks); rules are re-applied after. */
  revertToSnapshot(snapshot: DriverShareSnapshot, rules: DriverAccessRule[]): Promise<void>;
}
export const RevertShareToSnapshot = guard<RevertShareToSnapshot>('revert_to_snapshot', 'revertToSnapshot');

export interface ExtendShare {
  extendShare(share: DriverShare, newSizeGiB: number): Promise<void>;
}
export const ExtendShare = guard<ExtendShare>('extend', 'extendShare');

export interface ShrinkShare {
  /** Throws ShareShrinkUnsafe (a public InvalidInput) when data would be lost; the share is untouched then. */
  shrinkShare(share: DriverShare, newSizeGiB: number): Promise<void>;
}
export const ShrinkShare = guard<ShrinkShare>('shrink', 'shrinkShare');

export interface ManageShares {
  /** Take over the backend share at `exportPath` as `share`; returns its size (GiB, rounded up) and exports. */
  manageExisting(share: DriverShare, exportPath: string, driverOptions: Record<string, string>): Promise<ShareModelUpdate & { size: number }>;
  /** Forget the share; the backend object stays. */
  unmanage(share: DriverShare): Promise<void>;
}
export const ManageShares = guard<ManageShares>('manage', 'manageExisting', 'unmanage');

export interface ManageShareSnapshots {
  manageExistingSnapshot(snapshot: DriverShareSnapshot, providerLocation: string): Promise<{ size: number }>;
  unmanageSnapshot(snapshot: DriverShareSnapshot): Promise<void>;
}
export const ManageShareSnapshots = guard<ManageShareSnapshots>('manage_snapshot', 'manageExistingSnapshot', 'unmanageSnapshot');

export interface ShareServers {
  /** DHSS=true: create the server for a share network; returns what to keep as backend details. */
  setupServer(server: DriverShareServer): Promise<Record<string, string>>;
  teardownServer(server: DriverShareServer): Promise<void>;
}
export const ShareServers = guard<ShareServers>('share_servers', 'setupServer', 'teardownServer');

export const ALL_SHARE_CAPABILITIES = [
  ShareSnapshots, CreateShareFromSnapshot, RevertShareToSnapshot, ExtendShare, ShrinkShare, ManageShares,
  ManageShareSnapshots, ShareServers,
] as const;

export function supportedShareOperations(driver: ShareDriverCore): string[] {
  return ALL_SHARE_CAPABILITIES.filter((c) => c.is(driver)).map((c) => c.operation);
}
