// Attach and detach on E-Series: the initiator's host (found by port, ignoring case and
// colons, else created with the configured host type), one mapping per volume with a LUN
// unused across the array, multi-attach by moving the mapping to the `cinder-multi-attach`
// host group (its hosts see it), the owning controller's iSCSI portal, and target CHAP.
import { BackendError, ConfigError, Conflict } from '../../../errors/errors.js';
import { randomSecret } from '../../../util/ids.js';
import type { Logger } from '../../../util/logger.js';
import type { ConnectionInfo, Connector, DriverAttachment } from '../../interface/objects.js';
import { formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, validateIscsiConnector } from '../../../protocols/iscsi.js';
import type { EseriesClient } from './rest/eseries-client.js';
import type { EsHardwareInventory, EsHost, EsHostGroup, EsMapping, EsVolume } from './rest/eseries-types.js';
import { HOST_TYPE_CODES } from './eseries-options.js';
import { isEsApiError } from './eseries-errors.js';
import { sameInitiator, uuidToLabel } from './eseries-utils.js';
import { newId } from '../../../util/ids.js';

export const MULTI_ATTACH_GROUP = 'cinder-multi-attach';
export const NO_GROUP = '0000000000000000000000000000000000000000';
const MAX_LUN = 255;

export interface MapperConfig {
  hostType: string;
  multiattach: boolean;
  chap: { enabled: boolean; username: string; secret: string };
}

export class HostMapper {
  private hostTypeIndex: number | null = null;
  private inventory: EsHardwareInventory | null = null;
  private chapSet: { iqn: string; secret: string } | null = null;
  /** One host lookup/create per initiator at a time, so racing attaches share a host. */
  private readonly pending = new Map<string, Promise<EsHost>>();

  constructor(
    private readonly client: EseriesClient,
    private readonly cfg: MapperConfig,
    private readonly log: Logger,
  ) {}

  /** Re-read at each stats refresh, so the cached ports never outlive a period. */
  async refreshInventory(): Promise<EsHardwareInventory> {
    this.inventory = await this.client.hardwareInventory();
    return this.inventory;
  }

  async resolveHostType(): Promise<number> {
    if (this.hostTypeIndex !== null) return this.hostTypeIndex;
    const code = HOST_TYPE_CODES[this.cfg.hostType] ?? this.cfg.hostType;
    const t = (await this.client.listHostTypes()).find((x) => x.code === code || x.name === code);
    if (!t) throw new ConfigError(`Option netapp_host_type '${this.cfg.hostType}' names no host type this array knows (looked for code ${code}).`);
    this.hostTypeIndex = t.index;
    return t.index;
  }

  private async hostFor(initiator: string, hosts: EsHost[] | null): Promise<EsHost> {
    let p = this.pending.get(initiator);
    if (!p) {
      p = this.lookupOrCreate(initiator, hosts).finally(() => this.pending.delete(initiator));
      this.pending.set(initiator, p);
    }
    return p;
  }

  private async lookupOrCreate(initiator: string, known: EsHost[] | null): Promise<EsHost> {
    const hosts = known ?? (await this.client.listHosts());
    const found = findHost(hosts, initiator);
    if (found) return found;
    const index = await this.resolveHostType();
    const label = uuidToLabel(newId());
    try {
      return await this.client.createHost(label, index, initiator, null);
    } catch (e) {
      // Another process may have made a host for this initiator meanwhile.
      const again = findHost(await this.client.listHosts(), initiator);
      if (again) return again;
      throw e;
    }
  }

  private async multiAttachGroup(): Promise<EsHostGroup> {
    const g = (await this.client.listHostGroups()).find((x) => x.label === MULTI_ATTACH_GROUP);
    if (g) return g;
    try {
      return await this.client.createHostGroup(MULTI_ATTACH_GROUP);
    } catch (e) {
      const again = (await this.client.listHostGroups()).find((x) => x.label === MULTI_ATTACH_GROUP);
      if (again) return again;
      throw e;
    }
  }

  /** Maps the volume for `initiator` (or reuses its mapping) and returns the LUN. */
  async map(vol: EsVolume, initiator: string): Promise<number> {
    const hosts = await this.client.listHosts();
    const host = await this.hostFor(initiator, hosts);
    const current = vol.listOfMappings?.[0];
    if (!current) return this.mapNew(vol, host);
    if (current.mapRef === host.hostRef || current.mapRef === host.clusterRef) return current.lun;
    if (!this.cfg.multiattach) {
      throw new Conflict(`Volume ${vol.label} is mapped to another host; set netapp_enable_multiattach to attach it to several hosts.`);
    }
    return this.moveToGroup(current, host, hosts);
  }

