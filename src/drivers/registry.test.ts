import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './index.js';
import { driverCatalog, driverRegistration, knownDrivers, registerDriver, sectionOptions } from './registry.js';
import { loadConfig } from '../config/flint-config.js';
import { ConfigError } from '../errors/errors.js';

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'flint-reg-'));
  try {
    const file = join(dir, 'flint.conf');
    writeFileSync(file, text);
    return loadConfig(file, {}, driverCatalog);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const names = (specs: readonly { name: string }[]) => specs.map((s) => s.name);

test('an unknown share_driver names the share drivers that exist', () => {
  assert.ok(knownDrivers('share').includes('local'));
  assert.throws(() => load('[DEFAULT]\nenabled_backends = s\n[s]\nshare_driver = ganesha\n'),
    (e: unknown) => e instanceof ConfigError && e.message === `Unknown share_driver 'ganesha' in section [s]. Known drivers: ${knownDrivers('share').join(', ')}.`);
});

test('drivers are keyed by kind: a share_driver section names a share driver, not a volume one', () => {
  registerDriver({ kind: 'share', name: 'test_share', description: 'test', options: [], load: async () => { throw new Error('not loaded'); } });
  const cfg = load('[DEFAULT]\nenabled_backends = s,v\n[s]\nshare_driver = test_share\n[v]\nvolume_driver = fake\n');
  assert.deepEqual(cfg.backends.map((b) => [b.section, b.kind, b.driver]), [['s', 'share', 'test_share'], ['v', 'volume', 'fake']]);
  assert.equal(cfg.backends[0]!.options.share_backend_name, null);
  assert.equal(cfg.backends[0]!.options.volume_backend_name, undefined);
  assert.throws(() => load('[DEFAULT]\nenabled_backends = s\n[s]\nvolume_driver = test_share\n'), new RegExp(`Unknown volume_driver 'test_share' in section \\[s\\]\\. Known drivers: ${knownDrivers('volume').join(', ')}\\.`));
  assert.throws(() => load('[DEFAULT]\nenabled_backends = s\n[s]\nshare_driver = nope\n'), new RegExp(`Unknown share_driver 'nope' in section \\[s\\]\\. Known drivers: ${knownDrivers('share').join(', ')}\\.`));
  assert.throws(() => load('[DEFAULT]\nenabled_backends = s\n[s]\nshare_driver = test_share\nvolume_driver = fake\n'), /Section \[s\] sets both volume_driver and share_driver/);
  // A volume-only option is unknown on a share section.
  assert.throws(() => load('[DEFAULT]\nenabled_backends = s\n[s]\nshare_driver = test_share\nvolume_clear = none\n'), /Unknown option volume_clear in section \[s\]/);
});

test('iSCSI target options belong only to sections whose driver uses a target helper', () => {
  for (const name of ['fake', 'local']) {
    assert.ok(names(sectionOptions(driverRegistration(name, 'x'))).includes('target_port'), name);
  }
  const ontap = names(sectionOptions(driverRegistration('netapp_ontap', 'x')));
  for (const t of ['target_port', 'target_ip_address', 'target_helper', 'iscsi_target_prefix', 'volumes_dir']) assert.ok(!ontap.includes(t), t);
  assert.ok(ontap.includes('use_chap_auth'));
  assert.throws(() => load('[DEFAULT]\nenabled_backends = o\n[o]\nvolume_driver = netapp_ontap\ntarget_port = 3261\n'), /Unknown option target_port in section \[o\]/);
  assert.equal(load('[DEFAULT]\nenabled_backends = f\n[f]\nvolume_driver = fake\ntarget_port = 3261\n').backends[0]!.options.target_port, 3261);
});
