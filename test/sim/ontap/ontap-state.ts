// The simulated ONTAP system's state and rules: aggregates, FlexVols with real space
// accounting, LUNs, igroups, LUN maps with per-igroup LUN ids, iSCSI target and portals,
// CHAP. Every rule failure carries ONTAP's ZAPI errno and its REST code and status.
import { randomUUID } from 'node:crypto';

export const GiB = 1024 ** 3;

/** A refused operation, answerable over ZAPI (errno) and REST (status + code). */
export class SimError extends Error {
  constructor(readonly errno: string, readonly reason: string, readonly httpStatus = 400, readonly restCode = errno) {
    super(reason);
  }
}

const notFound = (errno: string, what: string, restCode = '4') => new SimError(errno, what, 404, restCode);

export interface SimVolume { name: string; uuid: string; vserver: string; aggregate: string; totalBytes: number; guarantee: 'volume' | 'none'; state: 'online' | 'offline' }
export interface SimLun { path: string; uuid: string; serial: string; vserver: string; volume: string; qtree: string; name: string; sizeBytes: number; ostype: string; spaceReserved: boolean; online: boolean; qosPolicy?: string }
export interface SimIgroup { name: string; uuid: string; vserver: string; type: string; ostype: string; initiators: string[] }
export interface SimMap { path: string; igroup: string; lunId: number }
export interface SimPortal { address: string; port: number; tpgt: number; enabled: boolean; interfaceName: string }

