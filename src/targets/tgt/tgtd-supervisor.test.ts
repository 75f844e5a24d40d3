// The tuned tgtd for real: the daemon Flint starts runs with the malloc tunables, a real tgtd
// accepts every session limit Flint offers, and a real initiator (qemu-img over libiscsi)
// logs in with them and moves bytes both ways intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../exec/executor.js';
import { logger } from '../../util/logger.js';
import { TgtadmTarget } from './tgtadm-target.js';
import { ISCSI_TARGET_PARAMS, TGTD_GLIBC_TUNABLES } from './tgtd-tuning.js';
import { freePort } from '../../../test/support/local-test-backend.js';

const MiB = 1024 * 1024;

test('tgtd started by Flint: malloc tunables in its environment, large segments offered, data intact through libiscsi', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flint-tgtd-tuning-'));
  const executor = new ShellExecutor({ tries: 1 });
  const port = await freePort();
  const target = new TgtadmTarget({
    executor, controlPort: port % 32768, portal: `127.0.0.1:${port}`, bsoflags: 'direct',
    supervise: { logger, managed: true, healthIntervalMs: 60_000 },
  });
  try {
    await target.start({ restarted: () => undefined, down: () => undefined });
    // glibc (2.36) parses GLIBC_TUNABLES in place, ending the string at the first ':', so
    // /proc shows the first tunable only; `ld.so --list-tunables` shows both are read.
    const environ = (await readFile(`/proc/${target.daemonPid}/environ`, 'utf8')).split('\0');
    const tunables = environ.find((e) => e.startsWith('GLIBC_TUNABLES='))?.slice('GLIBC_TUNABLES='.length);
    assert.ok(tunables && tunables.startsWith('glibc.malloc.mmap_threshold=') && TGTD_GLIBC_TUNABLES.startsWith(tunables), `tgtd's GLIBC_TUNABLES: ${tunables}`);

    const lun = join(dir, 'lun.raw');
    await writeFile(lun, '');
    await truncate(lun, 16 * MiB);
    const iqn = `iqn.2010-10.org.openstack:tuning-${port}`;
    const initiator = `iqn.1993-08.org.debian:01:tuning-${port}`;
    await target.createExport({ iqn, path: lun, chap: null });
    await target.allowInitiator(iqn, initiator);
    const shown = (await executor.run(['tgtadm', '-C', String(port % 32768), '--lld', 'iscsi', '--mode', 'target', '--op', 'show', '--tid', '1'], { quiet: true })).stdout;
    for (const [name, value] of ISCSI_TARGET_PARAMS) assert.match(shown, new RegExp(`^${name}=${value}$`, 'm'));

    const src = join(dir, 'src.raw');
    const back = join(dir, 'back.raw');
    const data = randomBytes(16 * MiB);
    await writeFile(src, data);
    const url = `driver=iscsi,transport=tcp,portal=127.0.0.1:${port},target=${iqn},lun=1,initiator-name=${initiator}`;
    await executor.run(['qemu-img', 'convert', '-n', '-W', '-m', '16', '-t', 'writeback', '--image-opts', `driver=raw,file.filename=${src}`, '--target-image-opts', url], { quiet: true });
    assert.ok((await readFile(lun)).equals(data), 'the LUN file holds what was written through iSCSI');
    await executor.run(['qemu-img', 'convert', '-m', '16', '--image-opts', url, '-O', 'raw', back], { quiet: true });
    assert.ok((await readFile(back)).equals(data), 'what is read back through iSCSI is what was written');
  } finally {
    await target.stop({ stopDaemon: true });
    await rm(dir, { recursive: true, force: true });
  }
});
