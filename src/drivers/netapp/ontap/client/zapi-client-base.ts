// The ZAPI calls 7-mode and cluster mode share (lun-create-by-size, lun-destroy, lun-map…);
// the subclasses add the family-specific listing, cloning and iSCSI calls.
import { NaElement, type NaStructMap } from '../zapi/na-element.js';
import type { NaServer } from '../zapi/na-server.js';
import { EAPINOTFOUND, EDUPLICATEENTRY, EVDISK_ERROR_INITGROUP_EXISTS, EVDISK_ERROR_INITGROUP_HAS_NODE, NaApiError, isNaApiError } from '../zapi/na-errors.js';
import { splitLunPath, type CloneOptions, type CreateLunRequest, type FlexVolInfo, type IgroupInfo, type IscsiPortal, type LunInfo, type LunMapInfo, type OntapSanClient } from './san-client.js';

export abstract class ZapiClientBase implements OntapSanClient {
  abstract readonly family: 'ontap_cluster' | 'ontap_7mode';
  readonly api = 'zapi' as const;
  private calls = 0;

  constructor(protected readonly server: NaServer) {
    server.onCall = () => {
      this.calls++;
    };
  }

  get callCount(): number {
    return this.calls;
  }

  protected invoke(api: string, inputs?: NaStructMap, tunnel = true): Promise<NaElement> {
    return this.server.invokeSuccessfully(NaElement.create(api, inputs), tunnel);
  }

  /** The negotiated ONTAPI version (1.x), for calls whose inputs depend on it. */
  protected ontapi = { major: 1, minor: 0 };

  async connect(): Promise<string> {
    const v = await this.server.negotiateVersion();
    this.ontapi = v;
    const minimum = this.family === 'ontap_cluster' ? 15 : 7;
    if (v.major === 1 && v.minor < minimum) {
      throw new NaApiError(EAPINOTFOUND, `ONTAPI ${v.major}.${v.minor} is older than the 1.${minimum} this driver needs`, 'system-get-ontapi-version');
    }
    return `${v.major}.${v.minor}`;
  }

  /** ONTAPI 1.110 (ONTAP 9.1) added `use-exact-size`; older systems round the size to the LUN geometry. */
  protected get exactSizeSupported(): boolean {
    return this.ontapi.major > 1 || this.ontapi.minor >= 110;
  }

  async createLun(req: CreateLunRequest): Promise<number> {
    const inputs: NaStructMap = {
      path: req.path,
      size: req.sizeBytes,
      ostype: req.osType,
      'space-reservation-enabled': req.spaceReserved,
      'space-allocation-enabled': req.spaceAllocation,
    };
    if (this.exactSizeSupported) inputs['use-exact-size'] = true;
    if (req.qosPolicyGroup) inputs[req.qosAdaptive ? 'qos-adaptive-policy-group' : 'qos-policy-group'] = req.qosPolicyGroup;
    const res = await this.invoke('lun-create-by-size', inputs);
    const actual = Number(res.getChildContent('actual-size'));
    return Number.isFinite(actual) && actual > 0 ? actual : req.sizeBytes;
  }

  async destroyLun(path: string): Promise<void> {
    await this.invoke('lun-destroy', { path, force: true });
  }

  async resizeLun(path: string, sizeBytes: number): Promise<void> {
    await this.invoke('lun-resize', { path, size: sizeBytes, force: true });
  }

  async moveLun(path: string, newPath: string): Promise<void> {
    await this.invoke('lun-move', { path, 'new-path': newPath });
  }

  async mapLun(path: string, igroup: string): Promise<number> {
    const res = await this.invoke('lun-map', { path, 'initiator-group': igroup });
    return Number(res.getChildContent('lun-id-assigned'));
  }

  async unmapLun(path: string, igroup: string): Promise<void> {
    await this.invoke('lun-unmap', { path, 'initiator-group': igroup });
  }

