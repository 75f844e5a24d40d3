// Target helper for the iSCSI Enterprise Target, driven by ietadm (its kernel module is not
// here, so it is tested against the command lines it generates). Like Cinder's IetAdm it relies
// on CHAP: IET's initiator ACLs live in /etc/iet/initiators.allow, outside runtime control.
import { readFile } from 'node:fs/promises';
import type { Executor } from '../../exec/executor.js';
import { BackendError, CommandError } from '../../errors/errors.js';
import type { ExportLocation, ExportSpec, TargetHelper } from '../target-helper.js';

export interface IetadmTargetOptions {
  executor: Executor;
  portal: string;
  /** IET's view of its targets; overridable for tests. */
  procDir?: string;
}

// IET numbers LUNs from 0 (Cinder's IetAdm exports LUN 0).
const LUN = 0;

interface IetVolume { tid: number; iqn: string; sessions: { sid: string; initiator: string; cids: string[] }[] }

/** Parses /proc/net/iet/volume and /proc/net/iet/session ("tid:1 name:iqn…" blocks). */
export function parseIetProc(volume: string, session: string): IetVolume[] {
  const vols: IetVolume[] = [];
  for (const m of volume.matchAll(/^tid:(\d+) name:(\S+)/gm)) vols.push({ tid: Number(m[1]), iqn: m[2]!, sessions: [] });
  let cur: IetVolume | undefined;
  let sess: IetVolume['sessions'][number] | undefined;
  for (const line of session.split('\n')) {
    const t = /^tid:(\d+)/.exec(line);
    if (t) { cur = vols.find((v) => v.tid === Number(t[1])); continue; }
    const s = /^\s+sid:(\d+) initiator:(\S+)/.exec(line);
    if (s && cur) { sess = { sid: s[1]!, initiator: s[2]!, cids: [] }; cur.sessions.push(sess); continue; }
    const c = /^\s+cid:(\d+)/.exec(line);
    if (c && sess) sess.cids.push(c[1]!);
  }
  return vols;
}

export class IetadmTarget implements TargetHelper {
  readonly name = 'ietadm';
  /** IET resizes a LUN by deleting and re-adding it, which breaks I/O: not an online extend. */
  readonly capabilities = { onlineExtend: false, chap: true, directIo: false };
  readonly daemonPid = null;
  readonly portal: string;
  constructor(private readonly o: IetadmTargetOptions) {
    this.portal = o.portal;
  }

  /** No daemon of ours to run: the kernel target is there or not. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private async volumes(): Promise<IetVolume[]> {
    const dir = this.o.procDir ?? '/proc/net/iet';
    const [v, s] = await Promise.all([readFile(`${dir}/volume`, 'utf8').catch(() => ''), readFile(`${dir}/session`, 'utf8').catch(() => '')]);
    return parseIetProc(v, s);
  }

  private run(args: string[], secrets: string[] = []) {
    return this.o.executor.run(['ietadm', ...args], { secrets, tries: 1 });
  }

  async createExport(spec: ExportSpec): Promise<ExportLocation> {
    const vols = await this.volumes();
    if (!vols.some((v) => v.iqn === spec.iqn)) {
      const tid = vols.reduce((m, v) => Math.max(m, v.tid), 0) + 1;
      await this.run(['--op', 'new', `--tid=${tid}`, '--params', `Name=${spec.iqn}`]);
      await this.run(['--op', 'new', `--tid=${tid}`, `--lun=${LUN}`, '--params', `Path=${spec.path},Type=fileio`]);
      if (spec.chap) {
        await this.run(['--op', 'new', `--tid=${tid}`, '--user', `--params=IncomingUser=${spec.chap.username},Password=${spec.chap.secret}`], [spec.chap.secret]);
      }
    }
    return { iqn: spec.iqn, lun: LUN, portal: this.portal, tpgt: 1 };
  }

  async removeExport(iqn: string): Promise<void> {
    const v = (await this.volumes()).find((x) => x.iqn === iqn);
    if (!v) return;
    await this.closeSessions(v, null);
    await this.run(['--op', 'delete', `--tid=${v.tid}`, `--lun=${LUN}`]).catch(() => undefined);
    await this.run(['--op', 'delete', `--tid=${v.tid}`]);
  }

  async allowInitiator(iqn: string): Promise<void> {
    if (!(await this.volumes()).some((x) => x.iqn === iqn)) throw new BackendError(`iSCSI target ${iqn} is not exported by IET.`, { publicDetail: 'the volume is not exported' });
  }

  async denyInitiator(iqn: string, initiator: string | null): Promise<void> {
    const v = (await this.volumes()).find((x) => x.iqn === iqn);
    if (v) await this.closeSessions(v, initiator);
  }

  private async closeSessions(v: IetVolume, initiator: string | null): Promise<void> {
    for (const s of v.sessions) {
      if (initiator && s.initiator !== initiator) continue;
      for (const cid of s.cids) {
        try { await this.run(['--op', 'delete', `--tid=${v.tid}`, `--sid=${s.sid}`, `--cid=${cid}`]); } catch (e) {
          if (!(e instanceof CommandError)) throw e;
        }
      }
    }
  }

  async refreshLunSize(iqn: string, path: string): Promise<void> {
    const v = (await this.volumes()).find((x) => x.iqn === iqn);
    if (!v) return;
    await this.run(['--op', 'delete', `--tid=${v.tid}`, `--lun=${LUN}`]);
    await this.run(['--op', 'new', `--tid=${v.tid}`, `--lun=${LUN}`, '--params', `Path=${path},Type=fileio`]);
  }

  async listExports(): Promise<string[]> {
    return (await this.volumes()).map((v) => v.iqn);
  }
}
