// The simulated ONTAP system's state and rules: aggregates, FlexVols with real space
// accounting, LUNs, igroups, LUN maps with per-igroup LUN ids, iSCSI target and portals,
// CHAP. Every rule failure carries ONTAP's ZAPI errno and its REST code and status; the
// numbers and where each comes from are listed in FACTS.md beside this file.
import { randomUUID } from 'node:crypto';

export const GiB = 1024 ** 3;

/** A refused operation, answerable over ZAPI (errno) and REST (status + code). */
export class SimError extends Error {
  constructor(readonly errno: string, readonly reason: string, readonly httpStatus = 400, readonly restCode = errno) {
    super(reason);
  }
}

const notFound = (errno: string, what: string, restCode = '4') => new SimError(errno, what, 404, restCode);

export interface SimVolume {
  name: string; uuid: string; vserver: string; aggregate: string;
  /** The FlexVol's size (REST `space.size`), snapshot reserve included. */
  totalBytes: number;
  guarantee: 'volume' | 'none'; state: 'online' | 'offline';
  /** rw, or a SnapMirror destination (dp) that cannot hold new LUNs. */
  type: 'rw' | 'dp';
  style: 'flexvol' | 'flexgroup';
  /** The SVM's root volume (cluster mode). */
  isSvmRoot: boolean;
  /** The filer's root volume (7-mode `root` volume option). */
  isRoot: boolean;
  inconsistent: boolean;
  invalid: boolean;
  /** Part of the size kept for snapshots: usable space (afs_total) is the rest. */
  snapshotReservePercent: number;
}
export interface SimLun {
  path: string; uuid: string; serial: string; vserver: string; volume: string; qtree: string; name: string; sizeBytes: number; ostype: string;
  spaceReserved: boolean; online: boolean; qosPolicy?: string;
  /** SCSI thin provisioning (ZAPI is-space-alloc-enabled, REST space.scsi_thin_provisioning_support_enabled). */
  spaceAllocation?: boolean;
  /** The QoS policy group is an adaptive one. */
  qosAdaptive?: boolean;
  /** Bytes per block (512 for every OS type but VMware's 4K option; always 512 here). */
  blockSize?: number;
}
export interface SimIgroup { name: string; uuid: string; vserver: string; type: string; ostype: string; initiators: string[] }
export interface SimMap { path: string; igroup: string; lunId: number }
export interface SimPortal { address: string; port: number; tpgt: number; enabled: boolean; interfaceName: string }

const MIN_LUN = 4 * 1024 * 1024;
/** ONTAP's largest LUN before 9.12.1 (16 TiB less a little; 16 TiB here). */
const MAX_LUN = 16 * 1024 ** 4;
/**
 * Without use-exact-size ONTAP sizes a LUN to whole cylinders of its geometry: a simulator
 * model (255 heads × 63 sectors × 512 bytes), so a client that ignores actual-size is caught.
 */
export const CYLINDER_BYTES = 255 * 63 * 512;

/** What changed, for a data-plane backing (tgtd) that follows the state. */
export type StateEvent =
  | { kind: 'create' | 'resize' | 'destroy'; lun: SimLun }
  | { kind: 'clone'; source: SimLun; lun: SimLun }
  | { kind: 'map' | 'unmap'; lun: SimLun; lunId: number; initiators: string[] }
  | { kind: 'chap'; initiator: string };
