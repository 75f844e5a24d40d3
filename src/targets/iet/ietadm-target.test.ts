import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IetadmTarget, parseIetProc } from './ietadm-target.js';
import { RecordingExecutor } from '../../../test/support/recording-executor.js';

const IQN = 'iqn.2010-10.org.openstack:volume-2';

test('ietadm: createExport picks the next tid and generates ietadm command lines with CHAP redacted', async () => {
  const proc = await mkdtemp(join(tmpdir(), 'iet-'));
  await writeFile(join(proc, 'volume'), 'tid:1 name:iqn.2010-10.org.openstack:volume-1\n\tlun:0 state:0 iotype:fileio path:/pool/volume-1\n');
  await writeFile(join(proc, 'session'), 'tid:1 name:iqn.2010-10.org.openstack:volume-1\n');
  const ex = new RecordingExecutor();
  const t = new IetadmTarget({ executor: ex, portal: '127.0.0.1:3260', procDir: proc });
  const loc = await t.createExport({ iqn: IQN, path: '/pool/volume-2', chap: { method: 'CHAP', username: 'u2', secret: 'pw2' } });
  assert.deepEqual(loc, { iqn: IQN, lun: 0, portal: '127.0.0.1:3260', tpgt: 1 });
  assert.deepEqual(ex.lines(), [
    `ietadm --op new --tid=2 --params Name=${IQN}`,
    'ietadm --op new --tid=2 --lun=0 --params Path=/pool/volume-2,Type=fileio',
    'ietadm --op new --tid=2 --user --params=IncomingUser=u2,Password=pw2',
  ]);
  assert.deepEqual(ex.calls[2]!.opts.secrets, ['pw2']);
});

test('ietadm: denyInitiator closes only that initiator\'s sessions; removeExport closes all, then LUN and target', async () => {
  const proc = await mkdtemp(join(tmpdir(), 'iet-'));
  await writeFile(join(proc, 'volume'), `tid:3 name:${IQN}\n\tlun:0 state:0 iotype:fileio path:/pool/volume-2\n`);
  await writeFile(join(proc, 'session'), `tid:3 name:${IQN}\n\tsid:281474997486080 initiator:iqn.a:1\n\t\tcid:0 ip:127.0.0.1 state:active hd:none dd:none\n\tsid:281474997486081 initiator:iqn.b:2\n\t\tcid:0 ip:127.0.0.1 state:active hd:none dd:none\n`);
  const ex = new RecordingExecutor();
  const t = new IetadmTarget({ executor: ex, portal: '127.0.0.1:3260', procDir: proc });
  await t.denyInitiator(IQN, 'iqn.b:2');
  await t.removeExport(IQN);
  assert.deepEqual(ex.lines(), [
    'ietadm --op delete --tid=3 --sid=281474997486081 --cid=0',
    'ietadm --op delete --tid=3 --sid=281474997486080 --cid=0',
    'ietadm --op delete --tid=3 --sid=281474997486081 --cid=0',
    'ietadm --op delete --tid=3 --lun=0',
    'ietadm --op delete --tid=3',
  ]);
  assert.equal(parseIetProc('', '').length, 0);
});
