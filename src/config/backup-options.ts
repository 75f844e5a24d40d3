// Options of the backup service's driver, read from [DEFAULT] as Cinder reads them. They live in
// config/ (not beside the drivers) because [DEFAULT] is validated before any driver is loaded.
import type { OptionSpec, OptionValues } from './options.js';

export const BACKUP_DRIVER_NAMES = ['posix', 's3'] as const;

/** Options every backup driver reads (the chunked format's geometry and compression). */
export const BACKUP_COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'backup_driver', type: 'enum', default: 'posix', choices: BACKUP_DRIVER_NAMES, help: 'Where backups are stored: posix (a directory) or s3 (an S3-compatible object store).' },
  { name: 'backup_container', type: 'string', default: 'volumebackups', help: 'Container of a backup created without one: a sub-directory of backup_posix_path, or an S3 bucket.' },
  {
    name: 'backup_object_size', type: 'int', default: 32 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024,
    deprecatedNames: ['backup_file_size', 'backup_s3_object_size'],
    help: 'Bytes of volume per stored object (a multiple of backup_sha_block_size). Larger objects mean fewer requests and more memory: about 2 × backup_objects_in_flight objects are held at once.',
  },
  {
    name: 'backup_sha_block_size', type: 'int', default: 32 * 1024, min: 4096, max: 64 * 1024 * 1024,
    deprecatedNames: ['backup_sha_block_size_bytes', 'backup_s3_block_size'],
    help: 'Bytes per SHA-256 block: the unit an incremental backup compares and stores.',
  },
  { name: 'backup_compression_algorithm', type: 'enum', default: 'zlib', choices: ['zlib', 'gzip', 'none', 'off', 'no'], help: 'Compression of stored objects (gzip is zlib; off and no are none).' },
  { name: 'backup_compression_level', type: 'int', default: 1, min: 1, max: 9, help: 'zlib level: 1 is several times faster than 6 for a few percent more bytes.' },
  { name: 'backup_objects_in_flight', type: 'int', default: 4, min: 1, max: 64, help: 'Objects read, compressed and written at once by one backup or restore.' },
];

export const BACKUP_POSIX_OPTIONS: readonly OptionSpec[] = [
  { name: 'backup_posix_path', type: 'string', default: null, help: 'Directory backups are written to (e.g. a mounted NFS export); <state_path>/backup when unset.' },
];

export const BACKUP_S3_OPTIONS: readonly OptionSpec[] = [
  { name: 'backup_s3_endpoint_url', type: 'string', default: null, help: 'URL of the S3-compatible store (required with backup_driver = s3).' },
  { name: 'backup_s3_store_bucket', type: 'string', default: null, help: 'Bucket of backups created without a container; backup_container when unset.' },
  { name: 'backup_s3_store_access_key', type: 'string', default: null, secret: true, help: 'Access key id for the store.' },
  { name: 'backup_s3_store_secret_key', type: 'string', default: null, secret: true, help: 'Secret access key for the store.' },
  { name: 'backup_s3_region', type: 'string', default: 'us-east-1', help: 'Region used to sign requests.' },
  { name: 'backup_s3_force_path_style', type: 'bool', default: true, help: 'Address buckets as <endpoint>/<bucket> (most S3-compatible stores) rather than <bucket>.<endpoint>.' },
  { name: 'backup_s3_verify_ssl', type: 'bool', default: true, help: 'Verify the store\'s TLS certificate.' },
  { name: 'backup_s3_ca_cert_file', type: 'string', default: null, help: 'CA bundle to verify the store with.' },
  { name: 'backup_s3_timeout', type: 'int', default: 60, min: 1, help: 'Seconds one request to the store may take.' },
  { name: 'backup_s3_retry_max_attempts', type: 'int', default: 4, min: 1, max: 20, help: 'Attempts of one request before the backup fails.' },
];

/** Every backup option, as [DEFAULT] accepts them. */
export const BACKUP_OPTIONS: readonly OptionSpec[] = [...BACKUP_COMMON_OPTIONS, ...BACKUP_POSIX_OPTIONS, ...BACKUP_S3_OPTIONS];

/**
 * The backup driver's part of the [DEFAULT] values (every backup_* option, defaults filled in),
 * for the service to hand the backup role as `BackupDriverContext.options` instead of the whole bag.
 */
export function backupDriverOptions(defaults: OptionValues): OptionValues {
  return Object.fromEntries(BACKUP_OPTIONS.map((o) => [o.name, defaults[o.name] ?? o.default ?? null]));
}
