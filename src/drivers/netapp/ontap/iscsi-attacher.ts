// Attach and detach over iSCSI: the initiator's igroup (reused only when an `openstack-`
// igroup of the right OS type and protocol holds exactly this initiator, else created), the
// LUN map (racing maps resolve to the existing LUN id), the target name and portals; detach
// unmaps through that one igroup, and not while the host has another attachment of the LUN.
import { BackendError } from '../../../errors/errors.js';
import { newId, randomSecret } from '../../../util/ids.js';
import type { Logger } from '../../../util/logger.js';
import type { ConnectionInfo, Connector, DriverAttachment } from '../../interface/objects.js';
import { formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, validateIscsiConnector } from '../../../protocols/iscsi.js';
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

  /**
   * An igroup Flint may map through for `initiator`: ours (`openstack-`), the right OS type and
   * protocol, and holding exactly this one initiator (Cinder's rule). An igroup that also holds
   * another host's initiator would show that host every LUN mapped through it.
   */
  private usable(g: IgroupInfo, initiator: string): boolean {
    return (
      g.name.startsWith(IGROUP_PREFIX) && g.osType === this.cfg.hostOsType && (g.type === 'iscsi' || g.type === 'mixed') &&
      g.initiators.length > 0 && g.initiators.every((i) => i === initiator)
    );
  }

  /**
   * One igroup listing fills the cache, so hosts known before a restart attach with one call.
   * Called again at every stats refresh, it also drops entries whose igroup has since gained
   * another initiator (or gone), so a cached igroup is never trusted for longer than a period.
   */
  async warmIgroups(): Promise<number> {
    const fresh = new Map<string, string>();
    for (const g of await this.client.listIgroups()) {
      const only = g.initiators[0];
      if (!only || !this.usable(g, only)) continue;
      // Keep the igroup already in use for this initiator when it is still fit.
      if (!fresh.has(only) || this.cache.igroupFor(only) === g.name) fresh.set(only, g.name);
    }
    this.cache.replaceIgroups(fresh);
    return fresh.size;
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
    let name = groups.find((g) => this.usable(g, initiator))?.name;
    if (!name) {
      name = `${IGROUP_PREFIX}${newId()}`;
      try {
        await this.client.createIgroup(name, 'iscsi', this.cfg.hostOsType, [initiator]);
      } catch (e) {
        // Another Flint process may have made one for this initiator meanwhile.
        const again = (await this.client.findIgroupsForInitiator(initiator)).find((g) => this.usable(g, initiator));
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

  async initialize(volumeId: string, path: string, connector: Connector, discard = false): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    const initiator = connector.initiator as string;
    const lun = await this.map(path, initiator);
    const { iqn, portals: all } = await this.cache.target();
    // Cinder's choice: the enabled portals, or every portal when none says it is enabled.
    const enabled = all.filter((p) => p.enabled);
    const portals = enabled.length > 0 ? enabled : all;
    if (!iqn || portals.length === 0) throw new BackendError(`The storage system has no ${iqn ? 'iSCSI portal' : 'iSCSI target name (is the iSCSI service running?)'}.`);
    let auth: string | null = null;
    if (this.cfg.chap.enabled) {
      const username = this.cfg.chap.username || 'flint';
      const secret = this.cfg.chap.secret || randomSecret(16);
      await this.client.setChap(initiator, username, secret);
      auth = formatChapAuth({ method: 'CHAP', username, secret });
    }
    // Every portal goes to the host whenever there is more than one (os-brick uses them with or
    // without multipath); the TPGT only when the system reports one.
    const addrs = portals.map((p) => `${p.address}:${p.port}`);
    const location = formatIscsiLocation({ portal: addrs[0]!, portals: addrs.length > 1 ? addrs : undefined, tpgt: portals[0]!.tpgt ?? undefined, iqn, lun });
    return iscsiConnectionInfo(volumeId, location, auth, { discard });
  }

  /**
   * Unmaps the LUN from the one igroup holding exactly this initiator that it is mapped to (ours
   * first), or from every igroup when `initiator` is null (force detach). Nothing is unmapped while another live
   * attachment of the volume uses the same initiator (multi-attach on one host).
   */
  async terminate(path: string, initiator: string | null, others: DriverAttachment[] = [], host: string | null = null): Promise<void> {
    if (initiator === null) {
      for (const m of await this.client.listLunMaps(path)) await this.unmapQuietly(path, m.igroup, null);
      return;
    }
    const sharing = others.find((a) => (a.connector?.initiator !== undefined ? a.connector.initiator === initiator : host !== null && a.host === host));
    if (sharing) {
      this.log.info({ path, initiator, attachment: sharing.id }, 'another attachment on this host still uses the LUN; keeping its map');
      return;
    }
    const maps = await this.client.listLunMaps(path);
    if (maps.length === 0) return;
    const mappedTo = new Set(maps.map((m) => m.igroup));
    const cached = this.cache.igroupFor(initiator);
    let igroup = cached && mappedTo.has(cached) ? cached : undefined;
    if (!igroup) {
      // Only an igroup holding exactly this initiator (Cinder's rule), ours first: unmapping a
      // shared one would cut the other hosts in it off.
      const mine = (await this.client.findIgroupsForInitiator(initiator))
        .filter((g) => mappedTo.has(g.name) && g.initiators.length > 0 && g.initiators.every((i) => i === initiator));
      igroup = (mine.find((g) => g.name.startsWith(IGROUP_PREFIX)) ?? mine[0])?.name;
    }
    if (igroup) await this.unmapQuietly(path, igroup, initiator);
  }

  private async unmapQuietly(path: string, igroup: string, initiator: string | null): Promise<void> {
    try {
      await this.client.unmapLun(path, igroup);
    } catch (e) {
      if (isNaApiError(e, ...IGROUP_GONE)) {
        if (initiator) this.cache.forgetIgroup(initiator);
        return;
      }
      if (isNaApiError(e, ...NOT_MAPPED, Z.EVDISK_ERROR_NO_SUCH_VDISK)) return;
      throw e;
    }
  }
}