  async createIgroup(name: string, type: string, osType: string, initiators: string[]): Promise<void> {
    // Names are unique per attempt, so "exists" / "already has initiator" mean our own
    // earlier attempt got through before its reply was lost.
    try {
      await this.invoke('igroup-create', { 'initiator-group-name': name, 'initiator-group-type': type, 'os-type': osType });
    } catch (e) {
      if (!isNaApiError(e, EVDISK_ERROR_INITGROUP_EXISTS)) throw e;
    }
    for (const initiator of initiators) {
      try {
        await this.invoke('igroup-add', { 'initiator-group-name': name, initiator });
      } catch (e) {
        if (!isNaApiError(e, EVDISK_ERROR_INITGROUP_HAS_NODE)) throw e;
      }
    }
  }

  abstract listFlexVols(): Promise<FlexVolInfo[]>;
  abstract listLuns(volume?: string): Promise<LunInfo[]>;
  abstract getLun(path: string): Promise<LunInfo | null>;
  abstract cloneLun(volume: string, sourcePath: string, destPath: string, opts: CloneOptions): Promise<void>;
  abstract listLunMaps(path: string): Promise<LunMapInfo[]>;
  abstract findIgroupsForInitiator(initiator: string): Promise<IgroupInfo[]>;
  abstract listIgroups(): Promise<IgroupInfo[]>;
  abstract getIscsiTargetName(): Promise<string>;
  abstract getIscsiPortals(): Promise<IscsiPortal[]>;
  /**
   * Gives the initiator inbound CHAP credentials: `iscsi-initiator-get-auth` tells whether it
   * has an entry (ONTAP refuses the call when it has none); then add it, or change it (the
   * family-specific `replaceChap`). An add refused as a duplicate (a racing attach) changes it.
   */
  async setChap(initiator: string, username: string, secret: string): Promise<void> {
    let exists = true;
    try {
      await this.invoke('iscsi-initiator-get-auth', { initiator });
    } catch (e) {
      if (!isNaApiError(e)) throw e;
      exists = false;
    }
    if (exists) return this.replaceChap(initiator, username, secret);
    try {
      await this.invoke('iscsi-initiator-add-auth', { initiator, 'auth-type': 'CHAP', 'user-name': username, password: secret });
    } catch (e) {
      if (!isNaApiError(e, EDUPLICATEENTRY)) throw e;
      await this.replaceChap(initiator, username, secret);
    }
  }

  /** Changes an existing CHAP entry. */
  protected abstract replaceChap(initiator: string, username: string, secret: string): Promise<void>;

  close(): void {
    this.server.close();
  }
}

/** Reads the igroup fields both families return in `initiator-group-info`. */
export function igroupFrom(el: NaElement): IgroupInfo {
  return {
    name: el.getChildContent('initiator-group-name') ?? '',
    type: el.getChildContent('initiator-group-type') ?? '',
    osType: el.getChildContent('initiator-group-os-type') ?? '',
    initiators: (el.getChildByName('initiators')?.getChildren() ?? []).map((i) => i.getChildContent('initiator-name') ?? ''),
  };
}

export const bool = (s: string | null): boolean => s === 'true';
/** A portal group tag as reported, or null when the reply has none. */
export const tag = (s: string | null): number | null => (s === null || s === '' ? null : Number(s));

/** A LUN from lun-list-info (7-mode) or lun-get-iter (cluster, which also names volume and qtree). */
export function lunFrom(el: NaElement): LunInfo {
  const path = el.getChildContent('path') ?? '';
  const parts = splitLunPath(path);
  return {
    path,
    name: parts.name,
    volume: el.getChildContent('volume') ?? parts.volume,
    qtree: el.getChildContent('qtree') ?? parts.qtree,
    sizeBytes: Number(el.getChildContent('size') ?? 0),
    osType: el.getChildContent('multiprotocol-type') ?? '',
    spaceReserved: bool(el.getChildContent('is-space-reservation-enabled')),
    spaceAllocation: bool(el.getChildContent('is-space-alloc-enabled')),
    qosPolicyGroup: el.getChildContent('qos-policy-group') ?? el.getChildContent('qos-adaptive-policy-group'),
    qosAdaptive: el.getChildContent('qos-policy-group') === null && el.getChildContent('qos-adaptive-policy-group') !== null,
    uuid: el.getChildContent('uuid'),
    serial: el.getChildContent('serial-number'),
    online: bool(el.getChildContent('online')),
    mapped: bool(el.getChildContent('mapped')),
  };
}
