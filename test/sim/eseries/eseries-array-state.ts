// The simulated E-Series array's base state and rules: pools whose used space follows the
// volumes, snapshot repositories and thin repositories on them; thick and thin volumes owned
// by one of two controllers; hosts, host groups and one mapping per volume with its LUN;
// target CHAP. Snapshots, copies and consistency groups are in eseries-state.ts. A refused
// call is an EsSimError (status + retcode); FACTS.md gives the sources.
import { randomBytes } from 'node:crypto';

export const GiB = 1024 ** 3;

export class EsSimError extends Error {
  constructor(readonly status: number, readonly retcode: string | null, message: string) {
    super(message);
  }
}
export const illegal = (msg: string, retcode = 'illegalParam') => new EsSimError(422, retcode, msg);
export const notFound = (what: string) => new EsSimError(404, null, `${what} not found`);

export const CONTROLLER_A = '070000000000000000000001';
export const CONTROLLER_B = '070000000000000000000002';
export const MAX_IMAGES_PER_GROUP = 32;
export const MAX_GROUPS_PER_VOLUME = 4;
export const MAX_LUN = 255;

export interface SimPool {
  id: string; label: string; raidLevel: string; totalBytes: number; diskPool: boolean; securityType: string;
  flashCacheCapable: boolean; dataAssuranceCapable: boolean; encrypted: boolean; spindleSpeed: number; mediaType: 'hdd' | 'ssd'; driveType: string;
}
export interface SimVol {
  id: string; label: string; wwn: string; poolId: string; sizeBytes: number; thin: boolean; repositoryBytes: number;
  controller: string; flashCached: boolean; dataAssurance: boolean;
  /** A read-only snapshot view (snapshot-volumes); not listed among volumes. */
  view?: { imageId: string };
}
export interface SimHost { ref: string; label: string; clusterRef: string; hostTypeIndex: number; ports: { type: string; address: string; label: string }[] }
export interface SimGroup { ref: string; label: string }
export interface SimMapping { ref: string; lun: number; volumeRef: string; mapRef: string }
export interface SimSnapGroup { id: string; label: string; baseVolume: string; poolId: string; repositoryBytes: number; cgId: string | null }
export interface SimImage { id: string; groupId: string; baseVol: string; seq: number; timestamp: number; cgId: string | null; cgSeq: number | null }
export interface SimCopyJob { id: string; source: string; target: string; startedAt: number; bytes: number; status: 'inProgress' | 'complete' | 'failed'; fail: boolean }
export interface SimCg { id: string; label: string; members: string[]; seq: number }

/** What a data-plane backing follows: files per volume/image, tgtd LUNs per mapping. */
export type EsEvent =
  | { kind: 'create' | 'resize' | 'destroy'; id: string; sizeBytes: number }
  | { kind: 'clone'; source: string; id: string; sizeBytes: number }
  | { kind: 'map' | 'unmap'; id: string; lun: number; mapRef: string }
  | { kind: 'chap' };

export const HOST_TYPES = [
  { name: 'Linux', index: 6, code: 'Linux' },
  { name: 'Windows', index: 2, code: 'W2KNETNCL' },
  { name: 'Linux ALUA', index: 28, code: 'LnxALUA' },
  { name: 'VMware', index: 10, code: 'VmwTPGSALUA' },
  { name: 'Linux TPGS ALUA', index: 27, code: 'LnxTPGSALUA' },
];

let counter = 0;
/** SYMbol-style object ref: 24 hex digits, unique per simulator process. */
export function ref(prefix: string): string {
  counter++;
  return `${prefix}${counter.toString(16).padStart(24 - prefix.length, '0')}`;
}

