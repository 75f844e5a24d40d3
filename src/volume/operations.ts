// What the API layer may ask of the block storage service: every operation that changes
// a status and records durable work, one interface per resource (volume-operations.ts,
// snapshot-operations.ts, attachment-operations.ts) so a consumer names what it uses.
// Plain reads and metadata go through db/repos.
import type { AttachmentOperations, LegacyAttachOperations } from './attachment-operations.js';
import type { SnapshotOperations } from './snapshot-operations.js';
import type { VolumeOperations } from './volume-operations.js';
import type { TransferOperations } from './transfer-operations.js';
import type { GroupOperations } from './group-operations.js';

/** Who is asking; built by the auth layer. */
export interface RequestContext {
  projectId: string;
  userId: string;
  isAdmin: boolean;
  roles: string[];
  requestId: string;
}

/** Everything the block storage API routes hand to the service. */
export type BlockStorageOperations = VolumeOperations & SnapshotOperations & LegacyAttachOperations & AttachmentOperations & TransferOperations
  & GroupOperations;
