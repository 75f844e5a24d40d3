import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fcConnectionInfo, normalizeWwn, validateFcConnector } from './fibre-channel.js';
import { InvalidInput } from '../errors/errors.js';

describe('Fibre Channel helpers', () => {
  test('validateFcConnector accepts bare and colon-separated WWPNs', () => {
    validateFcConnector({ wwpns: ['500a098280feeba5', '50:0A:09:82:80:FE:EB:A6'] });
  });

  test('a connector without wwpns, or with a malformed one, is InvalidInput naming the field', () => {
    for (const c of [{}, { wwpns: [] }, { wwpns: ['500a0982'] }, { wwpns: ['zz0a098280feeba5'] }]) {
      assert.throws(() => validateFcConnector(c), (e: unknown) => e instanceof InvalidInput && /connector\.wwpns/.test(e.message));
    }
  });

  test('normalizeWwn strips colons and lower-cases', () => {
    assert.equal(normalizeWwn('50:0A:09:82:80:FE:EB:A5'), '500a098280feeba5');
  });

  test('fcConnectionInfo reports normalised target WWNs with the LUN and map', () => {
    const info = fcConnectionInfo('vol-1', 3, ['50:0A:09:81:89:1B:8D:C5'], { '500a098280feeba5': ['500a0981891b8dc5'] });
    assert.deepEqual(info, {
      driver_volume_type: 'fibre_channel',
      data: {
        target_discovered: false, target_lun: 3, target_wwn: ['500a0981891b8dc5'],
        initiator_target_map: { '500a098280feeba5': ['500a0981891b8dc5'] }, volume_id: 'vol-1', access_mode: 'rw',
      },
    });
  });
});
