import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../../errors/errors.js';
import { isIpv4OrCidr, orderRules, renderExport, renderExportsIndex, renderMainConfig } from './ganesha-config.js';

test('an export grants nothing at export level and one CLIENT block per rule, most specific first', () => {
  const text = renderExport({
    exportId: 7, path: '/srv/shares/share-a', pseudo: '/share-a',
    rules: [{ clients: '10.0.0.0/8', access: 'RW' }, { clients: '10.1.2.3', access: 'RO' }, { clients: '10.1.0.0/16', access: 'RW' }],
  }, false);
  assert.match(text, /Export_Id = 7;/);
  assert.match(text, /Path = "\/srv\/shares\/share-a";/);
  assert.match(text, /^ {2}Access_Type = None;$/m);
  assert.match(text, /Protocols = 4;/);
  const clients = [...text.matchAll(/CLIENT \{ Clients = ([^;]+); Access_Type = (RW|RO); \}/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(clients, ['10.1.2.3 RO', '10.1.0.0/16 RW', '10.0.0.0/8 RW']);
  assert.match(renderExport({ exportId: 1, path: '/a', pseudo: '/a', rules: [] }, true), /Protocols = 3, 4;/);
});

test('nothing that could break out of the config syntax gets in', () => {
  const base = { exportId: 1, path: '/a', pseudo: '/a', rules: [] };
  assert.throws(() => renderExport({ ...base, path: '/a"; } EXPORT { Path = "/' }, false), InvalidInput);
  assert.throws(() => renderExport({ ...base, rules: [{ clients: '1.2.3.4; Access_Type = RW', access: 'RO' }] }, false), InvalidInput);
  assert.throws(() => renderExport({ ...base, exportId: 0 }, false), InvalidInput);
  assert.throws(() => renderExport({ ...base, exportId: 65536 }, false), InvalidInput);
});

test('IPv4 addresses and CIDRs are told from anything else', () => {
  for (const ok of ['127.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '192.168.1.0/24', '1.2.3.4/32']) assert.ok(isIpv4OrCidr(ok), ok);
  for (const bad of ['10.0.0.0/33', '256.1.1.1', '10.0.0', 'alice', '::1', '10.0.0.1/', '01.2.3.4x']) assert.ok(!isIpv4OrCidr(bad), bad);
  assert.deepEqual(orderRules([{ clients: '0.0.0.0/0', access: 'RO' }, { clients: '1.2.3.4', access: 'RW' }]).map((r) => r.clients), ['1.2.3.4', '0.0.0.0/0']);
});

test('main config: NFSv4 on the bind address, or NFSv3+4 without Bind_addr inside a namespace', () => {
  const v4 = renderMainConfig({ nfsv3: false, bindAddress: '127.0.0.1', nfsPort: 12049, mountPort: 20048, recoveryRoot: '/s/rec', exportsIndex: '/s/exports.conf' });
  assert.match(v4, /NFS_Port = 12049; Protocols = 4; Bind_addr = 127\.0\.0\.1;/);
  assert.match(v4, /Graceless = true;/);
  assert.match(v4, /Mount_Path_Pseudo = true;/);
  assert.match(v4, /%include "\/s\/exports\.conf"/);
  const v3 = renderMainConfig({ nfsv3: true, bindAddress: null, nfsPort: 2049, mountPort: 20048, recoveryRoot: '/s/rec', exportsIndex: '/s/exports.conf' });
  assert.match(v3, /MNT_Port = 20048; Protocols = 3, 4; Enable_UDP = false;/);
  assert.doesNotMatch(v3, /Bind_addr/);
  assert.equal(renderExportsIndex(['/s/exports/export-1.conf']).split('\n')[1], '%include "/s/exports/export-1.conf"');
});
