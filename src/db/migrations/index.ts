// Versioned schema migrations, in order. Each is portable across SQLite and PostgreSQL.
import type { Migration } from 'kysely';
import { m001Initial } from './001-initial.js';
import { m002TaskPercent } from './002-task-percent.js';
import { m003Images } from './003-images.js';
import { m004TaskErrorCode } from './004-task-error-code.js';
import { m005Groups } from './005-groups.js';
import { m006TransfersQuotaClassesEncryption } from './006-transfers-quota-classes-encryption.js';
import { m007Shares } from './007-shares.js';
import { m008Backups } from './008-backups.js';
import { m009CapacityReservations } from './009-capacity-reservations.js';
import { m010InventoryIndexes } from './010-inventory-indexes.js';
import { m011BackupVolumeMetadata } from './011-backup-volume-metadata.js';
import { m012DropVolumesHostIndex } from './012-drop-volumes-host-index.js';
import { m013TaskIndexes } from './013-task-indexes.js';
import { m014PoolReservationTotals } from './014-pool-reservation-totals.js';
import { m015PoolReservationVersions } from './015-pool-reservation-versions.js';

export const migrations: Record<string, Migration> = {
  '001-initial': m001Initial,
  '002-task-percent': m002TaskPercent,
  '003-images': m003Images,
  '004-task-error-code': m004TaskErrorCode,
  '005-groups': m005Groups,
  '006-transfers-quota-classes-encryption': m006TransfersQuotaClassesEncryption,
  '007-shares': m007Shares,
  '008-backups': m008Backups,
  '009-capacity-reservations': m009CapacityReservations,
  '010-inventory-indexes': m010InventoryIndexes,
  '011-backup-volume-metadata': m011BackupVolumeMetadata,
  '012-drop-volumes-host-index': m012DropVolumesHostIndex,
  '013-task-indexes': m013TaskIndexes,
  '014-pool-reservation-totals': m014PoolReservationTotals,
  '015-pool-reservation-versions': m015PoolReservationVersions,
};
