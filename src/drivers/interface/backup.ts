// The backup driver contract (Cinder's BackupDriver, chunked): a driver stores a volume's
// bytes, read through a BlockReader the backup service opened on the volume's real export,
// and writes them back through a BlockWriter. Incremental backups name their parent; a driver
// keeps what it needs to restore (object list, per-block hashes) in `serviceMetadata`, which the
// service stores on the backup row and in exported records. Drivers never write the database.
import type { Logger } from '../../util/logger.js';
import type { OptionValues } from '../../config/options.js';

/** Random-access reads of a volume (or of a temporary snapshot/clone of it). */
export interface BlockReader {
  readonly sizeBytes: number;
  /** Exactly `length` bytes unless the read runs past the end. */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * True when the whole range is known to read as zeroes (from the volume's allocation status),
   * without reading it; false when it is not, or not known. A backup skips such ranges unread.
   */
  isZero?(offset: number, length: number): Promise<boolean>;
}

/** Random-access writes to a volume being restored. */
export interface BlockWriter {
  readonly sizeBytes: number;
  write(offset: number, data: Buffer): Promise<void>;
  /** Zero a range (a restore of an object never stored because it was all zeroes). */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Data on stable storage when this returns. */
  flush(): Promise<void>;
}

export interface DriverBackup {
  id: string;
  volumeId: string;
  /** GiB of the volume when backed up. */
  size: number;
  /** Where objects go (a directory under the posix root, a bucket for s3); driver default when null. */
  container: string | null;
  /** What this driver returned when the backup completed; null while it is being made. */
  serviceMetadata: string | null;
  /** The backup this one is incremental to (with its own parent, down to the full one). */
  parent: DriverBackup | null;
}

export interface BackupResult {
  container: string;
  serviceMetadata: string;
  objectCount: number;
  /** Bytes written to the store (after compression, unchanged and zero objects skipped). */
  storedBytes: number;
}

/** Percent done, 0..100. */
export type BackupProgress = (percent: number) => void;

export interface BackupDriverContext {
  options: OptionValues;
  logger: Logger;
  /** A directory the driver may keep private state in. */
  stateDir: string;
}

export interface BackupDriverCore {
  readonly name: string;
  doSetup(): Promise<void>;
  /** Throws a FlintError naming what is missing or wrong (path not writable, bucket unreachable). */
  checkForSetupError(): Promise<void>;
  /**
   * Store the volume. With `backup.parent`, store only blocks whose hash differs from the chain's.
   * Metadata is written last: a backup without it is incomplete and `deleteBackup` removes it.
   */
  backup(backup: DriverBackup, source: BlockReader, onProgress?: BackupProgress): Promise<BackupResult>;
  /** Rebuild the volume at `backup` from its chain; verifies every checksum and throws on corruption. */
  restore(backup: DriverBackup, target: BlockWriter, onProgress?: BackupProgress): Promise<void>;
  /** Remove the backup's objects, complete or not. Idempotent. */
  deleteBackup(backup: DriverBackup): Promise<void>;
  shutdown?(): Promise<void>;
}

export type BackupDriverFactory = (ctx: BackupDriverContext) => BackupDriverCore;
