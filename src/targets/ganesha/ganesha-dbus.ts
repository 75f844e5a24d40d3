// NFS-Ganesha's ExportMgr over D-Bus, through dbus-send and the one command runner.
// dbus-send is Debian's own client and needs no native build; each call takes a few ms, which
// is nothing beside what an export change costs anyway.
import type { Executor } from '../../exec/executor.js';
import { BackendError, CommandError } from '../../errors/errors.js';

const DEST = 'org.ganesha.nfsd';
const EXPORT_MGR = '/org/ganesha/nfsd/ExportMgr';
const IFACE = 'org.ganesha.nfsd.exportmgr';

/** The D-Bus error names Ganesha answers with: stable codes, not message text. */
const UNKNOWN_EXPORT = 'org.freedesktop.DBus.Error.InvalidArgs';

export class GaneshaDbusError extends BackendError {}

export class GaneshaDbus {
  constructor(private readonly executor: Executor, private readonly busAddress: string) {}

  private send(path: string, method: string, args: string[], quiet = false) {
    return this.executor.run(['dbus-send', `--bus=${this.busAddress}`, '--print-reply', `--dest=${DEST}`, path, method, ...args], {
      tries: 1, timeoutMs: 15_000, quiet, nonRetryable: [/.*/],
    });
  }

  /** Is Ganesha on the bus yet? Asked of the bus itself, so it never fails while Ganesha starts. */
  async isUp(): Promise<boolean> {
    const r = await this.executor.run(['dbus-send', `--bus=${this.busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${DEST}`], { tries: 1, timeoutMs: 5000, quiet: true });
    return /boolean true/.test(r.stdout);
  }

  /** Adds the export in `file` (the caller asks exportIds() first: adding an active id fails). */
  async addExport(file: string, exportId: number): Promise<void> {
    try {
      await this.send(EXPORT_MGR, `${IFACE}.AddExport`, [`string:${file}`, `string:EXPORT(Export_Id=${exportId})`]);
    } catch (e) {
      throw new GaneshaDbusError(`Ganesha refused export ${exportId} from ${file}: ${(e as Error).message}`, { cause: e, publicDetail: 'the NFS server refused the export' });
    }
  }

  async updateExport(file: string, exportId: number): Promise<void> {
    try {
      await this.send(EXPORT_MGR, `${IFACE}.UpdateExport`, [`string:${file}`, `string:EXPORT(Export_Id=${exportId})`]);
    } catch (e) {
      throw new GaneshaDbusError(`Ganesha refused the update of export ${exportId}: ${(e as Error).message}`, { cause: e, publicDetail: 'the NFS server refused the export change' });
    }
  }

  /** Removing an export Ganesha does not have succeeds (idempotent). */
  async removeExport(exportId: number): Promise<void> {
    try {
      await this.send(EXPORT_MGR, `${IFACE}.RemoveExport`, [`uint16:${exportId}`]);
    } catch (e) {
      if (e instanceof CommandError && e.stderr.includes(UNKNOWN_EXPORT)) return;
      throw new GaneshaDbusError(`Ganesha could not remove export ${exportId}: ${(e as Error).message}`, { cause: e, publicDetail: 'the NFS server could not remove the export' });
    }
  }

  /** Ids of the exports Ganesha serves now (the pseudo-root 0 left out). */
  async exportIds(): Promise<number[]> {
    const r = await this.send(EXPORT_MGR, `${IFACE}.ShowExports`, [], true);
    // Each export is a struct whose first member is `uint16 <id>`.
    return [...r.stdout.matchAll(/^\s*uint16 (\d+)\s*$/gm)].map((m) => Number(m[1])).filter((id) => id !== 0);
  }

  /** The client list of one export as Ganesha holds it (for checks and tests). */
  async displayExport(exportId: number): Promise<string> {
    return (await this.send(EXPORT_MGR, `${IFACE}.DisplayExport`, [`uint16:${exportId}`], true)).stdout;
  }
}
