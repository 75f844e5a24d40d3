// Optional data plane for the ONTAP simulator: every simulated LUN is a sparse file, and
// mapped LUNs are served by a real tgtd under the simulator's target IQN, so hosts can
// read and write bytes. One tgtd target holds every mapped LUN (ids unique, from 1); its
// ACL admits exactly the initiators of the igroups with maps (an initiator is unbound when its
// last map goes). A stand-in, not ONTAP's LUN masking: an initiator with a map to any LUN can
// reach every mapped LUN of the target.
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { ShellExecutor } from '../../../src/exec/executor.js';
import { TgtdSupervisor } from '../../../src/targets/tgt/tgtd-supervisor.js';
import { logger } from '../../../src/util/logger.js';
import type { OntapState, SimLun, StateEvent } from './ontap-state.js';

const TID = '1';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export class TgtBacking {
  private readonly exec = new ShellExecutor({ tries: 1, timeoutMs: 20_000, logger: logger.child({}, { level: 'silent' }) });
  private supervisor: TgtdSupervisor | null = null;
  private readonly bound = new Set<string>();
  /** CHAP accounts tgtd holds (user → password), when it enforces the system's CHAP entries. */
  private readonly accounts = new Map<string, string>();
  readonly controlPort: number;
  portalPort = 0;

  constructor(
    private readonly state: OntapState,
    private readonly dir: string,
    private readonly portalAddress?: string,
    /** Require at login the CHAP credentials the system holds for the mapped initiators. */
    private readonly chap = false,
  ) {
    // A control id of our own, away from the ones other backends use.
    this.controlPort = 2000 + Math.floor(Math.random() * 6000);
  }

  private tgtadm(...args: string[]) {
    return this.exec.run(['tgtadm', '-C', String(this.controlPort), '--lld', 'iscsi', ...args], { quiet: true, secrets: this.secrets(args) });
  }

  private secrets(args: string[]): string[] {
    const i = args.indexOf('--password');
    return i >= 0 ? [args[i + 1]!] : [];
  }

  file(lun: SimLun): string {
    return join(this.dir, `${lun.uuid}.img`);
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.portalPort = this.portalAddress ? 3260 : await freePort();
    const address = this.portalAddress ?? '127.0.0.1';
    this.supervisor = new TgtdSupervisor({
      executor: this.exec, logger: logger.child({}, { level: 'silent' }), controlPort: this.controlPort, portal: `${address}:${this.portalPort}`, managed: true, healthIntervalMs: 60_000,
    });
    await this.supervisor.start();
    await this.tgtadm('--mode', 'target', '--op', 'new', '--tid', TID, '--targetname', this.state.nodeName);
    this.state.portals = [{ address, port: this.portalPort, tpgt: 1, enabled: true, interfaceName: 'tgtd' }];
    this.state.globalLunIds = true;
    this.state.events = [];
    for (const lun of this.state.luns.values()) writeFileSync(this.file(lun), '');
    for (const lun of this.state.luns.values()) truncateSync(this.file(lun), lun.sizeBytes);
  }

  /** Applies the state changes of one request, in order, before the reply goes out. */
  async drain(): Promise<void> {
    const events = this.state.events ?? [];
    this.state.events = [];
    for (const e of events) await this.apply(e);
  }

  private async apply(e: StateEvent): Promise<void> {
    switch (e.kind) {
      case 'create':
        writeFileSync(this.file(e.lun), '');
        truncateSync(this.file(e.lun), e.lun.sizeBytes);
        return;
      case 'resize':
        truncateSync(this.file(e.lun), e.lun.sizeBytes);
        return;
      case 'clone':
        await this.exec.run(['cp', '--reflink=auto', '--sparse=always', this.file(e.source), this.file(e.lun)], { quiet: true });
        return;
      case 'destroy':
        rmSync(this.file(e.lun), { force: true });
        return;
      case 'map':
        await this.tgtadm('--mode', 'logicalunit', '--op', 'new', '--tid', TID, '--lun', String(e.lunId), '--backing-store', this.file(e.lun));
        for (const i of e.initiators) {
          if (this.bound.has(i)) continue;
          await this.tgtadm('--mode', 'target', '--op', 'bind', '--tid', TID, '--initiator-name', i);
          this.bound.add(i);
        }
        return;
      case 'chap':
        if (this.chap) await this.syncChap(e.initiator);
        return;
      case 'unmap':
        await this.tgtadm('--mode', 'logicalunit', '--op', 'delete', '--tid', TID, '--lun', String(e.lunId));
        // An initiator no igroup with a map holds any more loses access to the target: tgtd
        // refuses its login, as ONTAP shows it no LUN.
        for (const i of e.initiators) {
          if (!this.bound.has(i) || this.mappedInitiators().has(i)) continue;
          await this.tgtadm('--mode', 'target', '--op', 'unbind', '--tid', TID, '--initiator-name', i);
          this.bound.delete(i);
        }
        return;
    }
  }

  /** Initiators of the igroups that still have at least one LUN map. */
  private mappedInitiators(): Set<string> {
    const out = new Set<string>();
    for (const m of this.state.maps) for (const i of this.state.igroups.get(m.igroup)?.initiators ?? []) out.add(i);
    return out;
  }

  /**
   * One tgtd target serves every LUN, so CHAP accounts are target-wide: an initiator's entry
   * becomes an account bound to it (re-made when ONTAP's password for it changed). Once one
   * is bound, tgtd refuses logins without valid credentials.
   */
  private async syncChap(initiator: string): Promise<void> {
    const entry = this.state.chap.get(initiator);
    if (!entry || this.accounts.get(entry.user) === entry.password) return;
    if (this.accounts.has(entry.user)) await this.tgtadm('--mode', 'account', '--op', 'delete', '--user', entry.user);
    await this.tgtadm('--mode', 'account', '--op', 'new', '--user', entry.user, '--password', entry.password);
    await this.tgtadm('--mode', 'account', '--op', 'bind', '--tid', TID, '--user', entry.user);
    this.accounts.set(entry.user, entry.password);
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop(async () => {
      await this.tgtadm('--mode', 'target', '--op', 'delete', '--force', '--tid', TID).catch(() => undefined);
      await this.exec.run(['tgtadm', '-C', String(this.controlPort), '--mode', 'system', '--op', 'delete'], { quiet: true }).catch(() => undefined);
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
