// Shape and invariant checks the conformance suite applies to what a driver returns.
import assert from 'node:assert/strict';
import { FlintError } from '../../src/errors/errors.js';
import { supportedOperations } from '../../src/drivers/interface/capabilities.js';
import { parseChapAuth } from '../../src/protocols/iscsi.js';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import type { BackendVolumeObject, ConnectionInfo, DriverVolume, ModelUpdate } from '../../src/drivers/interface/objects.js';
import type { BackendStats, PoolStats } from '../../src/drivers/interface/stats.js';

function nonNegativeFinite(value: unknown, what: string): void {
  assert.equal(typeof value, 'number', `${what} must be a number`);
  assert.ok(Number.isFinite(value as number), `${what} must be finite, got ${String(value)}`);
  assert.ok((value as number) >= 0, `${what} must be >= 0, got ${String(value)}`);
}

export function assertPoolStats(p: PoolStats): void {
  const at = `pool ${p.poolName}`;
  assert.equal(typeof p.poolName, 'string');
  assert.ok(p.poolName.length > 0, 'poolName must not be empty');
  if (p.capacity.known) {
    nonNegativeFinite(p.capacity.totalGiB, `${at} capacity.totalGiB`);
    nonNegativeFinite(p.capacity.freeGiB, `${at} capacity.freeGiB`);
    assert.ok(p.capacity.freeGiB <= p.capacity.totalGiB, `${at}: freeGiB ${p.capacity.freeGiB} > totalGiB ${p.capacity.totalGiB}`);
  } else {
    assert.ok(['infinite', 'unknown'].includes(p.capacity.reason), `${at} capacity.reason must be infinite or unknown`);
  }
  nonNegativeFinite(p.provisionedCapacityGiB, `${at} provisionedCapacityGiB`);
  nonNegativeFinite(p.allocatedCapacityGiB, `${at} allocatedCapacityGiB`);
  nonNegativeFinite(p.reservedPercentage, `${at} reservedPercentage`);
  assert.ok(p.reservedPercentage <= 100, `${at} reservedPercentage must be <= 100`);
  assert.ok(Number.isFinite(p.maxOverSubscriptionRatio) && p.maxOverSubscriptionRatio >= 1, `${at} maxOverSubscriptionRatio must be >= 1`);
  for (const flag of ['thinProvisioningSupport', 'thickProvisioningSupport', 'multiattach', 'onlineExtendSupport', 'qosSupport'] as const) {
    assert.equal(typeof p[flag], 'boolean', `${at} ${flag} must be a boolean`);
  }
  assert.ok(p.thinProvisioningSupport || p.thickProvisioningSupport, `${at} must support thin or thick provisioning`);
  if (p.totalVolumes !== undefined) {
    assert.ok(Number.isInteger(p.totalVolumes) && p.totalVolumes >= 0, `${at} totalVolumes must be a non-negative integer`);
  }
  assert.equal(typeof p.capabilities, 'object');
  for (const [k, v] of Object.entries(p.capabilities)) {
    assert.ok(['string', 'number', 'boolean'].includes(typeof v), `${at} capability ${k} must be a string, number or boolean`);
  }
}

export function assertStats(stats: BackendStats, driver: VolumeDriverCore): void {
  for (const field of ['volumeBackendName', 'vendorName', 'driverVersion', 'storageProtocol'] as const) {
    assert.equal(typeof stats[field], 'string', `${field} must be a string`);
    assert.ok(stats[field].length > 0, `${field} must not be empty`);
  }
  assert.ok(Array.isArray(stats.pools) && stats.pools.length > 0, 'stats must report at least one pool');
  const names = stats.pools.map((p) => p.poolName);
  assert.equal(new Set(names).size, names.length, `pool names must be unique: ${names.join(', ')}`);
  for (const p of stats.pools) assertPoolStats(p);
  assert.deepEqual([...stats.operations].sort(), supportedOperations(driver).sort(), 'operations must equal supportedOperations(driver)');
}

export function assertModelUpdate(update: ModelUpdate | void | null): void {
  if (update === undefined || update === null) return;
  for (const f of ['providerLocation', 'providerAuth', 'providerId'] as const) {
    if (update[f] !== undefined) assert.ok(update[f] === null || typeof update[f] === 'string', `${f} must be a string or null`);
  }
  if (update.size !== undefined) assert.ok(Number.isInteger(update.size) && update.size > 0, 'size must be a positive integer');
}

const PORTAL = /^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):(\d{1,5})$/;

