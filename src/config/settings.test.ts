// Typed settings: built once from a loaded configuration, every value read through its
// option's declared type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendConfig, FlintConfig } from './flint-config.js';
import { DEFAULT_OPTIONS } from './flint-config.js';
import { VOLUME_BACKEND_OPTIONS } from './driver-options.js';
import { resolveOptions } from './options.js';
import { buildSettings } from './settings.js';
import { ConfigError } from '../errors/errors.js';

function config(defaults: Record<string, string>, backends: BackendConfig[] = []): FlintConfig {
  return {
    defaults: resolveOptions('DEFAULT', defaults, DEFAULT_OPTIONS), backends, host: 'h', databaseUrl: ':memory:', statePath: '/tmp/s', source: 'test',
  };
}

function volumeBackend(section: string, raw: Record<string, string>): BackendConfig {
  return { section, kind: 'volume', driver: 'fake', options: resolveOptions(section, { volume_driver: 'fake', ...raw }, VOLUME_BACKEND_OPTIONS) };
}

test('defaults become typed settings per role, with units applied once', () => {
  const s = buildSettings(config({ task_lease_seconds: '7', report_interval: '3', rpc_response_timeout: '9', image_upload_max_gib: '2', quota_volumes: '4' }));
  assert.equal(s.scheduler.leaseMs, 7000);
  assert.equal(s.manager.leaseMs, 7000);
  assert.equal(s.manager.statsIntervalMs, 3000);
  assert.equal(s.api.rpcTimeoutMs, 9000);
  assert.equal(s.api.maxImageUploadBytes, 2 * 1024 ** 3);
  assert.equal(s.quotas.volumes, 4);
  assert.deepEqual(s.scheduler.filters.slice(0, 2), ['AvailabilityZoneFilter', 'CapacityFilter']);
  assert.equal(s.scheduler.multipliers.AllocatedCapacityWeigher, -1);
  assert.equal(s.api.authStrategy, 'noauth');
});

test('zones fall back: default_availability_zone to storage_availability_zone, a backend zone to the same', () => {
  const plain = buildSettings(config({ storage_availability_zone: 'z1' }, [volumeBackend('b1', {})]));
  assert.equal(plain.api.defaultAvailabilityZone, 'z1');
  assert.equal(plain.backends[0]!.availabilityZone, 'z1');
  assert.equal(plain.backends[0]!.backendName, 'b1');
  assert.equal(plain.api.maxImageUploadBytes, undefined);
  const set = buildSettings(config({ storage_availability_zone: 'z1', default_availability_zone: 'z2' }, [
    volumeBackend('b1', { backend_availability_zone: 'z3', volume_backend_name: 'gold', num_shell_tries: '5', filter_function: 'true' }),
  ]));
  assert.equal(set.api.defaultAvailabilityZone, 'z2');
  const b = set.backends[0]!;
  assert.deepEqual([b.availabilityZone, b.backendName, b.numShellTries, b.filterFunction, b.goodnessFunction], ['z3', 'gold', 5, 'true', null]);
  assert.deepEqual(b.templates, { volume: 'volume-%s', snapshot: 'snapshot-%s' });
});

test('a value that does not match its declared type is refused, not cast', () => {
  const cfg = config({});
  const broken = { ...cfg, defaults: { ...cfg.defaults, report_interval: 'ten' } };
  assert.throws(() => buildSettings(broken), (e: unknown) => e instanceof ConfigError && /report_interval/.test(e.message));
});
