import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTgtShow } from './tgt-show-parser.js';

// Shape as tgtadm 1.0.85 prints it (trimmed).
const SHOW = `Target 1: iqn.2024-01.org.probe:v1
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 4
            Initiator: iqn.2024-01.org.probe:good alias: none
            Connection: 0
                IP Address: 127.0.0.1
    LUN information:
        LUN: 0
            Type: controller
        LUN: 1
            Type: disk
            Size: 201 MB, Block size: 512
    Account information:
        u1
    ACL information:
        iqn.2024-01.org.probe:good
Target 2: iqn.2024-01.org.probe:v2
    System information:
        Driver: iscsi
    I_T nexus information:
    LUN information:
        LUN: 0
            Type: controller
    Account information:
    ACL information:
`;

test('parseTgtShow reads targets, LUNs (not the controller LUN 0), sessions, accounts and ACLs', () => {
  assert.deepEqual(parseTgtShow(SHOW), [
    { tid: 1, iqn: 'iqn.2024-01.org.probe:v1', luns: [1], acls: ['iqn.2024-01.org.probe:good'], accounts: ['u1'],
      sessions: [{ sid: 4, initiator: 'iqn.2024-01.org.probe:good', cids: [0] }] },
    { tid: 2, iqn: 'iqn.2024-01.org.probe:v2', luns: [], acls: [], accounts: [], sessions: [] },
  ]);
});
