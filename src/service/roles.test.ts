import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlintConfig } from '../config/flint-config.js';
import { ConfigError } from '../errors/errors.js';
import { checkRoles, configuredRoles, parseRoles, poolSizeFor } from './roles.js';
import { startService } from './flint-service.js';

const cfg = {
  backends: [
    { section: 'blk', kind: 'volume', driver: 'fake', options: {} },
    { section: 'nas', kind: 'share', driver: 'test_share', options: {} },
  ],
} as unknown as FlintConfig;

test('--role parses every role form and refuses other words naming the forms', () => {
  assert.deepEqual(parseRoles('api, scheduler,volume@blk,share@nas,backup'), ['api', 'scheduler', 'volume@blk', 'share@nas', 'backup']);
  for (const bad of ['apis', 'volume@', 'share', 'volume@a b', 'backup@x']) {
    assert.throws(() => parseRoles(bad), (e: unknown) => e instanceof ConfigError && e.message.includes('share@BACKEND'), bad);
  }
  assert.throws(() => parseRoles(' , '), /names no role/);
});

test('each backend offers the role of its kind; a role of the wrong kind names the right one', () => {
  assert.deepEqual(configuredRoles(cfg), ['api', 'scheduler', 'volume@blk', 'share@nas', 'backup']);
  checkRoles(['api', 'volume@blk', 'share@nas', 'backup'], cfg);
  assert.throws(() => checkRoles(['share@blk'], cfg), /backend blk, which is a volume backend \(volume_driver\); its role is volume@blk/);
  assert.throws(() => checkRoles(['volume@nas'], cfg), /its role is share@nas/);
  assert.throws(() => checkRoles(['volume@zzz'], cfg), /Unknown role 'volume@zzz'\. Roles here: api, scheduler, volume@blk, share@nas, backup/);
  const noShares = { backends: [cfg.backends[0]] } as unknown as FlintConfig;
  assert.throws(() => checkRoles(['share@nas'], noShares), /no share backend is enabled/);
});

test('a share role runs its share manager: an unknown share driver stops the start, naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-roles-'));
  try {
    const configFile = join(dir, 'flint.conf');
    writeFileSync(configFile, `[DEFAULT]\nenabled_backends = nas\nstate_path = ${dir}\n[nas]\nshare_driver = test_share\n`);
    await assert.rejects(startService({ configFile, roles: ['share@nas'] }), (e: unknown) => e instanceof ConfigError && /Unknown share_driver 'test_share' in section \[nas\]/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PostgreSQL pool is sized from the roles a process runs', () => {
  assert.equal(poolSizeFor(['api']), 10);
  assert.equal(poolSizeFor(['scheduler']), 2);
  assert.equal(poolSizeFor(['volume@blk']), 3);
  // All-in-one: the API's share plus each worker role's.
  assert.equal(poolSizeFor(configuredRoles(cfg)), 10 + 2 + 3 + 3 + 2);
});
