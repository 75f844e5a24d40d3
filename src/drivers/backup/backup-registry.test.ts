// createBackupDriver as the backup service calls it: options from [DEFAULT], validated as config is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_OPTIONS } from '../../config/backup-options.js';
import { resolveOptions } from '../../config/options.js';
import { BackendError, ConfigError } from '../../errors/errors.js';
import { logger } from '../../util/logger.js';
import { startS3TestServer } from '../../../test/support/s3-test-server.js';
import { createBackupDriver, knownBackupDrivers } from './index.js';

const dirs: string[] = [];
after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

async function ctx(raw: Record<string, string>) {
  const stateDir = await mkdtemp(join(tmpdir(), 'flint-backup-reg-'));
  dirs.push(stateDir);
  return { options: resolveOptions('DEFAULT', raw, BACKUP_OPTIONS), logger, stateDir };
}

test('posix and s3 are registered; posix is the default and keeps backups under the state dir', async () => {
  assert.deepEqual(knownBackupDrivers(), ['posix', 's3']);
  const c = await ctx({});
  const driver = await createBackupDriver(c);
  assert.equal(driver.name, 'posix');
  assert.ok((await stat(join(c.stateDir, 'backup', 'volumebackups'))).isDirectory());
});

test('bad backup options fail naming the option', async () => {
  assert.throws(() => resolveOptions('DEFAULT', { backup_driver: 'swift' }, BACKUP_OPTIONS), /backup_driver .*allowed: posix, s3/);
  assert.throws(() => resolveOptions('DEFAULT', { backup_compression_algorithm: 'zstd' }, BACKUP_OPTIONS), /backup_compression_algorithm/);
  await assert.rejects(createBackupDriver(await ctx({ backup_object_size: '100000', backup_sha_block_size: '32768' })),
    (e: unknown) => e instanceof ConfigError && /backup_object_size .* multiple of backup_sha_block_size/.test(e.message));
  await assert.rejects(createBackupDriver(await ctx({ backup_driver: 's3' })), (e: unknown) => e instanceof ConfigError && /backup_s3_endpoint_url/.test(e.message));
  await assert.rejects(createBackupDriver(await ctx({ backup_driver: 's3', backup_s3_endpoint_url: 'http://127.0.0.1:1' })),
    (e: unknown) => e instanceof ConfigError && /backup_s3_store_access_key/.test(e.message));
  await assert.rejects(createBackupDriver(await ctx({
    backup_driver: 's3', backup_s3_endpoint_url: 'http://127.0.0.1:1', backup_s3_store_access_key: 'a', backup_s3_store_secret_key: 'b',
    backup_container: 'Not_A_Bucket',
  })), (e: unknown) => e instanceof ConfigError && /bucket name/.test(e.message));
});

test('the backup service\'s deprecated Cinder option names are accepted', () => {
  const v = resolveOptions('DEFAULT', { backup_sha_block_size_bytes: '65536', backup_file_size: '1048576' }, BACKUP_OPTIONS);
  assert.equal(v.backup_sha_block_size, 65536);
  assert.equal(v.backup_object_size, 1048576);
});

test('s3 credentials are secret options, and a refused or unreachable store fails set-up without showing the secret', async () => {
  for (const name of ['backup_s3_store_access_key', 'backup_s3_store_secret_key']) {
    assert.equal(BACKUP_OPTIONS.find((o) => o.name === name)?.secret, true, name);
  }
  const secret = 'never-show-this-secret-0123456789';
  const server = await startS3TestServer();
  try {
    const wrong = await ctx({
      backup_driver: 's3', backup_s3_endpoint_url: server.endpoint, backup_s3_store_access_key: 'not-a-known-key',
      backup_s3_store_secret_key: secret, backup_s3_retry_max_attempts: '1',
    });
    await assert.rejects(createBackupDriver(wrong), (e: unknown) => e instanceof BackendError
      && /AccessDenied.*HTTP 403|HTTP 403/.test(e.message) && !e.message.includes(secret) && !(e.userText ?? '').includes(secret));
  } finally {
    await server.stop();
  }
  // Nothing listens on a port just released.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const down = await ctx({
    backup_driver: 's3', backup_s3_endpoint_url: `http://127.0.0.1:${port}`, backup_s3_store_access_key: 'k',
    backup_s3_store_secret_key: secret, backup_s3_retry_max_attempts: '1', backup_s3_timeout: '5',
  });
  await assert.rejects(createBackupDriver(down), (e: unknown) => e instanceof BackendError && !e.message.includes(secret));
});

test('backupContainerProblem says why a container name is refused, per driver', async () => {
  const { backupContainerProblem } = await import('./index.js');
  assert.equal(backupContainerProblem('posix', 'nightly/db'), null);
  assert.match(backupContainerProblem('posix', '../etc') ?? '', /not a valid container name/);
  assert.match(backupContainerProblem('posix', '/abs') ?? '', /not a valid container name/);
  assert.equal(backupContainerProblem('s3', 'nightly-db'), null);
  assert.match(backupContainerProblem('s3', 'Nightly_DB') ?? '', /bucket name/);
});

test('backupDriverOptions hands the driver its own options out of a loaded [DEFAULT]', async () => {
  const { loadConfig } = await import('../../config/flint-config.js');
  const { backupDriverOptions } = await import('../../config/backup-options.js');
  const { driverCatalog } = await import('../registry.js');
  await import('../index.js');
  const root = await mkdtemp(join(tmpdir(), 'flint-backup-cfg-'));
  dirs.push(root);
  const cfg = loadConfig(null, { FLINT__DEFAULT__enabled_backends: 'fake', FLINT__DEFAULT__backup_posix_path: root, FLINT__DEFAULT__backup_compression_algorithm: 'none' }, driverCatalog);
  const options = backupDriverOptions(cfg.defaults);
  assert.equal(options.backup_posix_path, root);
  assert.equal(options.backup_compression_algorithm, 'none');
  assert.equal(options.backup_object_size, 32 * 1024 * 1024);
  assert.equal('enabled_backends' in options, false);
  const driver = await createBackupDriver({ options, logger, stateDir: root });
  assert.equal(driver.name, 'posix');
  assert.ok((await stat(join(root, 'volumebackups'))).isDirectory());
});
