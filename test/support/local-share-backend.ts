// Builds a real `local` share backend for tests and benches: a loop-mounted XFS pool image in a
// temp dir and an NFS-Ganesha (NFSv4 on a free loopback port, or NFSv3+4 in a private network
// namespace), with a cleanup that undoes all of it (exports, mounts, loops, daemons, namespace)
// even after failures. Also small builders for the share objects a driver is handed, and the
// libnfs client calls the tests make.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveOptions } from '../../src/config/options.js';
import { SHARE_BACKEND_OPTIONS } from '../../src/config/driver-options.js';
import { ShellExecutor, type RunResult } from '../../src/exec/executor.js';
import { logger } from '../../src/util/logger.js';
import { LOCAL_SHARE_OPTIONS } from '../../src/drivers/local-share/local-share-options.js';
import { LocalShareDriver } from '../../src/drivers/local-share/local-share-driver.js';
import type { DriverAccessRule, DriverShare, DriverShareSnapshot, ShareModelUpdate } from '../../src/drivers/interface/share.js';
import { freePort } from './local-test-backend.js';

export interface LocalShareBackend {
  driver: LocalShareDriver;
  dir: string;
  executor: ShellExecutor;
  /** A new driver over the same state dir and pool: what a Flint restart gives. */
  recreate(): LocalShareDriver;
  cleanup(): Promise<void>;
}

export interface LocalShareBackendOptions {
  /** Serve NFSv3 too (Ganesha and rpcbind in a private network namespace). */
  nfsv3?: boolean;
  overrides?: Record<string, string>;
}

