import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LioadmTarget } from './lioadm-target.js';
import { RecordingExecutor } from '../../../test/support/recording-executor.js';

const IQN = 'iqn.2010-10.org.openstack:volume-1';
const chap = { method: 'CHAP' as const, username: 'u1', secret: 's3cret' };

test('lioadm: createExport, allowInitiator with CHAP, denyInitiator and removeExport generate targetcli command lines', async () => {
  const ex = new RecordingExecutor((argv) => (argv.join(' ') === 'targetcli /iscsi ls depth=1' ? { stdout: 'o- iscsi ... [Targets: 0]\n' } : {}));
  const t = new LioadmTarget({ executor: ex, ip: '127.0.0.1', port: 3260 });
  const loc = await t.createExport({ iqn: IQN, path: '/pool/volume-1', chap });
  assert.deepEqual(loc, { iqn: IQN, lun: 1, portal: '127.0.0.1:3260', tpgt: 1 });
  await t.allowInitiator(IQN, 'iqn.1993-08.org.debian:01:host');
  await t.denyInitiator(IQN, 'iqn.1993-08.org.debian:01:host');
  await t.removeExport(IQN);
  assert.deepEqual(ex.lines(), [
    'targetcli /iscsi ls depth=1',
    'targetcli /backstores/fileio create name=volume-1 file_or_dev=/pool/volume-1',
    `targetcli /iscsi create ${IQN}`,
    `targetcli /iscsi/${IQN}/tpg1/luns create /backstores/fileio/volume-1 lun=1`,
    `targetcli /iscsi/${IQN}/tpg1/portals delete 0.0.0.0 3260`,
    `targetcli /iscsi/${IQN}/tpg1/portals create 127.0.0.1 3260`,
    `targetcli /iscsi/${IQN}/tpg1 set attribute authentication=1 generate_node_acls=0 demo_mode_write_protect=0`,
    `targetcli /iscsi/${IQN}/tpg1/acls create iqn.1993-08.org.debian:01:host`,
    `targetcli /iscsi/${IQN}/tpg1/acls/iqn.1993-08.org.debian:01:host set auth userid=u1 password=s3cret`,
    `targetcli /iscsi/${IQN}/tpg1/acls delete iqn.1993-08.org.debian:01:host`,
    `targetcli /iscsi delete ${IQN}`,
    'targetcli /backstores/fileio delete volume-1',
  ]);
  const withSecret = ex.calls.find((c) => c.argv.some((a) => a.includes('s3cret')));
  assert.deepEqual(withSecret?.opts.secrets, ['s3cret'], 'the CHAP secret is marked for redaction');
});

test('lioadm: an existing target is not created again; iSER enables iser on the portal', async () => {
  const ex = new RecordingExecutor(() => ({ stdout: `o- ${IQN} ... [TPGs: 1]\n` }));
  const t = new LioadmTarget({ executor: ex, ip: '127.0.0.1', port: 3260, iser: true });
  await t.createExport({ iqn: IQN, path: '/pool/volume-1', chap: null });
  assert.deepEqual(ex.lines(), ['targetcli /iscsi ls depth=1']);
  const ex2 = new RecordingExecutor(() => ({ stdout: '' }));
  await new LioadmTarget({ executor: ex2, ip: '127.0.0.1', port: 3260, iser: true }).createExport({ iqn: IQN, path: '/p', chap: null });
  assert.ok(ex2.lines().includes(`targetcli /iscsi/${IQN}/tpg1/portals/127.0.0.1:3260 enable_iser true`));
  assert.ok(ex2.lines().some((l) => l.includes('authentication=0')));
});
