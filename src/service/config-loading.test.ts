// loadConfig with the real driver registry, as the service composes them (config/ itself knows no drivers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../drivers/index.js';
import { driverCatalog } from '../drivers/registry.js';
import { loadConfig } from '../config/flint-config.js';

function withFile(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cfg-'));
  try {
    const file = join(dir, 'flint.conf');
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the embedded default runs the local backend with its pool image under the state path', () => {
  const cfg = loadConfig(null, { FLINT__DEFAULT__state_path: '/tmp/flint-state' }, driverCatalog);
  assert.deepEqual(cfg.backends.map((b) => [b.section, b.driver]), [['local', 'local']]);
  assert.equal(cfg.backends[0]!.options.local_pool_image, '/tmp/flint-state/local-pool.img');
  assert.equal(cfg.databaseUrl, '/tmp/flint-state/flint.sqlite');
  assert.equal(cfg.defaults.auth_strategy, 'noauth');
});

test('a file configures backends; the environment overrides it', () => {
  withFile('[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = fake\nreserved_percentage = 5\n', (file) => {
    const cfg = loadConfig(file, { FLINT__a__reserved_percentage: '7', FLINT_DATABASE_URL: 'postgres://x/y' }, driverCatalog);
    assert.equal(cfg.backends[0]!.options.reserved_percentage, 7);
    assert.equal(cfg.databaseUrl, 'postgres://x/y');
  });
});

test('bad configuration names the option, the section and what is allowed', () => {
  const cases: Array<[string, RegExp]> = [
    ['[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = nope\n', /Unknown volume_driver 'nope' in section \[a\]\. Known drivers: .*fake.*local/],
    ['[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = fake\nbogus = 1\n', /Unknown option bogus in section \[a\]/],
    ['[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = fake\nreserved_percentage = 120\n', /reserved_percentage in section \[a\]: 120 is above the maximum 100/],
    ['[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = fake\nvolume_clear = wipe\n', /volume_clear in section \[a\]: 'wipe' is not allowed \(allowed: none, zero, shred\)/],
    ['[DEFAULT]\nenabled_backends = a,b\n[a]\nvolume_driver = fake\n', /Backend b is in enabled_backends but has no \[b\] section/],
    ['[DEFAULT]\nauth_strategy = magic\n', /auth_strategy in section \[DEFAULT\]: 'magic' is not allowed \(allowed: noauth, keystone\)/],
    ['[DEFAULT]\nenabled_backends = a\n[a]\nreserved_percentage = 1\n', /Missing required option volume_driver in section \[a\]/],
  ];
  for (const [text, re] of cases) withFile(text, (file) => assert.throws(() => loadConfig(file, {}, driverCatalog), re));
});
