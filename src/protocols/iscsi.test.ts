import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, parseChapAuth, parseIscsiLocation, validateIscsiConnector,
} from './iscsi.js';
import { InvalidInput } from '../errors/errors.js';

const IQN = 'iqn.2010-10.org.openstack:volume-7b0c3e0a';

function invalid(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidInput, `expected InvalidInput, got ${String(e)}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('provider_location', () => {
  test('formats as Cinder does and parses back', () => {
    const loc = { portal: '127.0.0.1:3260', tpgt: 1, iqn: IQN, lun: 1 };
    const text = formatIscsiLocation(loc);
    assert.equal(text, `127.0.0.1:3260,1 ${IQN} 1`);
    assert.deepEqual(parseIscsiLocation(text), { ...loc, portals: undefined });
  });

  test('multipath portals are ;-joined and come back as a list whose first entry is the portal', () => {
    const loc = { portal: '127.0.0.1:3260', portals: ['127.0.0.1:3260', '127.0.0.2:3260'], tpgt: 2, iqn: IQN, lun: 0 };
    const text = formatIscsiLocation(loc);
    assert.equal(text, `127.0.0.1:3260;127.0.0.2:3260,2 ${IQN} 0`);
    assert.deepEqual(parseIscsiLocation(text), loc);
  });

  test('IPv6 portals survive the round trip', () => {
    const loc = { portal: '[::1]:3260', tpgt: 1, iqn: IQN, lun: 3 };
    assert.deepEqual(parseIscsiLocation(formatIscsiLocation(loc)), { ...loc, portals: undefined });
  });

  test('a missing tpgt defaults to 1 and a missing LUN to 0; extra whitespace is tolerated', () => {
    assert.deepEqual(parseIscsiLocation(`  127.0.0.1:3260   ${IQN} `), { portal: '127.0.0.1:3260', portals: undefined, tpgt: 1, iqn: IQN, lun: 0 });
  });

  test('malformed locations are InvalidInput naming the text', () => {
    invalid(() => parseIscsiLocation(''), /Malformed iSCSI provider_location/);
    invalid(() => parseIscsiLocation('127.0.0.1:3260,1'), /'127.0.0.1:3260,1'/);
    invalid(() => parseIscsiLocation(`127.0.0.1:3260,1 ${IQN} one`));
    invalid(() => parseIscsiLocation(`127.0.0.1:3260,1 ${IQN} 1.5`));
    invalid(() => parseIscsiLocation(`127.0.0.1:3260,1 ${IQN} -1`));
    invalid(() => parseIscsiLocation(`127.0.0.1:3260,x ${IQN} 1`));
    invalid(() => parseIscsiLocation(`;,1 ${IQN} 1`));
  });
});

describe('provider_auth (CHAP)', () => {
  test('formats and parses back', () => {
    const auth = { method: 'CHAP' as const, username: 'user1', secret: 'Secr3tPw' };
    assert.equal(formatChapAuth(auth), 'CHAP user1 Secr3tPw');
    assert.deepEqual(parseChapAuth(formatChapAuth(auth)), auth);
  });

  test('no provider_auth means no CHAP', () => {
    assert.equal(parseChapAuth(null), null);
    assert.equal(parseChapAuth(''), null);
  });

  test('other methods or missing parts are InvalidInput', () => {
    invalid(() => parseChapAuth('CHAP user'), /expected "CHAP user secret"/);
    invalid(() => parseChapAuth('PAP user secret'));
    invalid(() => parseChapAuth('CHAP'));
  });
});

describe('validateIscsiConnector', () => {
  test('accepts iqn., eui. and naa. (16 or 32 hex digits) names', () => {
    for (const initiator of ['iqn.1993-08.org.debian:01:abcdef', 'eui.02004567A425678D', 'naa.52004567BA64678D', `naa.${'a'.repeat(32)}`]) {
      validateIscsiConnector({ initiator });
    }
  });

  test('a connector without an initiator is InvalidInput naming connector.initiator', () => {
    invalid(() => validateIscsiConnector({ host: 'h', ip: '127.0.0.1' }), /connector\.initiator/);
    invalid(() => validateIscsiConnector({ initiator: '' }), /connector\.initiator/);
    invalid(() => validateIscsiConnector({ initiator: 42 as unknown as string }), /connector\.initiator/);
  });

  test('a malformed initiator name is InvalidInput quoting it', () => {
    for (const initiator of ['iqn.93-08.org.debian:x', 'iqn.1993-08.', 'eui.123', `naa.${'b'.repeat(20)}`, 'host1', 'iqn.1993-08.org x']) {
      invalid(() => validateIscsiConnector({ initiator }), new RegExp(`'${initiator.replace(/\./g, '\\.')}' is not a valid iSCSI name`));
    }
  });
});

describe('iscsiConnectionInfo', () => {
  test('builds the seeds’ properties from provider_location and CHAP provider_auth', () => {
    const info = iscsiConnectionInfo('vol-1', `127.0.0.1:3260,1 ${IQN} 1`, 'CHAP u1 s1');
    assert.deepEqual(info, {
      driver_volume_type: 'iscsi',
      data: {
        target_discovered: false, target_portal: '127.0.0.1:3260', target_iqn: IQN, target_lun: 1, volume_id: 'vol-1',
        access_mode: 'rw', auth_method: 'CHAP', auth_username: 'u1', auth_password: 's1',
      },
    });
  });

  test('multipath adds parallel target_portals/iqns/luns; iser, ro and discard are passed through', () => {
    const info = iscsiConnectionInfo('vol-2', `127.0.0.1:3260;127.0.0.2:3260,1 ${IQN} 2`, null, { protocol: 'iser', accessMode: 'ro', discard: true });
    assert.equal(info.driver_volume_type, 'iser');
    const data = info.data as Record<string, unknown>;
    assert.deepEqual(data.target_portals, ['127.0.0.1:3260', '127.0.0.2:3260']);
    assert.deepEqual(data.target_iqns, [IQN, IQN]);
    assert.deepEqual(data.target_luns, [2, 2]);
    assert.equal(data.access_mode, 'ro');
    assert.equal(data.discard, true);
    assert.equal(data.auth_method, undefined);
  });
});
