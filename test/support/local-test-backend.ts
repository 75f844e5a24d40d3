// Builds a real `local` backend for tests and benches: a loop-mounted XFS pool image in a temp
// dir and a tgtd on a free loopback port, with a cleanup that undoes all of it even after failures.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions } from '../../src/config/options.js';
import { COMMON_BACKEND_OPTIONS } from '../../src/config/driver-options.js';
import { ShellExecutor } from '../../src/exec/executor.js';
import { logger } from '../../src/util/logger.js';
import { LOCAL_OPTIONS } from '../../src/drivers/local/local-options.js';
import { LocalDriver } from '../../src/drivers/local/local-driver.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestLocalBackend {
  driver: LocalDriver;
  dir: string;
  port: number;
  executor: ShellExecutor;
  cleanup(): Promise<void>;
}

export async function makeTestLocalBackend(overrides: Record<string, string> = {}): Promise<TestLocalBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-local-'));
  const port = await freePort();
  const raw = {
    volume_driver: 'local',
    local_pool_dir: join(dir, 'pool'),
    local_pool_image: join(dir, 'pool.img'),
    local_pool_image_size_gib: '20',
    target_port: String(port),
    tgtd_control_port: String(port % 32768),
    tgtd_health_interval_ms: '300',
    ...overrides,
  };
  const options = resolveOptions('local-test', raw, [...COMMON_BACKEND_OPTIONS, ...LOCAL_OPTIONS]);
  const executor = new ShellExecutor({ tries: 1 });
  const driver = new LocalDriver({
    backendName: 'local-test', host: 'test@local-test', options, executor, logger, stateDir: join(dir, 'state'),
  });
  const cleanup = async () => {
    await driver.shutdown().catch(() => undefined);
    const pid = driver.target.daemonPid;
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    const pool = join(dir, 'pool');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    if (mounts.split('\n').some((l) => l.split(' ')[4] === pool)) await executor.run(['umount', '-l', pool], { tries: 3 }).catch(() => undefined);
    const loops = await executor.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
    for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await executor.run(['losetup', '-d', m[1]!]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return { driver, dir, port, executor, cleanup };
}
