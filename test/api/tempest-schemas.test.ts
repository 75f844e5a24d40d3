// The Tempest-schema helper itself: it picks the module Tempest's clients pick per
// microversion and rejects what Tempest rejects (a field too many, a wrong status, a bad date).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatchesTempestSchema, tempestContract, schemaModuleFor } from '../support/tempest-schemas.js';

const snapshot = {
  id: '9a3b6a4e-8f0e-4d4b-9a35-2f3c1f1b0c11', volume_id: '1c4e9b55-3d1c-4c2a-8f8a-6b8b5f8b2a01',
  status: 'creating', size: 1, name: 's', description: null, metadata: {},
  created_at: '2026-11-28T03:52:08.000000', updated_at: null,
};

test('the module follows the Tempest clients\' schema_versions_info', () => {
  assert.equal(schemaModuleFor('volumes', null), 'volumes');
  assert.equal(schemaModuleFor('volumes', '3.0'), 'volumes');
  assert.equal(schemaModuleFor('volumes', '3.60'), 'volumes');
  assert.equal(schemaModuleFor('volumes', '3.61'), 'v3_61.volumes');
  assert.equal(schemaModuleFor('volumes', '3.64'), 'v3_64.volumes');
  assert.equal(schemaModuleFor('volumes', '3.70'), 'v3_69.volumes');
  assert.equal(schemaModuleFor('transfers', '3.55'), 'v3_55.transfers');
  assert.equal(schemaModuleFor('services', '3.7'), 'v3_7.services');
  assert.equal(schemaModuleFor('snapshots', '3.70'), 'snapshots', 'an unversioned module is used at every microversion');
  assert.equal(tempestContract('v3_61.volumes.show_volume', '3.0').module, 'v3_61.volumes');
  assert.throws(() => tempestContract('volumes.no_such_call', '3.0'), /no response schema/);
});

test('a body Tempest accepts passes; a field too many, a missing field, a bad date or status fail', () => {
  assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: { snapshot } });
  assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: JSON.stringify({ snapshot }) });
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: { snapshot: { ...snapshot, extra: 1 } } }),
    /must NOT have additional properties \(extra\)/);
  const { size: _size, ...noSize } = snapshot;
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: { snapshot: noSize } }), /size/);
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: { snapshot: { ...snapshot, created_at: 'yesterday' } } }),
    /iso8601-date-time/);
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 200, body: { snapshot } }), /status 200, Tempest expects 202/);
});

test('a call Tempest expects no body for fails with one', () => {
  assertMatchesTempestSchema('volumes.delete_volume', '3.0', { status: 202, body: '' });
  assert.throws(() => assertMatchesTempestSchema('volumes.delete_volume', '3.0', { status: 202, body: { x: 1 } }), /expects no body/);
});

test('a microversioned field is refused before the version that adds it and accepted from it', () => {
  const v = {
    id: '1c4e9b55-3d1c-4c2a-8f8a-6b8b5f8b2a01', status: 'available', size: 1, availability_zone: 'nova',
    created_at: '2026-11-28T03:52:08.000000', updated_at: null, name: null, description: null, volume_type: 'gold',
    snapshot_id: null, source_volid: null, metadata: {}, user_id: 'u', bootable: 'false', encrypted: false,
    replication_status: null, consistencygroup_id: null, multiattach: false, attachments: [],
    links: [{ href: 'http://127.0.0.1/v3/p/volumes/x', rel: 'self' }], migration_status: null, group_id: null,
    provider_id: null, service_uuid: null, shared_targets: false,
  };
  assertMatchesTempestSchema('volumes.show_volume', '3.62', { status: 200, body: { volume: v } });
  assert.throws(() => assertMatchesTempestSchema('volumes.show_volume', '3.62', { status: 200, body: { volume: { ...v, volume_type_id: v.id } } }),
    /volume_type_id/);
  assertMatchesTempestSchema('volumes.show_volume', '3.63', { status: 200, body: { volume: { ...v, volume_type_id: v.id } } });
});

test('fields Cinder adds after Tempest 33\'s schemas are allowed from their microversion only', () => {
  const withUser = { snapshot: { ...snapshot, user_id: 'u', group_snapshot_id: null } };
  assertMatchesTempestSchema('snapshots.create_snapshot', '3.41', { status: 202, body: withUser });
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.40', { status: 202, body: withUser }), /user_id/);
  assert.throws(() => assertMatchesTempestSchema('snapshots.create_snapshot', '3.0', { status: 202, body: withUser }), /group_snapshot_id/);
  const list = { snapshots: [snapshot], count: 1 };
  assertMatchesTempestSchema('snapshots.list_snapshots_no_detail', '3.45', { status: 200, body: list });
  assert.throws(() => assertMatchesTempestSchema('snapshots.list_snapshots_no_detail', '3.44', { status: 200, body: list }), /count/);
});
