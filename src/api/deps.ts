// What the API layer needs from the rest of Flint, given to buildApiApp by the service.
import type { Db } from '../db/database.js';
import type { ShareOperations } from '../share/operations.js';
import type { BlockStorageOperations, RequestContext } from '../volume/operations.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { BackendSnapshotObject, BackendVolumeObject } from '../drivers/interface/objects.js';
import type { Logger } from '../util/logger.js';
import type { ImageStore } from '../volume/image-store.js';
import type { BackupApi } from '../backup/backup-api.js';

export type AuthConfig =
  | { strategy: 'noauth' }
  | {
      strategy: 'keystone';
      /** Keystone's base URL, e.g. http://127.0.0.1:5000 (the /v3 part is added). */
      keystoneUrl: string;
      /** The service's own credentials, used to get the token that validates user tokens. */
      serviceCredentials?: { username: string; password: string; projectName: string; userDomainName?: string; projectDomainName?: string };
      /** A fixed service token instead of credentials (tests, admin_token style setups). */
      serviceToken?: string;
      /** Role names that make a caller admin. Default ['admin']. */
      adminRoles?: string[];
      /** Seconds before a token's expires_at at which a cached validation is dropped. Default 30. */
      cacheMarginSeconds?: number;
      /** Longest a validated token is trusted without asking Keystone again (token_cache_time). Default 300. */
      tokenCacheSeconds?: number;
    };

export interface ApiDeps {
  db: Db;
  volumes: BlockStorageOperations;
  /** Backup operations; absent, the backup routes answer that backups are not available. */
  backups?: BackupApi;
  quotas: QuotaEngine;
  /** The share service (Shared File Systems v2); absent, the v2 API is not mounted. */
  shares?: ShareOperations;
  /** Manila's quotas, apart from Cinder's. */
  shareQuotas?: QuotaEngine;
  /** default_share_type, for the share types' is_default and GET /types/default. */
  defaultShareType?: string | null;
  auth: AuthConfig;
  defaultAvailabilityZone: string;
  logger?: Logger;
  /** Lists backend objects that could be managed (GET /manageable_volumes); absent when no manager answers it. */
  listManageableVolumes?: (ctx: RequestContext, host: string) => Promise<BackendVolumeObject[]>;
  listManageableSnapshots?: (ctx: RequestContext, host: string) => Promise<BackendSnapshotObject[]>;
  /** Seconds without a heartbeat after which a service is reported down. Default 60. */
  serviceDownTime?: number;
  /** Flint's image directory, for the /flint/images routes; absent, those routes answer 400. */
  images?: ImageStore;
  /** The group type GET /group_types/default answers ([DEFAULT] default_group_type); absent: 404. */
  defaultGroupType?: string | null;
  /** Largest image upload accepted over the API, in bytes; absent means no limit. */
  maxImageUploadBytes?: number;
  /** What /readyz answers; absent, the process is ready when it answers. */
  readiness?: () => Promise<{ ready: boolean; reasons: string[] }>;
}

