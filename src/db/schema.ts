// The database schema as Kysely types. Columns are snake_case in SQL and camelCase here
// (CamelCasePlugin). Times are ISO-8601 text, booleans 0/1 and JSON text, so one
// schema serves SQLite and PostgreSQL alike.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Bool = 0 | 1;

export interface VolumesTable {
  id: string;
  projectId: string;
  userId: string;
  displayName: string | null;
  displayDescription: string | null;
  size: number;
  status: string;
  attachStatus: string;
  availabilityZone: string;
  volumeTypeId: string | null;
  /** `host@backend#pool` once placed. */
  host: string | null;
  providerLocation: string | null;
  providerAuth: string | null;
  providerId: string | null;
  snapshotId: string | null;
  sourceVolid: string | null;
  bootable: Bool;
  multiattach: Bool;
  migrationStatus: string | null;
  replicationStatus: string | null;
  groupId: string | null;
  /** Set when the volume was exported and must be re-exported at start (ensure_export). */
  exported: Bool;
  createdAt: string;
  updatedAt: string;
}

export interface MetadataTable {
  resourceId: string;
  key: string;
  value: string;
}

export interface SnapshotsTable {
  id: string;
  projectId: string;
  userId: string;
  volumeId: string;
  displayName: string | null;
  displayDescription: string | null;
  status: string;
  progress: string;
  volumeSize: number;
  providerLocation: string | null;
  providerId: string | null;
  /** The group snapshot this snapshot was taken for (migration 005). */
  groupSnapshotId: Generated<string | null>;
  createdAt: string;
  updatedAt: string;
}