export abstract class EsArrayState {
  readonly pools = new Map<string, SimPool>();
  readonly volumes = new Map<string, SimVol>();
  readonly hosts = new Map<string, SimHost>();
  readonly groups = new Map<string, SimGroup>();
  readonly mappings = new Map<string, SimMapping>();
  readonly snapGroups = new Map<string, SimSnapGroup>();
  readonly images = new Map<string, SimImage>();
  readonly copyJobs = new Map<string, SimCopyJob>();
  readonly records = new Map<string, string>();
  readonly cgs = new Map<string, SimCg>();
  readonly wwn = randomBytes(16).toString('hex').toUpperCase();
  readonly targetIqn = `iqn.1992-01.com.lsi:2365.${randomBytes(10).toString('hex')}`;
  chap: { enabled: boolean; alias: string; secret: string } = { enabled: false, alias: '', secret: '' };
  /** iSCSI ports per controller; the backing rewrites the address and port it serves. */
  portals: { controller: string; address: string; port: number; enabled: boolean }[] = [
    { controller: CONTROLLER_A, address: '127.0.0.1', port: 3260, enabled: true },
    { controller: CONTROLLER_B, address: '127.0.0.2', port: 3260, enabled: true },
    { controller: CONTROLLER_B, address: '0.0.0.0', port: 3260, enabled: false },
  ];
  /** Copy jobs started from now on end `failed` (fault injection). */
  failCopies = false;
  /** Bytes per second a copy job moves (time-based progress). */
  copyRate = 8 * GiB;
  /** Polls of action-progress that still show `remappingDve` after a thick expand on a volume group. */
  readonly dve = new Map<string, number>();
  events: EsEvent[] | null = null;
  private nextController = 0;
  now: () => number = () => Date.now();

  protected emit(e: EsEvent): void {
    this.events?.push(e);
  }

  addPool(p: Partial<SimPool> & { label: string; totalGiB: number }): SimPool {
    const pool: SimPool = {
      id: ref('04'), raidLevel: p.diskPool ? 'raidDiskPool' : 'raid6', diskPool: false, securityType: 'none', flashCacheCapable: true,
      dataAssuranceCapable: true, encrypted: false, spindleSpeed: 10000, mediaType: 'hdd', driveType: 'sas', ...p, totalBytes: p.totalGiB * GiB,
    };
    this.pools.set(pool.id, pool);
    return pool;
  }

  usedBytes(poolId: string): number {
    let used = 0;
    for (const v of this.volumes.values()) if (v.poolId === poolId) used += v.thin ? v.repositoryBytes : v.sizeBytes;
    for (const g of this.snapGroups.values()) if (g.poolId === poolId) used += g.repositoryBytes;
    return used;
  }

  pool(id: string): SimPool {
    const p = this.pools.get(id);
    if (!p) throw illegal(`storage pool ${id} does not exist`, 'invalidVolumegroupref');
    return p;
  }

  /** A volume by id, label or WWN (ssc/volumes/{id} accepts all three). */
  findVolume(key: string): SimVol | undefined {
    const byId = this.volumes.get(key);
    if (byId && !byId.view) return byId;
    for (const v of this.volumes.values()) if (!v.view && (v.label === key || v.wwn === key)) return v;
    return undefined;
  }
  volume(key: string): SimVol {
    const v = this.findVolume(key);
    if (!v) throw notFound(`volume ${key}`);
    return v;
  }