const MIN_LUN = 4 * 1024 * 1024;

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
  nodeName: string;
  portals: SimPortal[];
  version = { major: 1, minor: 21, generation: 9, restMajor: 8, restMinor: 0 };
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

  addVolume(name: string, sizeGiB: number, guarantee: 'volume' | 'none' = 'volume', aggregate = 'aggr1'): SimVolume {
    const v: SimVolume = { name, uuid: randomUUID(), vserver: this.vserver, aggregate, totalBytes: sizeGiB * GiB, guarantee, state: 'online' };
    this.volumes.set(name, v);
    return v;
  }

  /** Space a FlexVol still has: thick LUNs hold their whole size, thin LUNs nothing yet. */
  availableBytes(volume: string): number {
    const v = this.volumes.get(volume)!;
    let used = 0;
    for (const l of this.luns.values()) if (l.volume === volume && l.spaceReserved) used += l.sizeBytes;
    return Math.max(0, v.totalBytes - used);
  }

  static splitPath(path: string): { volume: string; qtree: string; name: string } {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'vol' || parts.length < 3 || parts.length > 4) {
      throw new SimError('13115', `Invalid value specified for "path" element within "lun": "${path}".`, 400, '5374876');
    }
    return { volume: parts[1]!, qtree: parts.length === 4 ? parts[2]! : '', name: parts[parts.length - 1]! };
  }

  lun(path: string): SimLun {
    const l = this.luns.get(path);
    if (!l) throw notFound('9017', `No such LUN exists: ${path}`, '5374852');
    return l;
  }

  igroup(name: string): SimIgroup {
    const g = this.igroups.get(name);
    if (!g) throw notFound('9003', `Initiator group "${name}" does not exist`, '5374738');
    return g;
  }

  private onlineVolume(name: string): SimVolume {
    const v = this.volumes.get(name);
    if (!v) throw notFound('9036', `No such volume: ${name}`, '917927');
    if (v.state !== 'online') throw new SimError('13042', `Volume ${name} is offline`, 400);
    return v;
  }

  private needSpace(volume: string, bytes: number): void {
    if (bytes > this.availableBytes(volume)) {
      throw new SimError('13062', `Not enough space in volume ${volume} (${this.availableBytes(volume)} bytes available, ${bytes} needed).`, 400, '5374868');
    }
  }

  createLun(path: string, sizeBytes: number, ostype: string, spaceReserved: boolean, qosPolicy?: string): SimLun {
    const p = OntapState.splitPath(path);
    this.onlineVolume(p.volume);
    if (qosPolicy && !this.qosPolicies.has(qosPolicy)) throw notFound('15661', `QoS policy group ${qosPolicy} does not exist`, '8454147');
    if (this.luns.has(path)) throw new SimError('9012', `LUN already exists: ${path}`, 409, '5374863');
    if (!Number.isFinite(sizeBytes) || sizeBytes < MIN_LUN) throw new SimError('9041', `Size ${sizeBytes} is too small; minimum is ${MIN_LUN}.`, 400, '5374861');
    if (spaceReserved) this.needSpace(p.volume, sizeBytes);
    const lun: SimLun = {
      path, uuid: randomUUID(), serial: `80CgL?${(this.serial++).toString(36)}`, vserver: this.vserver,
      volume: p.volume, qtree: p.qtree, name: p.name, sizeBytes, ostype, spaceReserved, online: true, qosPolicy,
    };
    this.luns.set(path, lun);
    this.emit({ kind: 'create', lun });
    return lun;
  }

  destroyLun(path: string, force: boolean): void {
    this.lun(path);
    if (!force && this.maps.some((m) => m.path === path)) throw new SimError('9013', `LUN ${path} is mapped; unmap it or use force.`, 409, '5374864');
    const lun = this.luns.get(path)!;
    for (const m of this.maps.filter((x) => x.path === path)) this.emit({ kind: 'unmap', lun, lunId: m.lunId, initiators: this.igroup(m.igroup).initiators });
    this.luns.delete(path);
    this.maps = this.maps.filter((m) => m.path !== path);
    this.emit({ kind: 'destroy', lun });
  }

  resizeLun(path: string, sizeBytes: number): void {
    const l = this.lun(path);
    if (sizeBytes === l.sizeBytes) throw new SimError('9042', `New size is the same as the old size for ${path}.`, 400, '5374862');
    if (sizeBytes < MIN_LUN) throw new SimError('9041', `Size ${sizeBytes} is too small.`, 400, '5374861');
    if (l.spaceReserved && sizeBytes > l.sizeBytes) this.needSpace(l.volume, sizeBytes - l.sizeBytes);
    l.sizeBytes = sizeBytes;
    this.emit({ kind: 'resize', lun: l });
  }

  cloneLun(source: string, dest: string, spaceReserved: boolean, existsErrno = '9012'): SimLun {
    const src = this.lun(source);
    const d = OntapState.splitPath(dest);
    if (d.volume !== src.volume) throw new SimError('13115', 'Source and destination of a LUN clone must be in the same volume.', 400, '5374876');
    if (this.luns.has(dest)) throw new SimError(existsErrno, `Clone destination already exists: ${dest}`, 409, '5374863');
    if (spaceReserved) this.needSpace(d.volume, src.sizeBytes);
    const lun: SimLun = { ...src, path: dest, name: d.name, qtree: d.qtree, uuid: randomUUID(), serial: `80CgL?${(this.serial++).toString(36)}`, spaceReserved };
    this.luns.set(dest, lun);
    this.emit({ kind: 'clone', source: src, lun });
    return lun;
  }

  moveLun(path: string, newPath: string): void {
    const l = this.lun(path);
    const d = OntapState.splitPath(newPath);
    if (d.volume !== l.volume) throw new SimError('13115', 'A LUN can only be moved within its volume.', 400, '5374876');
    if (this.luns.has(newPath)) throw new SimError('9012', `LUN already exists: ${newPath}`, 409, '5374863');
    this.luns.delete(path);
    this.luns.set(newPath, { ...l, path: newPath, name: d.name, qtree: d.qtree });
    for (const m of this.maps) if (m.path === path) m.path = newPath;
  }

  createIgroup(name: string, type: string, ostype: string): SimIgroup {
    if (!['iscsi', 'fcp', 'mixed'].includes(type)) throw new SimError('13115', `Invalid value specified for "initiator-group-type": ${type}`, 400, '5374876');
    if (this.igroups.has(name)) throw new SimError('9004', `Initiator group ${name} already exists`, 409, '5374737');
    const g: SimIgroup = { name, uuid: randomUUID(), vserver: this.vserver, type, ostype, initiators: [] };
    this.igroups.set(name, g);
    return g;
  }

  addInitiator(igroup: string, initiator: string): void {
    const g = this.igroup(igroup);
    if (!IQN_RE.test(initiator)) throw new SimError('9006', `Invalid iSCSI name: ${initiator}`, 400, '5374876');
    if (g.initiators.includes(initiator)) throw new SimError('9008', `Initiator ${initiator} is already in igroup ${igroup}`, 409, '1');
    g.initiators.push(initiator);
  }

  destroyIgroup(name: string): void {
    this.igroup(name);
    if (this.maps.some((m) => m.igroup === name)) throw new SimError('9029', `Initiator group ${name} has LUN maps`, 409, '5374741');
    this.igroups.delete(name);
  }

  /** Maps with the lowest free LUN id in the igroup (ONTAP's choice when none is asked). */
  mapLun(path: string, igroup: string, lunId?: number): number {
    this.lun(path);
    this.igroup(igroup);
    if (this.maps.some((m) => m.path === path && m.igroup === igroup)) {
      throw new SimError('9023', `LUN ${path} is already mapped to initiator group ${igroup}`, 409, '5374914');
    }
    const used = new Set(this.maps.filter((m) => this.globalLunIds || m.igroup === igroup).map((m) => m.lunId));
    if (lunId !== undefined && used.has(lunId)) throw new SimError('9025', `LUN id ${lunId} is in use in ${igroup}`, 409, '5374915');
    let id = lunId ?? (this.globalLunIds ? 1 : 0);
    while (lunId === undefined && used.has(id)) id++;
    this.maps.push({ path, igroup, lunId: id });
    this.emit({ kind: 'map', lun: this.lun(path), lunId: id, initiators: this.igroup(igroup).initiators });
    return id;
  }

  unmapLun(path: string, igroup: string): void {
    this.lun(path);
    this.igroup(igroup);
    const gone = this.maps.find((m) => m.path === path && m.igroup === igroup);
    if (!gone) throw new SimError('9016', `LUN ${path} is not mapped to initiator group ${igroup}`, 404, '5374922');
    this.maps = this.maps.filter((m) => m !== gone);
    this.emit({ kind: 'unmap', lun: this.lun(path), lunId: gone.lunId, initiators: this.igroup(igroup).initiators });
  }

  isMapped(path: string): boolean {
    return this.maps.some((m) => m.path === path);
  }

  setChap(initiator: string, user: string, password: string, create: boolean): void {
    if (create && this.chap.has(initiator)) throw new SimError('13130', `Authentication for ${initiator} already exists`, 409, '1');
    if (!create && !this.chap.has(initiator)) throw notFound('15661', `No authentication entry for ${initiator}`);
    this.chap.set(initiator, { user, password });
    this.emit({ kind: 'chap', initiator });
  }
}
