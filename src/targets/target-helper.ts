// The one interface every iSCSI target helper (tgtadm, lioadm, ietadm, fake) implements,
// as Cinder's targets/ base class: exports named by IQN, one LUN each, initiator ACLs, CHAP.
import type { ChapAuth } from '../protocols/iscsi.js';

/** What a driver asks a target helper to export. */
export interface ExportSpec {
  /** Full target name: iscsi_target_prefix + volume name. */
  iqn: string;
  /** Backing file or block device. */
  path: string;
  chap: ChapAuth | null;
}

/** Where an export can be reached. */
export interface ExportLocation {
  iqn: string;
  lun: number;
  /** `ip:port` */
  portal: string;
  tpgt: number;
}

/** What a helper can do, so a driver asks instead of testing which helper it has. */
export interface TargetCapabilities {
  /** An exported LUN picks up its grown backing file (refreshLunSize works while exported). */
  onlineExtend: boolean;
  /** Per-target CHAP accounts. */
  chap: boolean;
  /** Backing-store open flags such as `direct` (target_flags) are applied. */
  directIo: boolean;
}

/** Told by a helper that runs a daemon when that daemon needs attention. */
export interface TargetEvents {
  /** The daemon came back empty: the driver replays its exports. */
  restarted(): void;
  /** The daemon stopped answering. */
  down(): void;
}

export interface TargetHelper {
  readonly name: string;
  /** Portal initiators connect to. */
  readonly portal: string;
  readonly capabilities: TargetCapabilities;
  /** pid of a daemon this helper started (null: none, or one someone else runs). */
  readonly daemonPid: number | null;
  /** Start (or attach to) the daemon the helper drives, if any, and watch it. */
  start(events: TargetEvents): Promise<void>;
  /**
   * Stop watching. `stopDaemon`: also delete every target and stop a daemon this helper
   * started; otherwise the exports outlive the process.
   */
  stop(opts: { stopDaemon: boolean }): Promise<void>;
  /** Create target + LUN + CHAP account; succeeds again when the export already exists. */
  createExport(spec: ExportSpec): Promise<ExportLocation>;
  /** Delete the export, closing any sessions first; succeeds when it is already gone. */
  removeExport(iqn: string): Promise<void>;
  /** Let an initiator (by IQN) log in to the target. Idempotent. */
  allowInitiator(iqn: string, initiator: string): Promise<void>;
  /** Revoke one initiator (null: every initiator) and close its sessions. Idempotent. */
  denyInitiator(iqn: string, initiator: string | null): Promise<void>;
  /** Make the LUN report its backing file's current size (after an extend). */
  refreshLunSize(iqn: string, path: string): Promise<void>;
  /** IQNs of the targets the helper currently serves (to detect a target restart). */
  listExports(): Promise<string[]>;
}
