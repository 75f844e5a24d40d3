// ZAPI cluster mode: *-get-iter listing with paging, SVM tunnelling, clone-create.
import type { NaStructMap } from '../zapi/na-element.js';
import { ZapiClientBase, igroupFrom, lunFrom, tag } from './zapi-client-base.js';
import { pathInVolume, type CloneOptions, type FlexVolInfo, type IgroupInfo, type IscsiPortal, type LunInfo, type LunMapInfo } from './san-client.js';

export class ZapiCmodeClient extends ZapiClientBase {
  readonly family = 'ontap_cluster' as const;

  async listFlexVols(): Promise<FlexVolInfo[]> {
    // Cinder's filter: read-write FlexVols of this SVM, not its root, consistent, valid, online.
    const vols = await this.server.iterate('volume-get-iter', {
      query: {
        'volume-attributes': {
          'volume-id-attributes': { 'owning-vserver-name': this.server.getVserver() ?? '*', type: 'rw', style: 'flex' },
          'volume-state-attributes': { 'is-vserver-root': false, 'is-inconsistent': false, 'is-invalid': false, state: 'online' },
        },
      },
    });
    return vols.map((v) => {
      const id = v.getChildByName('volume-id-attributes');
      const space = v.getChildByName('volume-space-attributes');
      return {
        name: id?.getChildContent('name') ?? '',
        aggregate: id?.getChildContent('containing-aggregate-name') ?? null,
        totalBytes: Number(space?.getChildContent('size-total') ?? 0),
        availableBytes: Number(space?.getChildContent('size-available') ?? 0),
        thin: space?.getChildContent('space-guarantee') === 'none',
        online: v.path('volume-state-attributes')?.getChildContent('state') === 'online',
      };
    });
  }

  async listLuns(volume?: string): Promise<LunInfo[]> {
    const query = volume ? { query: { 'lun-info': { volume } } } : {};
    return (await this.server.iterate('lun-get-iter', query)).map(lunFrom);
  }

  async getLun(path: string): Promise<LunInfo | null> {
    const found = await this.server.iterate('lun-get-iter', { query: { 'lun-info': { path } } });
    return found.length > 0 ? lunFrom(found[0]!) : null;
  }

  async cloneLun(volume: string, sourcePath: string, destPath: string, opts: CloneOptions): Promise<void> {
    // Cluster-mode clone-create names source and destination relative to the FlexVol, qtree included.
    const inputs: NaStructMap = {
      volume,
      'source-path': pathInVolume(sourcePath),
      'destination-path': pathInVolume(destPath),
      'space-reserve': opts.spaceReserved,
    };
    if (opts.qosPolicyGroup) inputs[opts.qosAdaptive ? 'qos-adaptive-policy-group-name' : 'qos-policy-group-name'] = opts.qosPolicyGroup;
    await this.invoke('clone-create', inputs);
  }

  protected async replaceChap(initiator: string, username: string, secret: string): Promise<void> {
    // Cluster mode changes an entry in place; the call takes no auth-type.
    await this.invoke('iscsi-initiator-modify-chap-params', { initiator, 'user-name': username, password: secret });
  }

  async listLunMaps(path: string): Promise<LunMapInfo[]> {
    const maps = await this.server.iterate('lun-map-get-iter', { query: { 'lun-map-info': { path } } });
    return maps.map((m) => ({ igroup: m.getChildContent('initiator-group') ?? '', lunId: Number(m.getChildContent('lun-id')) }));
  }

  async findIgroupsForInitiator(initiator: string): Promise<IgroupInfo[]> {
    const found = await this.server.iterate('igroup-get-iter', {
      query: { 'initiator-group-info': { initiators: [{ 'initiator-info': { 'initiator-name': initiator } }] } },
    });
    return found.map(igroupFrom);
  }

  async listIgroups(): Promise<IgroupInfo[]> {
    return (await this.server.iterate('igroup-get-iter')).map(igroupFrom);
  }

  async getIscsiTargetName(): Promise<string> {
    const svcs = await this.server.iterate('iscsi-service-get-iter');
    const svc = svcs.find((s) => s.getChildContent('is-available') !== 'false') ?? svcs[0];
    return svc?.getChildContent('node-name') ?? '';
  }

  async getIscsiPortals(): Promise<IscsiPortal[]> {
    const ifs = await this.server.iterate('iscsi-interface-get-iter');
    return ifs.map((i) => ({
      address: i.getChildContent('ip-address') ?? '',
      port: Number(i.getChildContent('ip-port') ?? 3260),
      tpgt: tag(i.getChildContent('tpgroup-tag')),
      enabled: i.getChildContent('is-interface-enabled') !== 'false',
    }));
  }
}
