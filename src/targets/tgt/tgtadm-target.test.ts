import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TgtadmTarget } from './tgtadm-target.js';
import { RecordingExecutor } from '../../../test/support/recording-executor.js';

const IQN = 'iqn.2010-10.org.openstack:volume-1';

test('tgtadm: createExport offers large iSCSI data segments, adds LUN 1 with the configured --bsoflags, then thin provisioning and CHAP', async () => {
  const ex = new RecordingExecutor();
  const t = new TgtadmTarget({ executor: ex, controlPort: 7, portal: '127.0.0.1:3260', bsoflags: 'direct' });
  const loc = await t.createExport({ iqn: IQN, path: '/pool/volume-1', chap: { method: 'CHAP', username: 'u1', secret: 'pw1' } });
  assert.deepEqual(loc, { iqn: IQN, lun: 1, portal: '127.0.0.1:3260', tpgt: 1 });
  const A = 'tgtadm -C 7 --lld iscsi';
  assert.deepEqual(ex.lines(), [
    `${A} --mode target --op show`,
    `${A} --mode target --op new --tid 1 --targetname ${IQN}`,
    `${A} --mode target --op update --tid 1 --name MaxRecvDataSegmentLength --value 262144`,
    `${A} --mode target --op update --tid 1 --name MaxXmitDataSegmentLength --value 262144`,
    `${A} --mode target --op update --tid 1 --name FirstBurstLength --value 262144`,
    `${A} --mode target --op update --tid 1 --name MaxBurstLength --value 1048576`,
    `${A} --mode logicalunit --op new --tid 1 --lun 1 --backing-store /pool/volume-1 --bsoflags direct`,
    `${A} --mode logicalunit --op update --tid 1 --lun 1 --params thin_provisioning=1`,
    `${A} --mode account --op new --user u1 --password pw1`,
    `${A} --mode account --op bind --tid 1 --user u1`,
  ]);
  assert.deepEqual(ex.calls[8]!.opts.secrets, ['pw1']);
});

test('tgtadm: without bsoflags the LUN is opened buffered (no --bsoflags argument)', async () => {
  const ex = new RecordingExecutor();
  await new TgtadmTarget({ executor: ex, controlPort: 7, portal: '127.0.0.1:3260' }).createExport({ iqn: IQN, path: '/pool/volume-1', chap: null });
  const lunNew = ex.lines().find((l) => l.includes('--mode logicalunit --op new'))!;
  assert.ok(!lunNew.includes('--bsoflags'), lunNew);
});

test('tgtadm: an iSER target keeps the session limits iSER negotiates (no iSCSI segment parameters)', async () => {
  const ex = new RecordingExecutor();
  await new TgtadmTarget({ executor: ex, controlPort: 7, portal: '127.0.0.1:3260', lld: 'iser' }).createExport({ iqn: IQN, path: '/pool/volume-1', chap: null });
  assert.ok(ex.lines().some((l) => l.includes('--lld iser --mode target --op new')), ex.lines().join('\n'));
  assert.ok(!ex.lines().some((l) => l.includes('--mode target --op update')), ex.lines().join('\n'));
});