const IQN_RE = /^(iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/;

export class OntapState {
  readonly volumes = new Map<string, SimVolume>();
  readonly luns = new Map<string, SimLun>();
  readonly igroups = new Map<string, SimIgroup>();
  maps: SimMap[] = [];
  readonly chap = new Map<string, { user: string; password: string }>();
  readonly qosPolicies = new Set(['gold', 'silver']);
  readonly adaptiveQosPolicies = new Set(['adaptive-extreme']);
  nodeName: string;
  portals: SimPortal[];
  /** ONTAP 9.8: ONTAPI 1.180 over ZAPI (7-mode answers 1.19), REST 9.8.0. */
  version = { major: 1, minor: 180, generation: 9, restMajor: 8, restMinor: 0 };
  private serial = 1000;
  /** Changes since the last drain, when a backing is attached. */
  events: StateEvent[] | null = null;
  /** LUN ids unique across igroups and starting at 1 (needed when one tgtd target serves them all). */
  globalLunIds = false;

  private emit(e: StateEvent): void {
    this.events?.push(e);
  }

  constructor(readonly vserver: string) {
    this.nodeName = `iqn.1992-08.com.netapp:sn.${randomUUID().replace(/-/g, '').slice(0, 16)}:vs.3`;
    this.portals = [
      { address: '127.0.0.2', port: 3260, tpgt: 1001, enabled: false, interfaceName: 'lif_down' },
      { address: '127.0.0.1', port: 3260, tpgt: 1000, enabled: true, interfaceName: 'lif1' },
    ];
  }

  addVolume(name: string, sizeGiB: number, guarantee: 'volume' | 'none' = 'volume', aggregate = 'aggr1', more: Partial<SimVolume> = {}): SimVolume {
    const v: SimVolume = {
      name, uuid: randomUUID(), vserver: this.vserver, aggregate, totalBytes: sizeGiB * GiB, guarantee, state: 'online',
      type: 'rw', style: 'flexvol', isSvmRoot: false, isRoot: false, inconsistent: false, invalid: false, snapshotReservePercent: 0, ...more,
    };
    this.volumes.set(name, v);
    return v;
  }

  /** The space LUNs may use: the size less the snapshot reserve (REST space.afs_total, ZAPI size-total). */
  afsTotal(volume: string): number {
    const v = this.volumes.get(volume)!;
    return Math.floor((v.totalBytes * (100 - v.snapshotReservePercent)) / 100);
  }

  /** Space a FlexVol still has: thick LUNs hold their whole size, thin LUNs nothing yet. */
  availableBytes(volume: string): number {
    let used = 0;
    for (const l of this.luns.values()) if (l.volume === volume && l.spaceReserved) used += l.sizeBytes;
    return Math.max(0, this.afsTotal(volume) - used);
  }

  /** A FlexVol Cinder's filters would offer as a pool (type rw, flex style, not root, consistent, valid, online). */
  eligible(v: SimVolume): boolean {
    return v.type === 'rw' && v.style.startsWith('flex') && !v.isSvmRoot && !v.isRoot && !v.inconsistent && !v.invalid && v.state === 'online';
  }

  static splitPath(path: string): { volume: string; qtree: string; name: string } {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'vol' || parts.length < 3 || parts.length > 4) {
      throw new SimError('13115', `Invalid value specified for "path" element within "lun": "${path}".`, 400, '262179');
    }
    return { volume: parts[1]!, qtree: parts.length === 4 ? parts[2]! : '', name: parts[parts.length - 1]! };
  }

  /** The LUN at `path`; REST's "not found" code depends on the call (delete, modify, map…). */
  lun(path: string, restCode = '4'): SimLun {
    const l = this.luns.get(path);
    if (!l) throw notFound('9017', `No such LUN exists: ${path}`, restCode);
    return l;
  }

  igroup(name: string, restCode = '5374852'): SimIgroup {
    const g = this.igroups.get(name);
    if (!g) throw notFound('9003', `Initiator group "${name}" does not exist`, restCode);
    return g;
  }

  private onlineVolume(name: string): SimVolume {
    const v = this.volumes.get(name);
    if (!v) throw notFound('9036', `No such volume: ${name}`, '917927');
    if (v.state !== 'online') throw new SimError('13042', `Volume ${name} is offline`, 400);
    return v;
  }

  private needSpace(volume: string, bytes: number): void {
    // ONTAP has no documented "no space" code for LUN calls (13062 is the FlexVol's guarantee,
    // REST's LUN tables have none): the simulator answers with a generic one, see FACTS.md.
    if (bytes > this.availableBytes(volume)) {
      throw new SimError('13114', `Not enough space in volume ${volume} (${this.availableBytes(volume)} bytes available, ${bytes} needed).`, 400, '13114');
    }
  }

  /**
   * `opts.exact` false: the size is rounded up to whole cylinders (ZAPI without use-exact-size).
   * `opts.adaptive`: `qosPolicy` names an adaptive policy group.
   */
  createLun(path: string, sizeBytes: number, ostype: string, spaceReserved: boolean, qosPolicy?: string, opts: { exact?: boolean; spaceAllocation?: boolean; adaptive?: boolean } = {}): SimLun {
    const p = OntapState.splitPath(path);
    this.onlineVolume(p.volume);
    if (qosPolicy && !(opts.adaptive ? this.adaptiveQosPolicies : this.qosPolicies).has(qosPolicy)) {
      throw notFound('15661', `${opts.adaptive ? 'Adaptive QoS' : 'QoS'} policy group ${qosPolicy} does not exist`, '8454147');
    }
    if (this.luns.has(path)) throw new SimError('9012', `LUN already exists: ${path}`, 409, '5374242');
    if (!Number.isFinite(sizeBytes) || sizeBytes < MIN_LUN) throw new SimError('9041', `Size ${sizeBytes} is too small; minimum is ${MIN_LUN}.`, 400, '5374124');
    if (sizeBytes > MAX_LUN) throw new SimError('9034', `Size ${sizeBytes} is too large; maximum is ${MAX_LUN}.`, 400, '5374125');
    const actual = opts.exact === false ? Math.ceil(sizeBytes / CYLINDER_BYTES) * CYLINDER_BYTES : sizeBytes;
    if (spaceReserved) this.needSpace(p.volume, actual);
    const lun: SimLun = {
      path, uuid: randomUUID(), serial: `80CgL?${(this.serial++).toString(36)}`, vserver: this.vserver,
      volume: p.volume, qtree: p.qtree, name: p.name, sizeBytes: actual, ostype, spaceReserved, online: true, qosPolicy,
      spaceAllocation: opts.spaceAllocation ?? false, qosAdaptive: opts.adaptive ?? false, blockSize: 512,
    };
    this.luns.set(path, lun);
    this.emit({ kind: 'create', lun });
    return lun;
  }

  destroyLun(path: string, force: boolean, restCode = '5374875'): void {
    this.lun(path, restCode);
    if (!force && this.maps.some((m) => m.path === path)) throw new SimError('9013', `LUN ${path} is mapped; unmap it or use force.`, 409, '1254197');
    const lun = this.luns.get(path)!;
    for (const m of this.maps.filter((x) => x.path === path)) this.emit({ kind: 'unmap', lun, lunId: m.lunId, initiators: this.igroup(m.igroup).initiators });
    this.luns.delete(path);
    this.maps = this.maps.filter((m) => m.path !== path);
    this.emit({ kind: 'destroy', lun });
  }

  /** `allowShrink`: ZAPI lun-resize with force; REST refuses a smaller size (5374892). */
  resizeLun(path: string, sizeBytes: number, allowShrink = true): void {
    const l = this.lun(path, '5374876');
    if (sizeBytes === l.sizeBytes) throw new SimError('9042', `New size is the same as the old size for ${path}.`, 400, '1254226');
    if (sizeBytes < MIN_LUN) throw new SimError('9041', `Size ${sizeBytes} is too small.`, 400, '5374124');
    if (sizeBytes > MAX_LUN) throw new SimError('9034', `Size ${sizeBytes} is too large.`, 400, '5374125');
    if (sizeBytes < l.sizeBytes && !allowShrink) throw new SimError('13115', `Reducing the size of LUN ${path} is not allowed here.`, 400, '5374892');
    if (l.spaceReserved && sizeBytes > l.sizeBytes) this.needSpace(l.volume, sizeBytes - l.sizeBytes);
    l.sizeBytes = sizeBytes;
    this.emit({ kind: 'resize', lun: l });
  }

  /**
   * A LUN clone in the source's FlexVol: the source's size, OS type and space allocation. Its
   * reservation is `spaceReserved`, or the source's when null (7-mode clone-start). It joins
   * `qos` when given, else no policy group.
   */
  cloneLun(source: string, dest: string, spaceReserved: boolean | null, existsErrno = '9012', qos?: { name: string; adaptive: boolean }): SimLun {
    const src = this.lun(source);
    const d = OntapState.splitPath(dest);
    if (d.volume !== src.volume) throw new SimError('13115', 'Source and destination of a LUN clone must be in the same volume.', 400, '1260121');
    if (this.luns.has(dest)) throw new SimError(existsErrno, `Clone destination already exists: ${dest}`, 409, '1260136');
    if (qos && !(qos.adaptive ? this.adaptiveQosPolicies : this.qosPolicies).has(qos.name)) throw notFound('15661', `QoS policy group ${qos.name} does not exist`, '8454147');
    const reserved = spaceReserved ?? src.spaceReserved;
    if (reserved) this.needSpace(d.volume, src.sizeBytes);
    const lun: SimLun = {
      ...src, path: dest, name: d.name, qtree: d.qtree, uuid: randomUUID(), serial: `80CgL?${(this.serial++).toString(36)}`, spaceReserved: reserved,
      qosPolicy: qos?.name, qosAdaptive: qos?.adaptive ?? false,
    };
    this.luns.set(dest, lun);
    this.emit({ kind: 'clone', source: src, lun });
    return lun;
  }

  moveLun(path: string, newPath: string): void {
    const l = this.lun(path, '5374876');
    const d = OntapState.splitPath(newPath);
    if (d.volume !== l.volume) throw new SimError('13115', 'A LUN can only be moved within its volume.', 400, '262179');
    if (this.luns.has(newPath)) throw new SimError('9012', `LUN already exists: ${newPath}`, 409, '1254196');
    this.luns.delete(path);
    this.luns.set(newPath, { ...l, path: newPath, name: d.name, qtree: d.qtree });
    for (const m of this.maps) if (m.path === path) m.path = newPath;
  }

  createIgroup(name: string, type: string, ostype: string): SimIgroup {
    if (!['iscsi', 'fcp', 'mixed'].includes(type)) throw new SimError('13115', `Invalid value specified for "initiator-group-type": ${type}`, 400, '262179');
    if (this.igroups.has(name)) throw new SimError('9004', `Initiator group ${name} already exists`, 409, '5374023');
    const g: SimIgroup = { name, uuid: randomUUID(), vserver: this.vserver, type, ostype, initiators: [] };
    this.igroups.set(name, g);
    return g;
  }

  addInitiator(igroup: string, initiator: string): void {
    const g = this.igroup(igroup);
    if (!IQN_RE.test(initiator)) throw new SimError('9006', `Invalid iSCSI name: ${initiator}`, 400, '5374039');
    if (g.initiators.includes(initiator)) throw new SimError('9008', `Initiator ${initiator} is already in igroup ${igroup}`, 409, '5374035');
    g.initiators.push(initiator);
  }

  destroyIgroup(name: string): void {
    this.igroup(name);
    if (this.maps.some((m) => m.igroup === name)) throw new SimError('9029', `Initiator group ${name} has LUN maps`, 409, '1254213');
    this.igroups.delete(name);
  }

  /** Maps with the lowest free LUN id in the igroup (ONTAP's choice when none is asked). */
  mapLun(path: string, igroup: string, lunId?: number): number {
    this.lun(path, '1254201');
    this.igroup(igroup);
    if (this.maps.some((m) => m.path === path && m.igroup === igroup)) {
      throw new SimError('9023', `LUN ${path} is already mapped to initiator group ${igroup}`, 409, '1254207');
    }
    const used = new Set(this.maps.filter((m) => this.globalLunIds || m.igroup === igroup).map((m) => m.lunId));
    // 9024 EVDISK_ERROR_INITGROUP_HAS_LUN (9025 is INITGROUP_MISSING_ARGS); the REST code is not on record.
    if (lunId !== undefined && used.has(lunId)) throw new SimError('9024', `LUN id ${lunId} is in use in ${igroup}`, 409, '5374915');
    let id = lunId ?? (this.globalLunIds ? 1 : 0);
    while (lunId === undefined && used.has(id)) id++;
    this.maps.push({ path, igroup, lunId: id });
    this.emit({ kind: 'map', lun: this.lun(path), lunId: id, initiators: this.igroup(igroup).initiators });
    return id;
  }

  unmapLun(path: string, igroup: string): void {
    this.lun(path, '5374922');
    this.igroup(igroup, '5374878');
    const gone = this.maps.find((m) => m.path === path && m.igroup === igroup);
    if (!gone) throw new SimError('9016', `LUN ${path} is not mapped to initiator group ${igroup}`, 404, '5374922');
    this.maps = this.maps.filter((m) => m !== gone);
    this.emit({ kind: 'unmap', lun: this.lun(path), lunId: gone.lunId, initiators: this.igroup(igroup).initiators });
  }

  isMapped(path: string): boolean {
    return this.maps.some((m) => m.path === path);
  }

  setChap(initiator: string, user: string, password: string, create: boolean): void {
    if (create && this.chap.has(initiator)) throw new SimError('13130', `Authentication for ${initiator} already exists`, 409, '5374142');
    if (!create && !this.chap.has(initiator)) throw notFound('15661', `No authentication entry for ${initiator}`);
    this.chap.set(initiator, { user, password });
    this.emit({ kind: 'chap', initiator });
  }

  /** The initiator's CHAP entry; ONTAP refuses iscsi-initiator-get-auth when there is none. */
  getChap(initiator: string): { user: string; password: string } {
    const c = this.chap.get(initiator);
    if (!c) throw notFound('15661', `No authentication entry for ${initiator}`);
    return c;
  }

  deleteChap(initiator: string): void {
    this.getChap(initiator);
    this.chap.delete(initiator);
  }
}
