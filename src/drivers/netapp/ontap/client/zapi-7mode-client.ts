// ZAPI 7-mode: *-list-info listing (no paging), vFiler tunnelling, clone-start polled
// with clone-list-status.
import type { NaElement } from '../zapi/na-element.js';
import { ESTATUSFAILED, EVDISK_ERROR_VDISK_EXISTS, NaApiError, isNaApiError } from '../zapi/na-errors.js';
import { ZapiClientBase, igroupFrom, lunFrom } from './zapi-client-base.js';
import type { FlexVolInfo, IgroupInfo, IscsiPortal, LunInfo, LunMapInfo } from './san-client.js';
import { clock, sleep } from '../../../../util/clock.js';

export class Zapi7modeClient extends ZapiClientBase {
  readonly family = 'ontap_7mode' as const;
  /** How long a clone may run before we give up polling. */
  cloneTimeoutMs = 60_000;

  async listFlexVols(): Promise<FlexVolInfo[]> {
    const res = await this.invoke('volume-list-info');
    return (res.getChildByName('volumes')?.getChildren() ?? []).map((v) => ({
      name: v.getChildContent('name') ?? '',
      aggregate: v.getChildContent('containing-aggregate') ?? null,
      totalBytes: Number(v.getChildContent('size-total') ?? 0),
      availableBytes: Number(v.getChildContent('size-available') ?? 0),
      thin: v.getChildContent('space-reserve') === 'none',
      online: v.getChildContent('state') === 'online',
    }));
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

  async cloneLun(_volume: string, sourcePath: string, destPath: string, spaceReserved: boolean): Promise<void> {
    let res: NaElement;
    try {
      res = await this.invoke('clone-start', { 'source-path': sourcePath, 'destination-path': destPath, 'no-snap': true });
    } catch (e) {
      // Our own earlier attempt may have made the clone before its reply was lost: still
      // apply the reservation, then let the caller decide whether that LUN is ours.
      if (isNaApiError(e, EVDISK_ERROR_VDISK_EXISTS) && !spaceReserved) {
        await this.invoke('lun-set-space-reservation-info', { path: destPath, enable: false }).catch(() => undefined);
      }
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
        throw new NaApiError(ESTATUSFAILED, `clone of ${sourcePath} failed: ${op?.getChildContent('reason') ?? 'no reason given'}`, 'clone-list-status');
      }
      if (clock().now().getTime() > deadline) throw new NaApiError(ESTATUSFAILED, `clone of ${sourcePath} still running after ${this.cloneTimeoutMs} ms`, 'clone-list-status');
      await sleep(delay);
    }
    if (!spaceReserved) await this.invoke('lun-set-space-reservation-info', { path: destPath, enable: false });
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
      tpgt: Number(p.getChildContent('tpgroup-tag') ?? 1),
      enabled: true,
    }));
  }
}
