// The typed SAN client interface the library talks to: one method per ONTAP call (or
// call pair), implemented over ZAPI 7-mode, ZAPI cluster mode and ONTAP REST. Every
// implementation raises NaApiError with ZAPI errnos, so the library reacts the same way.

export interface FlexVolInfo {
  name: string;
  aggregate: string | null;
  /** Usable size: the FlexVol's size less its snapshot reserve (REST `space.afs_total`, ZAPI `size-total`). */
  totalBytes: number;
  /** REST `space.available`, ZAPI `size-available`. */
  availableBytes: number;
  /** space-guarantee `none`: thin provisioned FlexVol. */
  thin: boolean;
  online: boolean;
}

export interface LunInfo {
  /** `/vol/<volume>[/<qtree>]/<name>` */
  path: string;
  name: string;
  volume: string;
  qtree: string;
  sizeBytes: number;
  osType: string;
  spaceReserved: boolean;
  /** SCSI thin provisioning (UNMAP) support: ZAPI `is-space-alloc-enabled`, REST `space.scsi_thin_provisioning_support_enabled`. */
  spaceAllocation: boolean;
  /** The QoS policy group the LUN is in (cluster mode), adaptive or not. */
  qosPolicyGroup: string | null;
  qosAdaptive: boolean;
  uuid: string | null;
  serial: string | null;
  online: boolean;
  mapped: boolean;
}

export interface IgroupInfo {
  name: string;
  /** iscsi | fcp | mixed */
  type: string;
  osType: string;
  initiators: string[];
}

export interface LunMapInfo {
  igroup: string;
  lunId: number;
}

export interface IscsiPortal {
  address: string;
  port: number;
  /** ZAPI reports the portal group tag; REST's interfaces do not (null). */
  tpgt: number | null;
  enabled: boolean;
}

export interface CreateLunRequest {
  path: string;
  volume: string;
  sizeBytes: number;
  osType: string;
  spaceReserved: boolean;
  spaceAllocation: boolean;
  qosPolicyGroup?: string | null;
  /** The policy group is an adaptive one (`qos-adaptive-policy-group`, REST the same `qos_policy.name`). */
  qosAdaptive?: boolean;
}

/** What a LUN clone carries over from its source besides the data. */
export interface CloneOptions {
  spaceReserved: boolean;
  /** Cluster mode: the clone joins the source's QoS policy group. */
  qosPolicyGroup?: string | null;
  qosAdaptive?: boolean;
}

export interface OntapSanClient {
  readonly family: 'ontap_cluster' | 'ontap_7mode';
  readonly api: 'zapi' | 'rest';
  /** Probes the system and negotiates the API version; returns it as text. */
  connect(): Promise<string>;
  listFlexVols(): Promise<FlexVolInfo[]>;
  /** Every LUN, or those in one FlexVol. */
  listLuns(volume?: string): Promise<LunInfo[]>;
  getLun(path: string): Promise<LunInfo | null>;
  /** Creates the LUN; returns its actual size in bytes (ONTAP may round the requested size). */
  createLun(req: CreateLunRequest): Promise<number>;
  destroyLun(path: string): Promise<void>;
  resizeLun(path: string, sizeBytes: number): Promise<void>;
  /** A LUN clone inside one FlexVol (what snapshots and clones are made of). */
  cloneLun(volume: string, sourcePath: string, destPath: string, opts: CloneOptions): Promise<void>;
  /** Renames within the FlexVol (manage existing). */
  moveLun(path: string, newPath: string): Promise<void>;
  listLunMaps(path: string): Promise<LunMapInfo[]>;
  /** Returns the LUN id assigned. */
  mapLun(path: string, igroup: string): Promise<number>;
  unmapLun(path: string, igroup: string): Promise<void>;
  findIgroupsForInitiator(initiator: string): Promise<IgroupInfo[]>;
  /** Every igroup (one listing at set-up warms the attach cache). */
  listIgroups(): Promise<IgroupInfo[]>;
  /** Creates the igroup holding `initiators` (one call over REST, create + add over ZAPI). */
  createIgroup(name: string, type: string, osType: string, initiators: string[]): Promise<void>;
  getIscsiTargetName(): Promise<string>;
  getIscsiPortals(): Promise<IscsiPortal[]>;
  /** Sets inbound CHAP for an initiator (create or modify). */
  setChap(initiator: string, username: string, secret: string): Promise<void>;
  /** Round trips made so far (for the bench and tests). */
  readonly callCount: number;
  close(): void;
}

/** Splits `/vol/<volume>[/<qtree>]/<name>`. */
export function splitLunPath(path: string): { volume: string; qtree: string; name: string } {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'vol' || parts.length < 3 || parts.length > 4) throw new TypeError(`Not a LUN path: '${path}'.`);
  return { volume: parts[1]!, qtree: parts.length === 4 ? parts[2]! : '', name: parts[parts.length - 1]! };
}

/** The path of a LUN relative to its FlexVol (`[qtree/]name`), as cluster-mode clone-create names it. */
export function pathInVolume(path: string): string {
  const p = splitLunPath(path);
  return p.qtree ? `${p.qtree}/${p.name}` : p.name;
}

export function lunPath(volume: string, name: string, qtree = ''): string {
  return qtree ? `/vol/${volume}/${qtree}/${name}` : `/vol/${volume}/${name}`;
}
