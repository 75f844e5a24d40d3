// Attach and detach over iSCSI: the initiator's igroup (reused when an `openstack-`
// igroup of the right OS type and protocol exists, else created), the LUN map (racing
// maps resolve to the existing LUN id), and the target name and first enabled portal.
import { BackendError } from '../../../errors/errors.js';
import { newId, randomSecret } from '../../../util/ids.js';
import type { Logger } from '../../../util/logger.js';
import type { ConnectionInfo, Connector } from '../../interface/objects.js';
import { formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, validateIscsiConnector } from '../../protocols/iscsi.js';
import type { IgroupInfo, OntapSanClient } from './client/san-client.js';
import { AttachCache } from './attach-cache.js';
import { isNaApiError, NaApiError } from './zapi/na-errors.js';
import * as Z from './zapi/na-errors.js';

export const IGROUP_PREFIX = 'openstack-';

export interface AttachConfig {
  hostOsType: string;
  chap: { enabled: boolean; username: string; secret: string };
}

/** The igroup has vanished under us: the cache entry is stale. */
const IGROUP_GONE = [Z.EVDISK_ERROR_NO_SUCH_INITGROUP, Z.EOBJECTNOTFOUND];
/** ONTAP's answers to unmapping what is not mapped (the seeds' _unmap_lun list). */
const NOT_MAPPED = [Z.EINVALIDINPUTERROR, Z.EVDISK_ERROR_NO_SUCH_LUNMAP];

export class IscsiAttacher {
  readonly cache: AttachCache;
  /** One igroup lookup/create per initiator at a time, so racing attaches share one igroup. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly client: OntapSanClient,
    private readonly cfg: AttachConfig,
    private readonly log: Logger,
  ) {
    this.cache = new AttachCache(client);
  }

  private usable(g: IgroupInfo): boolean {
    return g.name.startsWith(IGROUP_PREFIX) && g.osType === this.cfg.hostOsType && (g.type === 'iscsi' || g.type === 'mixed');
  }

  /** One igroup listing fills the cache, so hosts known before a restart attach with one call. */
  async warmIgroups(): Promise<number> {
    let n = 0;
    for (const g of await this.client.listIgroups()) {
      if (!this.usable(g)) continue;
      for (const i of g.initiators) if (!this.cache.igroupFor(i)) (this.cache.rememberIgroup(i, g.name), n++);
    }
    return n;
  }

  /** The igroup for `initiator`, from the cache, an existing `openstack-` igroup, or a new one. */
  async igroupFor(initiator: string): Promise<string> {
    const cached = this.cache.igroupFor(initiator);
    if (cached) return cached;
    let p = this.pending.get(initiator);
    if (!p) {
      p = this.lookupOrCreateIgroup(initiator).finally(() => this.pending.delete(initiator));
      this.pending.set(initiator, p);
    }
    return p;
  }

  private async lookupOrCreateIgroup(initiator: string): Promise<string> {
    const groups = await this.client.findIgroupsForInitiator(initiator);
    const usable = groups.find((g) => this.usable(g));
    let name = usable?.name;
    if (!name) {
      name = `${IGROUP_PREFIX}${newId()}`;
      try {
        await this.client.createIgroup(name, 'iscsi', this.cfg.hostOsType, [initiator]);
      } catch (e) {
        // Another Flint process may have made one for this initiator meanwhile.
        const again = (await this.client.findIgroupsForInitiator(initiator)).find((g) => g.name.startsWith(IGROUP_PREFIX));
        if (!again) throw e;
        name = again.name;
      }
    }
    this.cache.rememberIgroup(initiator, name);
    return name;
  }

  /** Maps the LUN; if the map fails because it already exists (a race, a retry), returns its LUN id. */
  async map(path: string, initiator: string): Promise<number> {
    let igroup = await this.igroupFor(initiator);
    try {
      return await this.client.mapLun(path, igroup);
    } catch (e) {
      if (isNaApiError(e, ...IGROUP_GONE)) {
        this.log.info({ igroup, initiator }, 'cached igroup vanished; looking it up again');
        this.cache.forgetIgroup(initiator);
        igroup = await this.igroupFor(initiator);
        try {
          return await this.client.mapLun(path, igroup);
        } catch (e2) {
          return this.existingMap(path, igroup, e2);
        }
      }
      return this.existingMap(path, igroup, e);
    }
  }

  private async existingMap(path: string, igroup: string, cause: unknown): Promise<number> {
    if (!(cause instanceof NaApiError)) throw cause;
    const maps = await this.client.listLunMaps(path);
    const mine = maps.find((m) => m.igroup === igroup);
    if (mine) return mine.lunId;
    throw cause;
  }

  async initialize(volumeId: string, path: string, connector: Connector): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    const initiator = connector.initiator as string;
    const lun = await this.map(path, initiator);
    const { iqn, portals } = await this.cache.target();
    const portal = portals.find((p) => p.enabled);
    if (!iqn || !portal) throw new BackendError(`The storage system has no ${iqn ? 'enabled iSCSI portal' : 'iSCSI target name (is the iSCSI service running?)'}.`);
    let auth: string | null = null;
    if (this.cfg.chap.enabled) {
      const username = this.cfg.chap.username || 'flint';
      const secret = this.cfg.chap.secret || randomSecret(16);
      await this.client.setChap(initiator, username, secret);
      auth = formatChapAuth({ method: 'CHAP', username, secret });
    }
    // With multipath the host gets every enabled portal (target_portals); otherwise the first.
    const all = connector.multipath ? portals.filter((p) => p.enabled).map((p) => `${p.address}:${p.port}`) : [];
    const location = formatIscsiLocation({ portal: `${portal.address}:${portal.port}`, portals: all.length > 1 ? all : undefined, tpgt: portal.tpgt, iqn, lun });
    return iscsiConnectionInfo(volumeId, location, auth);
  }

  /** Unmaps from the initiator's igroup, or from every igroup when `initiator` is null. */
  async terminate(path: string, initiator: string | null): Promise<void> {
    let igroups: string[];
    if (initiator === null) {
      igroups = (await this.client.listLunMaps(path)).map((m) => m.igroup);
    } else {
      const cached = this.cache.igroupFor(initiator);
      igroups = cached ? [cached] : (await this.client.findIgroupsForInitiator(initiator)).map((g) => g.name);
    }
    for (const igroup of igroups) {
      try {
        await this.client.unmapLun(path, igroup);
      } catch (e) {
        if (isNaApiError(e, ...IGROUP_GONE) && initiator) {
          this.cache.forgetIgroup(initiator);
          continue;
        }
        if (isNaApiError(e, ...NOT_MAPPED, Z.EVDISK_ERROR_NO_SUCH_VDISK)) continue;
        throw e;
      }
    }
  }
}
