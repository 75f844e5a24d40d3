// A Flint share backend section for the `local` share driver (pool image, NFSv3+4 Ganesha in a
// private network namespace) under a test's own dir, and a cleanup that undoes whatever a
// Flint left behind there, stopped or killed: its daemons (by their pid files), share and pool
// mounts, loop devices, the namespace.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ShellExecutor } from '../../src/exec/executor.js';
import { freePort } from './local-test-backend.js';

export interface LocalShareSection {
  section: Record<string, string | number | boolean>;
  netns: string;
}

export async function localShareSection(dir: string): Promise<LocalShareSection> {
  const netns = `flint-e2e-${randomUUID().slice(0, 8)}`;
  return {
    netns,
    section: {
      share_driver: 'local',
      local_pool_dir: join(dir, 'pool'),
      local_pool_image: join(dir, 'pool.img'),
      local_pool_image_size_gib: 40,
      ganesha_nfs_port: await freePort(),
      ganesha_nfsv3: true,
      ganesha_netns: netns,
      ganesha_health_interval_ms: 300,
    },
  };
}

/** Daemon pid files a Ganesha supervisor keeps, and a word its command line must hold. */
const DAEMONS: [string, string][] = [['ganesha.pid', 'ganesha'], ['bus.pid', 'dbus'], ['rpcbind.pid', 'rpcbind']];

/** Ends what a Flint (stopped, failed or killed) left under `dir`; never throws. */
export async function cleanupLocalShareLeftovers(executor: ShellExecutor, dir: string, backend: string, netns: string): Promise<void> {
  const ganeshaDir = join(dir, 'var', 'backends', backend, 'ganesha');
  for (const [file, marker] of DAEMONS) {
    const pid = Number((await readFile(join(ganeshaDir, file), 'utf8').catch(() => '')).trim());
    if (!pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(marker)) continue;
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) await executor.run(['umount', '-l', m], { tries: 2 }).catch(() => undefined);
  const loops = await executor.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
  for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await executor.run(['losetup', '-d', m[1]!]).catch(() => undefined);
  await executor.run(['ip', 'netns', 'del', netns], { okExitCodes: [0, 1] }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