export interface BackupsTable {
  id: string;
  projectId: string;
  userId: string;
  volumeId: string;
  displayName: string | null;
  displayDescription: string | null;
  status: string;
  failReason: string | null;
  availabilityZone: string | null;
  /** The backup service host that made it (`flint-backup` service host). */
  host: string | null;
  /** The backup driver's name (posix, s3). */
  service: string | null;
  container: string | null;
  /** The driver's record of the stored objects (JSON text); null until the backup completed. */
  serviceMetadata: string | null;
  /** GiB of the source volume. */
  size: number;
  objectCount: number;
  parentId: string | null;
  isIncremental: Bool;
  numDependentBackups: number;
  snapshotId: string | null;
  dataTimestamp: string;
  tempVolumeId: string | null;
  /** JSON of the temporary clone's provider fields. */
  tempVolumeProvider: string | null;
  tempSnapshotId: string | null;
  restoreVolumeId: string | null;
  previousVolumeStatus: string | null;
  /** The volume's metadata when it was backed up (JSON object), put back by a restore; null before migration 011. */
  sourceVolumeMetadata: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface VolumeTypesTable {
  id: string;
  name: string;
  description: string | null;
  isPublic: Bool;
  qosSpecsId: string | null;
  createdAt: string;
}

export interface ExtraSpecsTable {
  volumeTypeId: string;
  key: string;
  value: string;
}

export interface TypeAccessTable {
  volumeTypeId: string;
  projectId: string;
}

export interface QosSpecsTable {
  id: string;
  name: string;
  consumer: string;
  createdAt: string;
}

export interface QosSpecValuesTable {
  qosSpecsId: string;
  key: string;
  value: string;
}

export interface AttachmentsTable {
  id: string;
  volumeId: string;
  projectId: string;
  instanceUuid: string | null;
  attachedHost: string | null;
  mountpoint: string | null;
  attachStatus: string;
  attachMode: string;
  /** JSON of the connector the host sent. */
  connector: string | null;
  /** JSON of the connection info returned (contains CHAP secrets: never logged). */
  connectionInfo: string | null;
  attachTime: string | null;
  detachTime: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface QuotasTable {
  projectId: string;
  resource: string;
  hardLimit: number;
}

export interface QuotaUsagesTable {
  projectId: string;
  resource: string;
  inUse: number;
  reserved: number;
}

export interface ReservationsTable {
  id: string;
  /** The reservations of one operation share a group id. */
  groupId: string;
  projectId: string;
  resource: string;
  delta: number;
  createdAt: string;
}

export interface ServicesTable {
  id: string;
  binary: string;
  host: string;
  availabilityZone: string;
  disabled: Bool;
  disabledReason: string | null;
  frozen: Bool;
  replicationStatus: string;
  activeBackendId: string | null;
  lastHeartbeat: string;
  createdAt: string;
}

export interface BackendStatsTable {
  /** `host@backend` */
  backendHost: string;
  backendName: string;
  availabilityZone: string;
  /** JSON BackendStats. */
  stats: string;
  /** Problems the manager reports (bad filter_function…), JSON list of strings. */
  problems: string;
  updatedAt: string;
  /** `volume` or `share`: which scheduler reads this backend (migration 007). */
  serviceKind: Generated<string>;
}

/** Room a placement took or a change took or freed on a pool, until the pool's stats report counts it (migration 009). */
export interface CapacityReservationsTable {
  /** A placement: its resource's id; a change: a fresh id. */
  id: string;
  reason: 'placement' | 'change';
  resourceId: string | null;
  resourceKind: 'volume' | 'share';
  backendHost: string;
  poolHost: string;
  /** GiB taken; negative when freed. */
  sizeGib: number;
  createdAt: string;
}

/** Per pool, the sum of its capacity reservations' GiB and a count of their changes, kept by triggers (migrations 014, 015). */
export interface PoolReservationTotalsTable {
  /** `host@backend#pool` */
  poolHost: string;
  /** `host@backend` */
  backendHost: string;
  gib: number;
  /** Grows at every change to the pool's reservations (bigint: a string on PostgreSQL). */
  version: number | string;
}

export interface TasksTable {
  id: string;
  kind: string;
  /** Who may claim it: `scheduler` or `volume@<backend host>`. */
  queue: string;
  resourceType: string;
  resourceId: string;
  /** At most one unfinished task per key (one operation at a time per resource). */
  dedupeKey: string | null;
  /** JSON payload of the operation. */
  payload: string;
  status: string;
  /** JSON: names of the flow steps completed, for resume or revert. */
  progress: string;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastError: string | null;
  /** Stable code of the error a failed task ended with (errors/codes.ts rebuilds it). */
  errorCode: Generated<string | null>;
  /** What the user may read about that error; null when nothing is safe to show. */
  errorText: Generated<string | null>;
  /** JSON result for callers that wait (initialize_connection). */
  result: string | null;
  /** 0..100 for long copies; null when the operation does not report progress. */
  percent: Generated<number | null>;
  createdAt: string;
  updatedAt: string;
}

export interface MessagesTable {
  id: string;
  projectId: string;
  resourceType: string;
  resourceUuid: string | null;
  eventId: string;
  messageLevel: string;
  userMessage: string;
  requestId: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface ImagesTable {
  id: string;
  projectId: string;
  name: string;
  /** 'saving' while the bytes are written (the name is reserved), then 'active'. */
  status: string;
  /** 'private' (the owner only), 'shared' (also the projects in image_members) or 'public'. */
  visibility: string;
  /** Bytes; PostgreSQL's bigint arrives as a string. */
  size: number | string | null;
  /** The upload_image task writing it; null for an upload over PUT, which touches updatedAt as it goes. */
  taskId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ImageMembersTable {
  imageId: string;
  projectId: string;
}

export interface TransfersTable {
  id: string;
  volumeId: string;
  displayName: string | null;
  /** The auth key is never stored: only an HMAC of it keyed by this salt. */
  salt: string;
  cryptHash: string;
  noSnapshots: Bool;
  sourceProjectId: string;
  destinationProjectId: string | null;
  accepted: Bool;
  createdAt: string;
  updatedAt: string;
}

export interface QuotaClassesTable {
  className: string;
  resource: string;
  hardLimit: number;
}

export interface VolumeTypeEncryptionTable {
  volumeTypeId: string;
  encryptionId: string;
  provider: string;
  /** 'front-end' (the host encrypts) or 'back-end'. */
  controlLocation: string;
  cipher: string | null;
  keySize: number | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface GroupTypesTable {
  id: string;
  name: string;
  description: string | null;
  isPublic: Bool;
  createdAt: string;
}

export interface GroupTypeSpecsTable {
  groupTypeId: string;
  key: string;
  value: string;
}

export interface GroupsTable {
  id: string;
  projectId: string;
  userId: string;
  name: string | null;
  description: string | null;
  status: string;
  availabilityZone: string;
  groupTypeId: string;
  /** `host@backend#pool` once placed; every volume of the group lives there. */
  host: string | null;
  replicationStatus: string | null;
  groupSnapshotId: string | null;
  sourceGroupId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface GroupVolumeTypesTable {
  groupId: string;
  volumeTypeId: string;
}

export interface GroupSnapshotsTable {
  id: string;
  projectId: string;
  userId: string;
  groupId: string;
  groupTypeId: string;
  name: string | null;
  description: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface SharesTable {
  id: string;
  projectId: string;
  userId: string;
  displayName: string | null;
  displayDescription: string | null;
  size: number;
  shareProto: string;
  status: string;
  /** Manila's aggregate of the rules' states: active, syncing or error. */
  accessRulesStatus: string;
  taskState: string | null;
  availabilityZone: string;
  shareTypeId: string | null;
  /** `host@backend#pool` once placed. */
  host: string | null;
  providerLocation: string | null;
  snapshotId: string | null;
  shareNetworkId: string | null;
  shareServerId: string | null;
  /** The id of the share's one instance (Manila's share instances API). */
  instanceId: string;
  isPublic: Bool;
  isSoftDeleted: Bool;
  scheduledToBeDeletedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ShareExportLocationsTable {
  id: string;
  shareId: string;
  path: string;
  isAdminOnly: Bool;
  preferred: Bool;
  /** JSON object. */
  metadata: string;
  createdAt: string;
  updatedAt: string;
}

export interface ShareSnapshotsTable {
  id: string;
  projectId: string;
  userId: string;
  shareId: string;
  displayName: string | null;
  displayDescription: string | null;
  status: string;
  progress: string;
  /** The share's size when the snapshot was taken. */
  shareSize: number;
  size: number;
  shareProto: string;
  providerLocation: string | null;
  instanceId: string;
  createdAt: string;
  updatedAt: string;
}

export interface ShareAccessRulesTable {
  id: string;
  shareId: string;
  accessType: string;
  accessTo: string;
  accessLevel: string;
  /** queued_to_apply, applying, active, error, queued_to_deny, denying. */
  state: string;
  accessKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ShareTypesTable {
  id: string;
  name: string;
  description: string | null;
  isPublic: Bool;
  createdAt: string;
}

export interface ShareTypeExtraSpecsTable {
  shareTypeId: string;
  key: string;
  value: string;
}

export interface ShareTypeAccessTable {
  shareTypeId: string;
  projectId: string;
}

export interface ShareNetworksTable {
  id: string;
  projectId: string;
  userId: string;
  name: string | null;
  description: string | null;
  neutronNetId: string | null;
  neutronSubnetId: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface ShareServersTable {
  id: string;
  projectId: string;
  shareNetworkId: string | null;
  /** `host@backend` */
  host: string;
  status: string;
  /** JSON object the driver returned at set-up. */
  backendDetails: string;
  createdAt: string;
  updatedAt: string;
}

export interface Database {
  volumes: VolumesTable;
  volumeMetadata: MetadataTable;
  snapshots: SnapshotsTable;
  snapshotMetadata: MetadataTable;
  backups: BackupsTable;
  backupMetadata: MetadataTable;
  volumeTypes: VolumeTypesTable;
  volumeTypeExtraSpecs: ExtraSpecsTable;
  volumeTypeProjects: TypeAccessTable;
  qosSpecs: QosSpecsTable;
  qosSpecValues: QosSpecValuesTable;
  attachments: AttachmentsTable;
  quotas: QuotasTable;
  quotaUsages: QuotaUsagesTable;
  reservations: ReservationsTable;
  services: ServicesTable;
  backendStats: BackendStatsTable;
  capacityReservations: CapacityReservationsTable;
  poolReservationTotals: PoolReservationTotalsTable;
  tasks: TasksTable;
  messages: MessagesTable;
  images: ImagesTable;
  imageMembers: ImageMembersTable;
  transfers: TransfersTable;
  quotaClasses: QuotaClassesTable;
  volumeTypeEncryption: VolumeTypeEncryptionTable;
  volumeImageMetadata: MetadataTable;
  groupTypes: GroupTypesTable;
  groupTypeSpecs: GroupTypeSpecsTable;
  groups: GroupsTable;
  groupVolumeTypes: GroupVolumeTypesTable;
  groupSnapshots: GroupSnapshotsTable;
  shares: SharesTable;
  shareMetadata: MetadataTable;
  shareExportLocations: ShareExportLocationsTable;
  shareSnapshots: ShareSnapshotsTable;
  shareSnapshotMetadata: MetadataTable;
  shareAccessRules: ShareAccessRulesTable;
  shareAccessRuleMetadata: MetadataTable;
  shareTypes: ShareTypesTable;
  shareTypeExtraSpecs: ShareTypeExtraSpecsTable;
  shareTypeProjects: ShareTypeAccessTable;
  shareNetworks: ShareNetworksTable;
  shareServers: ShareServersTable;
  shareQuotas: QuotasTable;
  shareQuotaUsages: QuotaUsagesTable;
  shareReservations: ReservationsTable;
}

export type VolumeRow = Selectable<VolumesTable>;
export type NewVolume = Insertable<VolumesTable>;
export type VolumeUpdate = Updateable<VolumesTable>;
export type SnapshotRow = Selectable<SnapshotsTable>;
export type BackupRow = Selectable<BackupsTable>;
export type VolumeTypeRow = Selectable<VolumeTypesTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
export type TaskRow = Selectable<TasksTable>;
export type ServiceRow = Selectable<ServicesTable>;
export type CapacityReservationRow = Selectable<CapacityReservationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type ImageRow = Selectable<ImagesTable>;
export type QosSpecsRow = Selectable<QosSpecsTable>;
export type TransferRow = Selectable<TransfersTable>;
export type EncryptionRow = Selectable<VolumeTypeEncryptionTable>;
export type GroupTypeRow = Selectable<GroupTypesTable>;
export type GroupRow = Selectable<GroupsTable>;
export type GroupSnapshotRow = Selectable<GroupSnapshotsTable>;
export type ShareRow = Selectable<SharesTable>;
export type ShareUpdate = Updateable<SharesTable>;
export type ShareSnapshotRow = Selectable<ShareSnapshotsTable>;
export type ShareAccessRuleRow = Selectable<ShareAccessRulesTable>;
export type ShareTypeRow = Selectable<ShareTypesTable>;
export type ShareExportLocationRow = Selectable<ShareExportLocationsTable>;
export type ShareNetworkRow = Selectable<ShareNetworksTable>;
export type ShareServerRow = Selectable<ShareServersTable>;