/** A `local` share driver on its own pool image and Ganesha; call cleanup() in a finally/after. */
export async function makeLocalShareDriver(o: LocalShareBackendOptions = {}): Promise<LocalShareBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-lshare-'));
  const backendName = `lshare-${randomUUID().slice(0, 8)}`;
  const raw = {
    share_driver: 'local',
    local_pool_dir: join(dir, 'pool'),
    local_pool_image: join(dir, 'pool.img'),
    local_pool_image_size_gib: '40',
    ganesha_nfs_port: String(await freePort()),
    ganesha_nfsv3: o.nfsv3 ? 'true' : 'false',
    ganesha_netns: `flint-${backendName}`,
    ganesha_health_interval_ms: '300',
    ...o.overrides,
  };
  const options = resolveOptions(backendName, raw, [...SHARE_BACKEND_OPTIONS, ...LOCAL_SHARE_OPTIONS]);
  const executor = new ShellExecutor({ tries: 1 });
  const make = () => new LocalShareDriver({ backendName, host: `test@${backendName}`, options, executor, logger, stateDir: join(dir, 'state') });
  const backend: LocalShareBackend = {
    driver: make(),
    dir,
    executor,
    recreate: () => (backend.driver = make()),
    cleanup: async () => {
      const d = backend.driver;
      const pids = [d.ganesha.pid, d.ganesha.bus.pid, d.ganesha.rpcbind?.pid ?? null];
      await d.shutdown().catch(() => undefined);
      // Whatever shutdown could not end (or left serving): daemons by the pids their supervisor knew, then mounts, loops, namespace.
      for (const pid of pids) {
        if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      }
      const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
      for (const m of mounts) await executor.run(['umount', '-l', m], { tries: 2 }).catch(() => undefined);
      const loops = await executor.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
      for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await executor.run(['losetup', '-d', m[1]!]).catch(() => undefined);
      if (o.nfsv3) await executor.run(['ip', 'netns', 'del', raw.ganesha_netns], { okExitCodes: [0, 1] }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return backend;
}

export function makeShare(overrides: Partial<DriverShare> = {}): DriverShare {
  const id = overrides.id ?? randomUUID();
  return {
    id, name: `share-${id}`, size: 1, shareProto: 'NFS', host: null, providerLocation: null, shareTypeId: null,
    extraSpecs: {}, metadata: {}, shareServer: null, ...overrides,
  };
}

export function makeShareSnapshot(share: DriverShare, overrides: Partial<DriverShareSnapshot> = {}): DriverShareSnapshot {
  const id = overrides.id ?? randomUUID();
  return { id, name: `share-snapshot-${id}`, shareSize: share.size, share, providerLocation: null, ...overrides };
}

export function ipRule(accessTo: string, accessLevel: 'rw' | 'ro' = 'rw', overrides: Partial<DriverAccessRule> = {}): DriverAccessRule {
  return { id: randomUUID(), accessType: 'ip', accessTo, accessLevel, ...overrides };
}

export function applyShareUpdate(share: DriverShare, u: ShareModelUpdate): DriverShare {
  return { ...share, ...(u.providerLocation !== undefined ? { providerLocation: u.providerLocation } : {}), ...(u.size ? { size: u.size } : {}) };
}

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/** libnfs's tools against one export location, from inside its namespace when it has one. */
export class NfsClient {
  constructor(private readonly executor: ShellExecutor, readonly location: { path: string; metadata?: Record<string, string> }) {}

  url(file: string, version: 3 | 4): string {
    const [host, path] = this.location.path.split(':');
    const port = this.location.metadata?.['nfs_port'] ?? '2049';
    // NFSv3 finds its ports through rpcbind; NFSv4 is told the port.
    const args = version === 4 ? `?version=4&nfsport=${port}` : '?version=3';
    return `nfs://${host}${path}${file ? `/${file}` : ''}${args}`;
  }

  private argv(tool: string[], env: Record<string, string> = {}): { argv: string[]; env: Record<string, string> } {
    const ns = this.location.metadata?.['netns'];
    return { argv: ns ? ['nsenter', `--net=/run/netns/${ns}`, ...tool] : tool, env };
  }

  run(tool: string[], opts: { env?: Record<string, string>; ok?: boolean } = {}): Promise<RunResult> {
    const { argv } = this.argv(tool);
    return this.executor.run(argv, { tries: 1, quiet: true, okExitCodes: opts.ok === false ? ANY_EXIT : [0], env: opts.env, timeoutMs: 120_000 });
  }

  /** Copies a local file into the share (NFSv3: libnfs 4.0.0's NFSv4 WRITE breaks at 4 KiB). */
  put(local: string, file: string, o: { env?: Record<string, string>; ok?: boolean } = {}): Promise<RunResult> {
    return this.run(['nfs-cp', local, this.url(file, 3)], o);
  }

  get(file: string, local: string, o: { version?: 3 | 4; env?: Record<string, string>; ok?: boolean } = {}): Promise<RunResult> {
    return this.run(['nfs-cp', this.url(file, o.version ?? 4), local], o);
  }

  /** Names in the server's NFSv4 pseudo-root that this client may see. */
  async visibleExports(env?: Record<string, string>): Promise<string[]> {
    const [host] = this.location.path.split(':');
    const port = this.location.metadata?.['nfs_port'] ?? '2049';
    const r = await this.run(['nfs-ls', `nfs://${host}/?version=4&nfsport=${port}`], { env, ok: false });
    return r.stdout.split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter(Boolean);
  }

  /** `nfs-ls -s`: the listing, then "<free> of <total> bytes free". */
  async totalBytes(version: 3 | 4 = 4): Promise<number> {
    const r = await this.run(['nfs-ls', '-s', this.url('', version)]);
    const m = /(\d+) of\s+(\d+) bytes free/.exec(r.stdout);
    if (!m) throw new Error(`nfs-ls -s printed no summary: ${r.stdout}`);
    return Number(m[2]);
  }
}

/**
 * Builds test/support/srcbind.c (an LD_PRELOAD shim giving libnfs's tools a chosen source
 * address) into `dir`; returns the env that makes a client call come from `address`.
 */
export async function sourceAddressEnv(executor: ShellExecutor, dir: string): Promise<(address: string) => Record<string, string>> {
  const so = join(dir, 'srcbind.so');
  const src = join(dirname(fileURLToPath(import.meta.url)), 'srcbind.c');
  await executor.run(['gcc', '-shared', '-fPIC', '-o', so, src, '-ldl'], { tries: 1, quiet: true });
  return (address) => ({ LD_PRELOAD: so, SRC_ADDR: address });
}
