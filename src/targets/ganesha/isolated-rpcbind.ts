// NFSv3 needs rpcbind, which listens on 0.0.0.0:111 and keeps its socket and lock in /run.
// To stay loopback-only and not collide with another rpcbind, it runs in the backend's own
// network namespace (only `lo` inside) and its own mount namespace with a private /run.
// Ganesha joins the network namespace only (nsenter --net, never `ip netns exec`, which also
// makes a mount namespace that would not see share mounts made later); finding no rpcbind
// socket in the host's /run, Ganesha registers over TCP to 127.0.0.1:111 inside the namespace.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { BackendError } from '../../errors/errors.js';
import { DaemonSlot, waitUntil } from './daemon-process.js';

const HOST_RPCBIND_SOCKET = '/run/rpcbind.sock';

export class IsolatedRpcbind {
  private readonly slot: DaemonSlot;

  /** `dir` keeps the pid file that lets a later start end an rpcbind a crashed Flint left. */
  constructor(readonly netns: string, dir: string, private readonly executor: Executor, private readonly logger: Logger) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/.test(netns)) throw new BackendError(`Invalid network namespace name '${netns}'.`);
    this.slot = new DaemonSlot(join(dir, 'rpcbind.pid'), 'rpcbind');
  }

  async endLeftover(): Promise<void> {
    if (await this.slot.endLeftover()) this.logger.info({ netns: this.netns }, 'ended an rpcbind left running by an earlier Flint');
  }

  get nsPath(): string {
    return `/run/netns/${this.netns}`;
  }

  /** argv prefix that runs a command in the namespace's network only. */
  enter(argv: readonly string[]): string[] {
    return ['nsenter', `--net=${this.nsPath}`, ...argv];
  }

  get running(): boolean { return this.slot.running; }
  get pid(): number | null { return this.slot.pid; }

  async start(): Promise<void> {
    if (this.slot.running) return;
    // Ganesha tries the host's rpcbind socket before TCP: with one there, it would register
    // with the host's rpcbind and clients in the namespace would find no NFS service.
    if (existsSync(HOST_RPCBIND_SOCKET)) {
      throw new BackendError(`A host rpcbind socket exists at ${HOST_RPCBIND_SOCKET}: Ganesha would register with it instead of `
        + `the isolated rpcbind. Stop the host's rpcbind (and rpcbind.socket) or set ganesha_nfsv3 = false.`, { publicDetail: 'the NFS server could not start' });
    }
    // A namespace left by a crash may hold an old rpcbind on port 111: start from a fresh one.
    if (existsSync(this.nsPath)) await this.executor.run(['ip', 'netns', 'del', this.netns], { tries: 1 });
    await this.executor.run(['ip', 'netns', 'add', this.netns], { tries: 1 });
    await this.executor.run(this.enter(['ip', 'link', 'set', 'lo', 'up']), { tries: 1 });
    // A fixed script (no input in it): mount a private /run, then become rpcbind (same pid).
    const d = this.slot.spawn(this.enter(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      'mount -t tmpfs flint-rpcbind /run && exec rpcbind -f -w']));
    const up = await waitUntil(() => this.lists('portmapper'), d, 10_000);
    if (!up) {
      await this.stop();
      throw new BackendError(`rpcbind in network namespace ${this.netns} did not start: ${d.output()}`, { publicDetail: 'the NFS server could not start' });
    }
    await this.slot.record();
    this.logger.debug({ netns: this.netns, pid: d.pid }, 'isolated rpcbind started');
  }

  /** Does rpcbind in the namespace list `service` (rpcinfo's name column)? Never fails while it starts. */
  async lists(service: string): Promise<boolean> {
    const r = await this.executor.run(this.enter(['rpcinfo', '-p', '127.0.0.1']), { tries: 1, quiet: true, okExitCodes: [0, 1], timeoutMs: 5000 });
    return r.exitCode === 0 && new RegExp(`\\s${service}\\s*$`, 'm').test(r.stdout);
  }

  async stop(): Promise<void> {
    await this.slot.stop(3000);
    if (existsSync(this.nsPath)) await this.executor.run(['ip', 'netns', 'del', this.netns], { tries: 2 }).catch((e: Error) => {
      this.logger.warn({ netns: this.netns, err: e.message }, 'could not delete the network namespace');
    });
  }
}
