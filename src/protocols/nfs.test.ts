import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../errors/errors.js';
import {
  formatNfsExportPath, nfsExportLocation, parseNfsExportPath, validateAccessLevel, validateNfsAccessRule, validateNfsAccessTo,
} from './nfs.js';

test('access levels are rw and ro; anything else is bad input naming the value', () => {
  assert.equal(validateAccessLevel('rw'), 'rw');
  assert.equal(validateAccessLevel('ro'), 'ro');
  assert.throws(() => validateAccessLevel('RW'), (e: unknown) => e instanceof InvalidInput && /access_level 'RW'/.test(e.message));
  assert.throws(() => validateAccessLevel(undefined), InvalidInput);
});

test('access_to takes an address or a network and normalizes it', () => {
  assert.equal(validateNfsAccessTo('127.0.0.1'), '127.0.0.1');
  assert.equal(validateNfsAccessTo(' 10.0.0.0/8 '), '10.0.0.0/8');
  assert.equal(validateNfsAccessTo('127.0.0.1/32'), '127.0.0.1');
  assert.equal(validateNfsAccessTo('FD00::/64'), 'fd00::/64');
  assert.equal(validateNfsAccessTo('::1/128'), '::1');
  for (const bad of ['', 'host.example', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0.0/x', '300.1.1.1', 7]) {
    assert.throws(() => validateNfsAccessTo(bad), InvalidInput, String(bad));
  }
});

test('an access rule must be of type ip over NFS; the level defaults to rw', () => {
  assert.deepEqual(validateNfsAccessRule({ access_type: 'ip', access_to: '127.0.0.0/8' }), { accessType: 'ip', accessTo: '127.0.0.0/8', accessLevel: 'rw' });
  assert.deepEqual(validateNfsAccessRule({ access_type: 'ip', access_to: '::1', access_level: 'ro' }), { accessType: 'ip', accessTo: '::1', accessLevel: 'ro' });
  assert.throws(() => validateNfsAccessRule({ access_type: 'user', access_to: 'alice' }), /access_type 'user'/);
  assert.throws(() => validateNfsAccessRule({ access_type: 'ip', access_to: '127.0.0.1', access_level: 'rx' }), /access_level 'rx'/);
});

test('export locations are host:/path, IPv6 hosts in brackets, and parse back', () => {
  assert.equal(formatNfsExportPath('127.0.0.1', '/shares/share-1'), '127.0.0.1:/shares/share-1');
  assert.equal(formatNfsExportPath('::1', '/shares/share-1'), '[::1]:/shares/share-1');
  assert.deepEqual(parseNfsExportPath('[::1]:/shares/share-1'), { host: '::1', path: '/shares/share-1' });
  assert.deepEqual(parseNfsExportPath('127.0.0.1:/x'), { host: '127.0.0.1', path: '/x' });
  assert.deepEqual(nfsExportLocation('127.0.0.1', '/x', { preferred: true }), { path: '127.0.0.1:/x', isAdminOnly: false, preferred: true });
  assert.throws(() => formatNfsExportPath('127.0.0.1', 'relative'), InvalidInput);
  for (const bad of ['127.0.0.1', '127.0.0.1:relative', ':/x', '::1:/x']) assert.throws(() => parseNfsExportPath(bad), InvalidInput, bad);
});
