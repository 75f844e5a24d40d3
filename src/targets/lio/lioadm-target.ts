// Target helper for the kernel's LIO target, driven by targetcli (this kernel has no LIO, so
// it is tested against the command lines it generates). CHAP is per ACL in LIO.
import type { Executor } from '../../exec/executor.js';
import { BackendError, CommandError } from '../../errors/errors.js';
import type { ChapAuth } from '../../protocols/iscsi.js';
import type { ExportLocation, ExportSpec, TargetHelper } from '../target-helper.js';

export interface LioadmTargetOptions {
  executor: Executor;
  ip: string;
  port: number;
  iser?: boolean;
}

const LUN = 1;
const GONE = /No such|does not exist|not found/i;

/** LIO backstore names may not contain ':' — derive one from the IQN's last part. */
export function backstoreName(iqn: string): string {
  return (iqn.split(':').pop() ?? iqn).replace(/[^A-Za-z0-9_-]/g, '_');
}

export class LioadmTarget implements TargetHelper {
  readonly name = 'lioadm';
  readonly capabilities = { onlineExtend: true, chap: true, directIo: false };
  readonly daemonPid = null;
  readonly portal: string;
  /** CHAP is set per ACL, so the export's credentials are needed when an initiator is allowed. */
  private readonly chap = new Map<string, ChapAuth | null>();
  private readonly paths = new Map<string, string>();

  constructor(private readonly o: LioadmTargetOptions) {
    this.portal = `${o.ip}:${o.port}`;
  }

  /** No daemon of ours to run: the kernel target is there or not. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private run(args: string[], secrets: string[] = []) {
    return this.o.executor.run(['targetcli', ...args], { secrets, tries: 1 });
  }

  private async tolerant(args: string[]): Promise<void> {
    try { await this.run(args); } catch (e) {
      if (!(e instanceof CommandError && GONE.test(e.stderr + e.stdout))) throw e;
    }
  }

  async createExport(spec: ExportSpec): Promise<ExportLocation> {
    this.chap.set(spec.iqn, spec.chap);
    this.paths.set(spec.iqn, spec.path);
    if (!(await this.listExports()).includes(spec.iqn)) {
      const bs = backstoreName(spec.iqn);
      const tpg = `/iscsi/${spec.iqn}/tpg1`;
      await this.run(['/backstores/fileio', 'create', `name=${bs}`, `file_or_dev=${spec.path}`]);
      await this.run(['/iscsi', 'create', spec.iqn]);
      await this.run([`${tpg}/luns`, 'create', `/backstores/fileio/${bs}`, `lun=${LUN}`]);
      // targetcli creates a 0.0.0.0:3260 portal by default; serve only the configured one.
      await this.tolerant([`${tpg}/portals`, 'delete', '0.0.0.0', '3260']);
      await this.run([`${tpg}/portals`, 'create', this.o.ip, String(this.o.port)]);
      if (this.o.iser) await this.run([`${tpg}/portals/${this.portal}`, 'enable_iser', 'true']);
      await this.run([tpg, 'set', 'attribute', `authentication=${spec.chap ? 1 : 0}`, 'generate_node_acls=0', 'demo_mode_write_protect=0']);
    }
    return { iqn: spec.iqn, lun: LUN, portal: this.portal, tpgt: 1 };
  }

  async removeExport(iqn: string): Promise<void> {
    await this.tolerant(['/iscsi', 'delete', iqn]);
    await this.tolerant(['/backstores/fileio', 'delete', backstoreName(iqn)]);
    this.chap.delete(iqn);
  }

  async allowInitiator(iqn: string, initiator: string): Promise<void> {
    if (!this.chap.has(iqn)) throw new BackendError(`iSCSI target ${iqn} is not exported by LIO.`, { publicDetail: 'the volume is not exported' });
    const acls = `/iscsi/${iqn}/tpg1/acls`;
    try { await this.run([acls, 'create', initiator]); } catch (e) {
      if (!(e instanceof CommandError && /already exists/i.test(e.stderr + e.stdout))) throw e;
    }
    const chap = this.chap.get(iqn);
    if (chap) await this.run([`${acls}/${initiator}`, 'set', 'auth', `userid=${chap.username}`, `password=${chap.secret}`], [chap.secret]);
  }

  /** Deleting an ACL makes LIO drop that initiator's sessions. */
  async denyInitiator(iqn: string, initiator: string | null): Promise<void> {
    if (initiator) return this.tolerant([`/iscsi/${iqn}/tpg1/acls`, 'delete', initiator]);
    const out = await this.run([`/iscsi/${iqn}/tpg1/acls`, 'ls']).catch(() => null);
    for (const m of out?.stdout.matchAll(/o- ((?:iqn|eui|naa)\.\S+)/g) ?? []) {
      await this.tolerant([`/iscsi/${iqn}/tpg1/acls`, 'delete', m[1]!]);
    }
  }

  /** fileio reads the size at creation: re-create the LUN over the same backstore name. */
  async refreshLunSize(iqn: string, path: string): Promise<void> {
    const bs = backstoreName(iqn);
    await this.tolerant([`/iscsi/${iqn}/tpg1/luns`, 'delete', `lun=${LUN}`]);
    await this.tolerant(['/backstores/fileio', 'delete', bs]);
    await this.run(['/backstores/fileio', 'create', `name=${bs}`, `file_or_dev=${path}`]);
    await this.run([`/iscsi/${iqn}/tpg1/luns`, 'create', `/backstores/fileio/${bs}`, `lun=${LUN}`]);
  }

  async listExports(): Promise<string[]> {
    const out = await this.run(['/iscsi', 'ls', 'depth=1']);
    return [...out.stdout.matchAll(/o- ((?:iqn|eui|naa)\.\S+)/g)].map((m) => m[1]!);
  }
}
