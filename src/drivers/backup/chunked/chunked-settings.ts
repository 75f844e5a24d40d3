// The chunked format's settings, read once from the backup options (config/backup-options.ts).
import type { Options } from '../../../config/options.js';
import { ConfigError } from '../../../errors/errors.js';
import { compressionAlgorithm } from './compression.js';
import type { ChunkedSettings } from './chunked-backup-driver.js';

export function chunkedSettings(opt: Options, defaultContainer: string): ChunkedSettings {
  const objectSize = opt.int('backup_object_size');
  const blockSize = opt.int('backup_sha_block_size');
  if (objectSize % blockSize !== 0) {
    throw new ConfigError(`Invalid option backup_object_size in section [DEFAULT]: ${objectSize} is not a multiple of backup_sha_block_size (${blockSize}).`);
  }
  return {
    objectSize,
    blockSize,
    compression: compressionAlgorithm(opt.str('backup_compression_algorithm')),
    compressionLevel: opt.int('backup_compression_level'),
    objectsInFlight: opt.int('backup_objects_in_flight'),
    defaultContainer,
  };
}
