// The `s3` backup driver: the chunked format over an S3-compatible object store.
import { Options } from '../../../config/options.js';
import { ConfigError } from '../../../errors/errors.js';
import type { BackupDriverContext, BackupDriverCore } from '../../interface/backup.js';
import { ChunkedBackupDriver } from '../chunked/chunked-backup-driver.js';
import { chunkedSettings } from '../chunked/chunked-settings.js';
import { bucketNameProblem } from './bucket-name.js';
import { S3ObjectStore } from './s3-object-store.js';

export function createS3BackupDriver(ctx: BackupDriverContext): BackupDriverCore {
  const opt = new Options(ctx.options, 'DEFAULT');
  const endpoint = opt.optStr('backup_s3_endpoint_url');
  if (!endpoint) throw new ConfigError('Missing option backup_s3_endpoint_url in section [DEFAULT]: backup_driver = s3 needs the store\'s URL.');
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new ConfigError(`Invalid option backup_s3_endpoint_url in section [DEFAULT]: '${endpoint}' is not an http(s) URL.`);
  const accessKeyId = opt.optStr('backup_s3_store_access_key');
  const secretAccessKey = opt.optStr('backup_s3_store_secret_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError('Missing option backup_s3_store_access_key or backup_s3_store_secret_key in section [DEFAULT]: backup_driver = s3 needs both.');
  }
  const bucket = opt.optStr('backup_s3_store_bucket') ?? opt.str('backup_container');
  const problem = bucketNameProblem(bucket);
  if (problem) throw new ConfigError(`Invalid option backup_s3_store_bucket in section [DEFAULT]: ${problem}.`);
  const store = new S3ObjectStore({
    endpoint,
    region: opt.str('backup_s3_region'),
    accessKeyId,
    secretAccessKey,
    forcePathStyle: opt.bool('backup_s3_force_path_style'),
    verifySsl: opt.bool('backup_s3_verify_ssl'),
    caCertFile: opt.optStr('backup_s3_ca_cert_file'),
    timeoutMs: opt.int('backup_s3_timeout') * 1000,
    maxAttempts: opt.int('backup_s3_retry_max_attempts'),
  });
  return new ChunkedBackupDriver('s3', store, chunkedSettings(opt, bucket), ctx.logger);
}