  createVolume(poolId: string, label: string, sizeBytes: number, thin: boolean, flashCache = false, dataAssurance = false): SimVol {
    const pool = this.pool(poolId);
    if (!label || label.length > 30) throw illegal(`volume label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    for (const v of this.volumes.values()) if (v.label === label) throw illegal(`a volume labelled ${label} exists`, 'duplicateVolumeLabel');
    if (!(sizeBytes > 0)) throw illegal('size must be positive');
    if (thin && !pool.diskPool) throw illegal(`thin volumes need a disk pool; ${pool.label} is a volume group`, 'invalidVolumegroupref');
    if (flashCache && !pool.flashCacheCapable) throw illegal('the pool cannot use flash cache');
    const repo = thin ? Math.min(4 * GiB, sizeBytes) : 0;
    const need = thin ? repo : sizeBytes;
    if (this.usedBytes(poolId) + need > pool.totalBytes) throw illegal(`not enough free capacity in ${pool.label}`, 'noSpace');
    const v: SimVol = {
      id: ref('02'), label, wwn: randomBytes(16).toString('hex').toUpperCase(), poolId, sizeBytes, thin, repositoryBytes: repo,
      controller: this.nextController++ % 2 === 0 ? CONTROLLER_A : CONTROLLER_B, flashCached: flashCache, dataAssurance,
    };
    this.volumes.set(v.id, v);
    this.emit({ kind: 'create', id: v.id, sizeBytes });
    return v;
  }

  rename(id: string, label: string): SimVol {
    const v = this.volume(id);
    if (!label || label.length > 30) throw illegal(`volume label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    for (const o of this.volumes.values()) if (o.label === label && o.id !== v.id) throw illegal(`a volume labelled ${label} exists`, 'duplicateVolumeLabel');
    v.label = label;
    return v;
  }

  deleteVolume(id: string): void {
    const v = this.volume(id);
    for (const j of this.copyJobs.values()) {
      if (j.status === 'inProgress' && (j.source === v.id || j.target === v.id)) throw illegal(`volume ${v.label} is in a running copy job`, 'volumeInUse');
    }
    for (const g of this.snapGroups.values()) if (g.baseVolume === v.id) this.deleteSnapGroup(g.id, true);
    for (const m of [...this.mappings.values()]) if (m.volumeRef === v.id) this.unmap(m.ref);
    for (const cg of this.cgs.values()) cg.members = cg.members.filter((x) => x !== v.id);
    this.volumes.delete(v.id);
    this.emit({ kind: 'destroy', id: v.id, sizeBytes: v.sizeBytes });
  }

  expand(id: string, newBytes: number, thin: boolean): SimVol {
    const v = this.volume(id);
    if (v.thin !== thin) throw illegal(`volume ${v.label} is ${v.thin ? 'thin' : 'thick'}; use the ${v.thin ? 'thin-volumes' : 'volumes'} expand call`, 'invalidVolumeref');
    if (newBytes <= v.sizeBytes) throw illegal(`new capacity ${newBytes} is not larger than ${v.sizeBytes}`, 'invalidCapacity');
    const pool = this.pool(v.poolId);
    if (!thin && this.usedBytes(v.poolId) + (newBytes - v.sizeBytes) > pool.totalBytes) throw illegal(`not enough free capacity in ${pool.label}`, 'noSpace');
    v.sizeBytes = newBytes;
    if (thin) v.repositoryBytes = Math.min(v.repositoryBytes, newBytes);
    else if (!pool.diskPool) this.dve.set(v.id, 2);
    this.emit({ kind: 'resize', id: v.id, sizeBytes: newBytes });
    return v;
  }

  actionProgress(poolId: string): { volumeRef: string; currentAction: string; estimatedTimeToCompletion: number }[] {
    this.pool(poolId);
    const out = [];
    for (const [volId, left] of this.dve) {
      if (this.volumes.get(volId)?.poolId !== poolId) continue;
      out.push({ volumeRef: volId, currentAction: 'remappingDve', estimatedTimeToCompletion: left });
      if (left <= 1) this.dve.delete(volId);
      else this.dve.set(volId, left - 1);
    }
    return out;
  }

  // --- hosts, groups, mappings

  createHost(label: string, hostTypeIndex: number, ports: { type: string; port: string; label?: string }[], groupId: string | null): SimHost {
    if (!label || label.length > 30) throw illegal(`host label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    if (!HOST_TYPES.some((t) => t.index === hostTypeIndex)) throw illegal(`host type index ${hostTypeIndex} is unknown`, 'invalidHostTypeIndex');
    for (const h of this.hosts.values()) {
      if (h.label === label) throw illegal(`a host labelled ${label} exists`, 'duplicateHostLabel');
      for (const p of ports) if (h.ports.some((q) => q.address.toLowerCase() === p.port.toLowerCase())) throw illegal(`port ${p.port} belongs to host ${h.label}`, 'duplicateHostPort');
    }
    if (groupId && !this.groups.has(groupId)) throw illegal(`host group ${groupId} does not exist`, 'invalidClusterref');
    const h: SimHost = {
      ref: ref('84'), label, clusterRef: groupId ?? '0000000000000000000000000000000000000000', hostTypeIndex,
      ports: ports.map((p) => ({ type: p.type, address: p.port, label: p.label ?? label })),
    };
    this.hosts.set(h.ref, h);
    if (groupId) this.rebindGroup(groupId);
    return h;
  }

  setHostGroup(hostRef: string, groupId: string): SimHost {
    const h = this.hosts.get(hostRef);
    if (!h) throw notFound(`host ${hostRef}`);
    if (!this.groups.has(groupId)) throw illegal(`host group ${groupId} does not exist`, 'invalidClusterref');
    // A volume mapped to both the host and its new group would get two LUNs: the array refuses.
    for (const m of this.mappings.values()) {
      if (m.mapRef === h.ref && [...this.mappings.values()].some((g) => g.mapRef === groupId && g.lun === m.lun)) {
        throw illegal(`LUN ${m.lun} of host ${h.label} is used in the host group`, 'lunAlreadyExists');
      }
    }
    h.clusterRef = groupId;
    this.rebindGroup(groupId);
    return h;
  }

  createGroup(label: string): SimGroup {
    if (!label || label.length > 30) throw illegal(`host group label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    for (const g of this.groups.values()) if (g.label === label) throw illegal(`a host group labelled ${label} exists`, 'duplicateHostGroupLabel');
    const g: SimGroup = { ref: ref('85'), label };
    this.groups.set(g.ref, g);
    return g;
  }

  /** The initiators that see a mapping's target (a host's ports, or every port of a group's hosts). */
  initiatorsOf(mapRef: string): string[] {
    const h = this.hosts.get(mapRef);
    if (h) return h.ports.map((p) => p.address);
    return [...this.hosts.values()].filter((x) => x.clusterRef === mapRef).flatMap((x) => x.ports.map((p) => p.address));
  }

  /** LUNs visible to a host: its own mappings and its group's. */
  private lunsSeenBy(mapRef: string): Set<number> {
    const refs = new Set([mapRef]);
    const h = this.hosts.get(mapRef);
    if (h && this.groups.has(h.clusterRef)) refs.add(h.clusterRef);
    if (this.groups.has(mapRef)) for (const x of this.hosts.values()) if (x.clusterRef === mapRef) refs.add(x.ref);
    return new Set([...this.mappings.values()].filter((m) => refs.has(m.mapRef)).map((m) => m.lun));
  }

  map(volumeRef: string, targetId: string, lun: number): SimMapping {
    const v = this.volumes.get(volumeRef);
    if (!v) throw illegal(`volume ${volumeRef} does not exist`, 'invalidVolumeref');
    if (!this.hosts.has(targetId) && !this.groups.has(targetId)) throw illegal(`host or host group ${targetId} does not exist`, 'invalidMappingTarget');
    if (!Number.isInteger(lun) || lun < 0 || lun > MAX_LUN) throw illegal(`LUN ${lun} is out of range 0-${MAX_LUN}`, 'invalidLun');
    if ([...this.mappings.values()].some((m) => m.volumeRef === volumeRef)) throw illegal(`volume ${v.label} is already mapped`, 'volumeAlreadyMapped');
    if (this.lunsSeenBy(targetId).has(lun)) throw illegal(`LUN ${lun} is in use for ${targetId}`, 'lunAlreadyExists');
    const m: SimMapping = { ref: ref('88'), lun, volumeRef, mapRef: targetId };
    this.mappings.set(m.ref, m);
    this.emit({ kind: 'map', id: volumeRef, lun, mapRef: targetId });
    return m;
  }

  unmap(mappingRef: string): void {
    const m = this.mappings.get(mappingRef);
    if (!m) throw notFound(`volume mapping ${mappingRef}`);
    this.mappings.delete(m.ref);
    this.emit({ kind: 'unmap', id: m.volumeRef, lun: m.lun, mapRef: m.mapRef });
  }

  moveMapping(mappingRef: string, mapRef: string, lun: number): void {
    const m = this.mappings.get(mappingRef);
    if (!m) throw illegal(`volume mapping ${mappingRef} does not exist`, 'invalidLunMappingRef');
    if (!this.hosts.has(mapRef) && !this.groups.has(mapRef)) throw illegal(`host or host group ${mapRef} does not exist`, 'invalidMappingTarget');
    const seen = this.lunsSeenBy(mapRef);
    seen.delete(m.lun);
    if (seen.has(lun)) throw illegal(`LUN ${lun} is in use for ${mapRef}`, 'lunAlreadyExists');
    this.emit({ kind: 'unmap', id: m.volumeRef, lun: m.lun, mapRef: m.mapRef });
    m.mapRef = mapRef;
    m.lun = lun;
    this.emit({ kind: 'map', id: m.volumeRef, lun, mapRef });
  }

  /** A host joined a group: the group's LUNs are served to it too (the backing re-binds). */
  private rebindGroup(groupId: string): void {
    for (const m of this.mappings.values()) {
      if (m.mapRef !== groupId) continue;
      this.emit({ kind: 'unmap', id: m.volumeRef, lun: m.lun, mapRef: m.mapRef });
      this.emit({ kind: 'map', id: m.volumeRef, lun: m.lun, mapRef: m.mapRef });
    }
  }

  setChap(iqn: string, enabled: boolean, alias: string, secret: string): void {
    if (iqn !== this.targetIqn) throw illegal(`target ${iqn} is not this array's`, 'invalidTarget');
    if (enabled && (secret.length < 12 || secret.length > 57)) throw illegal('the CHAP secret must be 12 to 57 characters', 'invalidChapSecret');
    this.chap = { enabled, alias, secret };
    this.emit({ kind: 'chap' });
  }

  /** Deletes a snapshot group with its images and views (a base volume going takes its groups). */
  abstract deleteSnapGroup(id: string, cascade?: boolean): void;
}
