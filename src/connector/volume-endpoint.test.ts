import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { escapeOpt, openEndpoint } from './volume-endpoint.js';
import { progressParser } from './volume-io.js';
import { iscsiConnectionInfo } from '../protocols/iscsi.js';

test('an iSCSI endpoint keeps the CHAP secret out of the options and in a 0600 file removed on dispose', async () => {
  const info = iscsiConnectionInfo('v1', '127.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-1 1', 'CHAP user1 topsecret');
  const o = await openEndpoint({ kind: 'iscsi', info, initiator: 'iqn.1993-08.org.debian:01:h' });
  assert.ok(!o.imageOpts.includes('topsecret') && !o.objectArgs.join(' ').includes('topsecret'));
  assert.match(o.imageOpts, /^driver=iscsi,transport=tcp,portal=127\.0\.0\.1:3260,target=iqn\.2010-10\.org\.openstack:volume-1,lun=1,initiator-name=iqn\.1993-08\.org\.debian:01:h,user=user1,password-secret=\S+$/);
  const file = /file=(.*)$/.exec(o.objectArgs[1]!)![1]!;
  assert.equal(await readFile(file, 'utf8'), 'topsecret');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  await o.dispose();
  await assert.rejects(stat(file));
});

test('iSER connection info opens with the iser transport; file paths escape commas', async () => {
  const info = iscsiConnectionInfo('v1', '127.0.0.1:3260,1 iqn.x:y 1', null, { protocol: 'iser' });
  const o = await openEndpoint({ kind: 'iscsi', info, initiator: 'iqn.2000-01.a:b' });
  assert.match(o.imageOpts, /transport=iser/);
  assert.deepEqual(o.objectArgs, []);
  assert.equal(escapeOpt('/a,b'), '/a,,b');
  assert.equal((await openEndpoint({ kind: 'file', path: '/a,b', format: 'qcow2' })).imageOpts, 'driver=qcow2,file.driver=file,file.filename=/a,,b');
});

test('progressParser reports each new qemu-img -p percentage', () => {
  const seen: number[] = [];
  const feed = progressParser((p) => seen.push(p));
  feed('    (0.00/100%)\r    (12.50/100%)\r');
  feed('    (12.50/100%)\r    (100.00/100%)\r\n');
  assert.deepEqual(seen, [0, 12.5, 100]);
});
