// Random access to a volume endpoint: qemu-nbd opens the endpoint's --image-opts (iSCSI with
// its CHAP secret as a qemu secret object, or a file) and serves it on a unix socket in a
// private 0700 run directory; NbdClient reads and writes through it. qemu-nbd is started with
// --fork (the parent returns once the socket listens) and a pid file, so a process that dies
// mid-copy leaves a pid file that `reapStaleNbdServers` uses to stop the server at restart.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor } from '../exec/executor.js';
import { NbdClient } from './nbd-client.js';
import { openEndpoint, type VolumeEndpoint } from './volume-endpoint.js';

export interface BlockDevice {
  readonly sizeBytes: number;
  read(offset: number, length: number): Promise<Buffer>;
  /** True when the server's allocation status says the whole range reads as zeroes. */
  isZero(offset: number, length: number): Promise<boolean>;
  write(offset: number, data: Buffer): Promise<void>;
  writeZeroes(offset: number, length: number): Promise<void>;
  flush(): Promise<void>;
  /** Disconnects and stops the server; safe to call twice. */
  close(): Promise<void>;
}

export interface OpenBlockDeviceOptions {
  readOnly: boolean;
  /** Where run directories (socket, pid file) live; private to this service. */
  runDir: string;
}

const NON_RETRYABLE = [/Authentication failure/, /Target not found/, /Could not open/, /No such file/, /Failed to/];

function stopPid(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

async function isQemuNbd(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0]!.endsWith('qemu-nbd');
  } catch {
    return false;
  }
}

export async function openBlockDevice(executor: Executor, ep: VolumeEndpoint, o: OpenBlockDeviceOptions): Promise<BlockDevice> {
  await mkdir(o.runDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(o.runDir, 'nbd-'));
  const sock = join(dir, 'sock');
  const pidFile = join(dir, 'pid');
  const opened = await openEndpoint(ep);
  let pid = 0;
  try {
    await executor.run([
      'qemu-nbd', '--fork', `--pid-file=${pidFile}`, '--socket', sock, '--shared=1', '--discard=unmap',
      ...(o.readOnly ? ['--read-only'] : []), ...opened.objectArgs, '--image-opts', opened.imageOpts,
    ], { tries: 1, timeoutMs: 60_000, nonRetryable: NON_RETRYABLE });
    pid = Number((await readFile(pidFile, 'utf8')).trim());
    const client = await NbdClient.connect(sock);
    let closed = false;
    return {
      sizeBytes: client.sizeBytes,
      read: (off, len) => client.read(off, len),
      async isZero(off, len) {
        const extents = await client.zeroExtents(off, len);
        return extents !== null && extents.every((e) => e.zero);
      },
      write: (off, data) => client.write(off, data),
      writeZeroes: (off, len) => client.writeZeroes(off, len),
      flush: () => client.flush(),
      async close() {
        if (closed) return;
        closed = true;
        await client.close().catch(() => undefined);
        // Without --persistent qemu-nbd exits when its one client leaves; make sure of it.
        if (await isQemuNbd(pid)) stopPid(pid);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (pid && (await isQemuNbd(pid))) stopPid(pid);
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    // qemu-nbd read the secret when it opened the endpoint.
    await opened.dispose();
  }
}

/** Stops qemu-nbd servers a dead process of this service left behind (by their pid files). */
export async function reapStaleNbdServers(runDir: string): Promise<number> {
  let n = 0;
  let entries: string[];
  try {
    entries = await readdir(runDir);
  } catch {
    return 0;
  }
  for (const e of entries.filter((x) => x.startsWith('nbd-'))) {
    const dir = join(runDir, e);
    const pid = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '0')).trim());
    if (pid && (await isQemuNbd(pid))) {
      stopPid(pid);
      n++;
    }
    await rm(dir, { recursive: true, force: true });
  }
  return n;
}
