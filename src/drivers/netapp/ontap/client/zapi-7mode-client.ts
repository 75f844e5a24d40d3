// ZAPI 7-mode: *-list-info listing (no paging), vFiler tunnelling, clone-start polled
// with clone-list-status.
import type { NaElement } from '../zapi/na-element.js';
import { ESTATUSFAILED, EVDISK_ERROR_VDISK_EXISTS, NaApiError, isNaApiError } from '../zapi/na-errors.js';
import { ZapiClientBase, igroupFrom, lunFrom, tag } from './zapi-client-base.js';
import type { CloneOptions, FlexVolInfo, IgroupInfo, IscsiPortal, LunInfo, LunMapInfo } from './san-client.js';
import { clock, sleep } from '../../../../util/clock.js';

export class Zapi7modeClient extends ZapiClientBase {
  readonly family = 'ontap_7mode' as const;
  /** How long a clone may run before we give up polling. */
  cloneTimeoutMs = 60_000;

  /** The filer's (or vFiler's) root volume, found once: it never holds LUNs for Flint. */
  private rootVolume: string | null | undefined;

  /**
   * FlexVols that may hold LUNs: online, neither inconsistent nor invalid, and not the root
   * volume (the one whose `root` option is true), as Cinder's 7-mode library filters them.
   */
  async listFlexVols(): Promise<FlexVolInfo[]> {
    const res = await this.invoke('volume-list-info');
    const vols = res.getChildByName('volumes')?.getChildren() ?? [];
    if (this.rootVolume === undefined) this.rootVolume = await this.findRootVolume(vols.map((v) => v.getChildContent('name') ?? ''));
    return vols
      .filter((v) => v.getChildContent('name') !== this.rootVolume && v.getChildContent('is-inconsistent') === 'false' && v.getChildContent('is-invalid') === 'false')
      .map((v) => ({
        name: v.getChildContent('name') ?? '',
        aggregate: v.getChildContent('containing-aggregate') ?? null,
        totalBytes: Number(v.getChildContent('size-total') ?? 0),
        availableBytes: Number(v.getChildContent('size-available') ?? 0),
        thin: v.getChildContent('space-reserve') === 'none',
        online: v.getChildContent('state') === 'online',
      }));
  }

  private async findRootVolume(names: string[]): Promise<string | null> {
    for (const name of names) {
      const opts = await this.invoke('volume-options-list-info', { volume: name });
      const root = (opts.getChildByName('options')?.getChildren() ?? []).find((o) => o.getChildContent('name') === 'root');
      if (root?.getChildContent('value') === 'true') return name;
    }
    return null;
  }

  async listLuns(volume?: string): Promise<LunInfo[]> {
    const res = await this.invoke('lun-list-info', volume ? { 'volume-name': volume } : {});
    return (res.getChildByName('luns')?.getChildren() ?? []).map(lunFrom);
  }

  async getLun(path: string): Promise<LunInfo | null> {
    try {
      const res = await this.invoke('lun-list-info', { path });
      const lun = res.getChildByName('luns')?.getChildren()[0];
      return lun ? lunFrom(lun) : null;
    } catch (e) {
      if (isNaApiError(e, '9017')) return null;
      throw e;
    }
  }

  /**
   * clone-start, polled with clone-list-status. A failed clone raises the clone job's own
   * errno and reason. The clone starts with its source's space reservation, so the one asked
   * for is always set afterwards (also on a retried clone that already exists).
   */
  async cloneLun(_volume: string, sourcePath: string, destPath: string, opts: CloneOptions): Promise<void> {
    let res: NaElement;
    try {
      res = await this.invoke('clone-start', { 'source-path': sourcePath, 'destination-path': destPath, 'no-snap': true });
    } catch (e) {
      // Our own earlier attempt may have made the clone before its reply was lost: still
      // apply the reservation, then let the caller decide whether that LUN is ours.
      if (isNaApiError(e, EVDISK_ERROR_VDISK_EXISTS)) await this.setSpaceReserve(destPath, opts.spaceReserved).catch(() => undefined);
      throw e;
    }
    const info = res.path('clone-id', 'clone-id-info');
    const opId = info?.getChildContent('clone-op-id');
    const volUuid = info?.getChildContent('volume-uuid');
    const deadline = clock().now().getTime() + this.cloneTimeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 1000)) {
      const status = await this.invoke('clone-list-status', { 'clone-id': { 'clone-id-info': { 'clone-op-id': opId, 'volume-uuid': volUuid } } });
      const op = status.path('status', 'ops-info');
      const state = op?.getChildContent('clone-state');
      if (state === 'completed') break;
      if (state === 'failed') {
        throw new NaApiError(op?.getChildContent('error') || ESTATUSFAILED, `clone of ${sourcePath} failed: ${op?.getChildContent('reason') ?? 'no reason given'}`, 'clone-list-status');
      }
      if (clock().now().getTime() > deadline) throw new NaApiError(ESTATUSFAILED, `clone of ${sourcePath} still running after ${this.cloneTimeoutMs} ms`, 'clone-list-status');
      await sleep(delay);
    }
    await this.setSpaceReserve(destPath, opts.spaceReserved);
  }

  private async setSpaceReserve(path: string, enable: boolean): Promise<void> {
    await this.invoke('lun-set-space-reservation-info', { path, enable });
  }

  /** 7-mode has no modify-chap-params (a vserver-family call): the entry is removed and added again. */
  protected async replaceChap(initiator: string, username: string, secret: string): Promise<void> {
    await this.invoke('iscsi-initiator-delete-auth', { initiator });
    await this.invoke('iscsi-initiator-add-auth', { initiator, 'auth-type': 'CHAP', 'user-name': username, password: secret });
  }

  async listLunMaps(path: string): Promise<LunMapInfo[]> {
    const res = await this.invoke('lun-map-list-info', { path });
    return (res.getChildByName('initiator-groups')?.getChildren() ?? []).map((g) => ({
      igroup: g.getChildContent('initiator-group-name') ?? '',
      lunId: Number(g.getChildContent('lun-id')),
    }));
  }

  async findIgroupsForInitiator(initiator: string): Promise<IgroupInfo[]> {
    // 7-mode cannot filter igroup-list-info by initiator; filter here.
    return (await this.listIgroups()).filter((g) => g.initiators.includes(initiator));
  }

  async listIgroups(): Promise<IgroupInfo[]> {
    const res = await this.invoke('igroup-list-info');
    return (res.getChildByName('initiator-groups')?.getChildren() ?? []).map(igroupFrom);
  }

  async getIscsiTargetName(): Promise<string> {
    return (await this.invoke('iscsi-node-get-name')).getChildContent('node-name') ?? '';
  }

  async getIscsiPortals(): Promise<IscsiPortal[]> {
    const res = await this.invoke('iscsi-portal-list-info');
    return (res.getChildByName('iscsi-portal-list-entries')?.getChildren() ?? []).map((p) => ({
      address: p.getChildContent('ip-address') ?? '',
      port: Number(p.getChildContent('ip-port') ?? 3260),
      tpgt: tag(p.getChildContent('tpgroup-tag')),
      enabled: true,
    }));
  }
}