/** The connection properties os-brick needs for `protocol`, consistent with the volume's export. */
export function assertConnectionInfo(info: ConnectionInfo, protocol: string, volume: DriverVolume): void {
  assert.equal(info.driver_volume_type, protocol, 'driver_volume_type');
  const data = info.data as Record<string, unknown>;
  assert.equal(data.volume_id, volume.id, 'data.volume_id must be the volume id');
  assert.ok(data.access_mode === 'rw' || data.access_mode === 'ro', 'data.access_mode must be rw or ro');
  if (info.driver_volume_type === 'iscsi' || info.driver_volume_type === 'iser') {
    const d = info.data;
    const m = PORTAL.exec(d.target_portal);
    assert.ok(m, `target_portal '${d.target_portal}' must be ip:port`);
    const port = Number(m[2]);
    assert.ok(port >= 1 && port <= 65535, `target_portal port ${port} out of range`);
    assert.match(d.target_iqn, /^(iqn\.\d{4}-\d{2}\.\S+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]+)$/, 'target_iqn must be an iSCSI name');
    assert.ok(Number.isInteger(d.target_lun) && d.target_lun >= 0, `target_lun must be a non-negative integer, got ${String(d.target_lun)}`);
    assert.equal(typeof d.target_discovered, 'boolean');
    if (d.target_portals !== undefined) {
      assert.ok(Array.isArray(d.target_portals) && d.target_portals.length > 0);
      for (const p of d.target_portals) assert.match(p, PORTAL);
      assert.equal(d.target_iqns?.length, d.target_portals.length, 'target_iqns must match target_portals');
      assert.equal(d.target_luns?.length, d.target_portals.length, 'target_luns must match target_portals');
    }
    const chap = parseChapAuth(volume.providerAuth);
    if (chap) {
      assert.equal(d.auth_method, 'CHAP', 'provider_auth is CHAP, so auth_method must be CHAP');
      assert.equal(d.auth_username, chap.username, 'auth_username must come from provider_auth');
      assert.equal(d.auth_password, chap.secret, 'auth_password must come from provider_auth');
    } else if (d.auth_method !== undefined) {
      assert.equal(d.auth_method, 'CHAP');
      assert.ok(typeof d.auth_username === 'string' && d.auth_username.length > 0, 'auth_username must be set with auth_method');
      assert.ok(typeof d.auth_password === 'string' && d.auth_password.length > 0, 'auth_password must be set with auth_method');
    }
  } else if (info.driver_volume_type === 'fibre_channel') {
    const d = info.data;
    assert.ok(Array.isArray(d.target_wwn) && d.target_wwn.length > 0, 'target_wwn must be a non-empty list');
    for (const w of d.target_wwn) assert.match(w, /^[0-9a-f]{16}$/, `target_wwn entry '${w}' must be 16 lower-case hex digits`);
    assert.ok(Number.isInteger(d.target_lun) && d.target_lun >= 0, 'target_lun must be a non-negative integer');
    if (d.initiator_target_map !== undefined) {
      for (const [init, targets] of Object.entries(d.initiator_target_map)) {
        assert.match(init, /^[0-9a-f]{16}$/, `initiator_target_map key '${init}'`);
        for (const t of targets) assert.ok(d.target_wwn.includes(t), `initiator_target_map target ${t} must be in target_wwn`);
      }
    }
  } else if (info.driver_volume_type === 'local') {
    assert.equal(typeof data.device_path, 'string', 'local connections carry data.device_path');
  }
}

export function assertBackendObject(o: BackendVolumeObject): void {
  assert.equal(typeof o.reference, 'object');
  assert.ok(Object.keys(o.reference).length > 0, 'reference must name the object');
  for (const v of Object.values(o.reference)) assert.equal(typeof v, 'string');
  assert.ok(Number.isInteger(o.sizeGiB) && o.sizeGiB >= 0, `sizeGiB must be a whole number of GiB, got ${o.sizeGiB}`);
  assert.ok(o.flintId === null || typeof o.flintId === 'string');
  assert.equal(typeof o.safeToManage, 'boolean');
  if (!o.safeToManage) assert.ok(typeof o.reasonNotSafe === 'string' && o.reasonNotSafe.length > 0, 'an unsafe object says why');
}

/** The call must fail with a FlintError (optionally of a given class), never a bare Error. */
export async function assertFlintError(
  call: () => Promise<unknown> | unknown, klass: abstract new (...a: never[]) => FlintError = FlintError, what = 'the call',
): Promise<FlintError> {
  let thrown: unknown;
  try {
    await call();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `${what} must throw`);
  assert.ok(thrown instanceof FlintError, `${what} must throw a FlintError, got ${String(thrown)}`);
  assert.ok(thrown instanceof klass, `${what} must throw ${klass.name}, got ${(thrown as Error).name}: ${(thrown as Error).message}`);
  return thrown;
}