  /**
   * A new mapping at the lowest LUN free on the array. Racing attaches on one host may pick
   * the same LUN: the loser reads the mappings again and tries the next free one; a mapping of
   * this volume made meanwhile (a retry, another process) is taken when it serves this host.
   */
  private async mapNew(vol: EsVolume, host: EsHost): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const mappings = await this.client.listVolumeMappings();
      const mine = mappings.find((m) => m.volumeRef === vol.id);
      if (mine) {
        if (mine.mapRef === host.hostRef || mine.mapRef === host.clusterRef) return mine.lun;
        throw new Conflict(`Volume ${vol.label} was mapped to another host meanwhile.`);
      }
      try {
        return (await this.client.createVolumeMapping(vol.id, host.hostRef, freeLun(mappings, []))).lun;
      } catch (e) {
        if (!isEsApiError(e, 422) || attempt >= 5) throw e;
        this.log.info({ volume: vol.label, attempt }, 'mapping refused (a racing attach took the LUN?); reading the mappings again');
      }
    }
  }

  /** Multi-attach: both hosts join the multi-attach group and the mapping moves to it. */
  private async moveToGroup(current: EsMapping, host: EsHost, hosts: EsHost[]): Promise<number> {
    const group = await this.multiAttachGroup();
    const owner = hosts.find((h) => h.hostRef === current.mapRef);
    if (!owner && current.mapRef !== group.clusterRef) {
      throw new Conflict(`Volume is mapped to host group ${current.mapRef}, not the ${MULTI_ATTACH_GROUP} group; Flint will not move it.`);
    }
    for (const h of owner ? [owner, host] : [host]) {
      if (h.clusterRef === group.clusterRef) continue;
      if (h.clusterRef && h.clusterRef !== NO_GROUP) {
        throw new Conflict(`Host ${h.label} belongs to another host group; it cannot join ${MULTI_ATTACH_GROUP} for multi-attach.`);
      }
      await this.client.setHostGroup(h.hostRef, group.clusterRef);
      h.clusterRef = group.clusterRef;
    }
    if (current.mapRef === group.clusterRef) return current.lun;
    const mappings = await this.client.listVolumeMappings();
    const inGroup = new Set(hosts.filter((h) => h.clusterRef === group.clusterRef).map((h) => h.hostRef).concat(group.clusterRef, host.hostRef, owner?.hostRef ?? ''));
    const seen = mappings.filter((m) => m.lunMappingRef !== current.lunMappingRef && inGroup.has(m.mapRef)).map((m) => m.lun);
    const lun = seen.includes(current.lun) ? freeLun(mappings, seen) : current.lun;
    await this.client.moveLunMapping(current.lunMappingRef, group.clusterRef, lun);
    return lun;
  }

  async initialize(vol: EsVolume, volumeId: string, connector: Connector, iqnHint?: string): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    const initiator = connector.initiator as string;
    const lun = await this.map(vol, initiator);
    const inv = this.inventory ?? (await this.refreshInventory());
    const usable = inv.iscsiPorts.filter((p) => p.ipv4Enabled && p.ipv4Data?.ipv4AddressData?.configState === 'configured');
    if (usable.length === 0) throw new BackendError('The array reports no configured iSCSI port.');
    // The owning controller's port: I/O through the other controller would be forwarded.
    const port = usable.find((p) => p.controllerId === vol.currentManager) ?? usable[0]!;
    const iqn = iqnHint ?? port.iqn;
    let auth: string | null = null;
    if (this.cfg.chap.enabled) {
      const username = this.cfg.chap.username || 'eserieschapuser';
      const secret = this.cfg.chap.secret || this.chapSet?.secret || randomSecret(16);
      if (this.chapSet?.iqn !== iqn || this.chapSet.secret !== secret) {
        await this.client.setChapAuthentication(iqn, username, secret);
        this.chapSet = { iqn, secret };
      }
      auth = formatChapAuth({ method: 'CHAP', username, secret });
    }
    const location = formatIscsiLocation({ portal: `${port.ipv4Data.ipv4AddressData.ipv4Address}:${port.tcpListenPort}`, iqn, lun });
    return iscsiConnectionInfo(volumeId, location, auth);
  }

  /**
   * Unmaps the volume from this initiator's host; from the multi-attach group only when no
   * other attachment remains. Nothing is unmapped while another attachment on the same host
   * uses it. `initiator` null (force detach) removes the mapping whatever it is.
   */
  async terminate(vol: EsVolume, initiator: string | null, others: DriverAttachment[], hostName: string | null): Promise<void> {
    const current = vol.listOfMappings?.[0];
    if (!current) return;
    if (initiator === null) return this.unmap(current);
    const sharing = others.find((a) => (a.connector?.initiator !== undefined ? sameInitiator(String(a.connector.initiator), initiator) : hostName !== null && a.host === hostName));
    if (sharing) {
      this.log.info({ volume: vol.label, attachment: sharing.id }, 'another attachment on this host still uses the volume; keeping its mapping');
      return;
    }
    const host = findHost(await this.client.listHosts(), initiator);
    if (!host) return;
    if (current.mapRef === host.hostRef) return this.unmap(current);
    if (current.mapRef === host.clusterRef) {
      if (others.length === 0) return this.unmap(current);
      this.log.info({ volume: vol.label, remaining: others.length }, 'the multi-attach group still serves other attachments; keeping its mapping');
    }
  }

  private async unmap(m: EsMapping): Promise<void> {
    try {
      await this.client.deleteVolumeMapping(m.lunMappingRef);
    } catch (e) {
      if (!isEsApiError(e, 404)) throw e;
    }
  }
}

export function findHost(hosts: EsHost[], initiator: string): EsHost | undefined {
  return hosts.find((h) => (h.hostSidePorts ?? []).some((p) => p.type === 'iscsi' && sameInitiator(p.address, initiator)));
}

/** The lowest LUN (1..255) no mapping on the array uses, else the lowest not in `seen`. */
export function freeLun(mappings: EsMapping[], seen: number[]): number {
  const used = new Set(mappings.map((m) => m.lun));
  for (let l = 1; l <= MAX_LUN; l++) if (!used.has(l)) return l;
  const busy = new Set(seen);
  for (let l = 1; l <= MAX_LUN; l++) if (!busy.has(l)) return l;
  throw new BackendError('No LUN number is free for this host (all 255 are in use).');
}
