// The storage logic of the ONTAP block driver (Cinder's block_base library): pools,
// LUN life cycle, snapshots and clones by LUN clone, extend and revert. It talks to an
// OntapSanClient, so ZAPI 7-mode, ZAPI cluster mode and REST behave the same.
import { BackendCapacityError, BackendError, BackendObjectNotFound, Conflict, InvalidInput } from '../../../errors/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import { lunPath, splitLunPath, type FlexVolInfo, type LunInfo, type OntapSanClient } from './client/san-client.js';
import { LunTable, handleFromInfo, type LunHandle } from './lun-table.js';
import { isNaApiError } from './zapi/na-errors.js';
import * as Z from './zapi/na-errors.js';

export const GiB = 1024 ** 3;

export interface LibraryConfig {
  sizeMultiplier: number;
  volumeList: string[];
  poolPattern: RegExp;
  lunOsType: string;
  spaceReserved: boolean;
  /** QoS policy groups exist in cluster mode only. */
  qosSupported: boolean;
}

/** The volume-type extra spec naming an ONTAP QoS policy group for the LUN. */
export const QOS_SPEC = 'netapp:qos_policy_group';
/** The same for an adaptive QoS policy group (ZAPI sends it as `qos-adaptive-policy-group`). */
export const QOS_ADAPTIVE_SPEC = 'netapp:qos_adaptive_policy_group';
/** `true`: the LUN gets SCSI thin provisioning (space allocation), so hosts may discard. */
export const SPACE_ALLOCATION_SPEC = 'netapp:space_allocation';

/**
 * Sizes are compared by ONTAP's actual size: without `use-exact-size` (ONTAPI < 1.110) it
 * rounds a LUN up to its geometry, by far less than this.
 */
const GEOMETRY_SLACK = 64 * 1024 ** 2;
export function sameSize(actualBytes: number, requestedBytes: number): boolean {
  return actualBytes >= requestedBytes && actualBytes - requestedBytes < GEOMETRY_SLACK;
}
/** A LUN's size in whole GiB: what it was created as, allowing for ONTAP's geometry rounding. */
export function gibOf(actualBytes: number): number {
  const down = Math.floor(actualBytes / GiB);
  return down > 0 && sameSize(actualBytes, down * GiB) ? down : Math.ceil(actualBytes / GiB);
}

/** Errors meaning "that LUN is not there" in either family or REST. */
const LUN_GONE = [Z.EVDISK_ERROR_NO_SUCH_VDISK, Z.EOBJECTNOTFOUND, Z.EVOLUMEDOESNOTEXIST, Z.EVDISK_ERROR_NO_SUCH_VOLUME];
/**
 * Errors after which another FlexVol may still take the LUN. ONTAP has no stable "out of
 * space" code for a LUN create (13062 is about the FlexVol's guarantee, and REST's LUN tables
 * have none), so any other refusal is followed by re-reading the FlexVol's available space.
 */
const TRY_NEXT_POOL = [Z.EVOLUMEDOESNOTEXIST, Z.EVDISK_ERROR_NO_SUCH_VOLUME, Z.EVDISK_ERROR_SIZE_TOO_LARGE];

export class OntapBlockLibrary {
  readonly luns = new LunTable();
  /** FlexVols by name, as of the last refresh, with available space debited for our creates. */
  private pools = new Map<string, FlexVolInfo>();

  constructor(
    readonly client: OntapSanClient,
    private readonly cfg: LibraryConfig,
    private readonly log: Logger,
  ) {}

  isPool(v: FlexVolInfo): boolean {
    if (this.cfg.volumeList.length > 0 && !this.cfg.volumeList.includes(v.name)) return false;
    const m = this.cfg.poolPattern.exec(v.name);
    return m !== null && m[0] === v.name && v.online;
  }

  async refreshPools(): Promise<FlexVolInfo[]> {
    const vols = (await this.client.listFlexVols()).filter((v) => this.isPool(v));
    this.pools = new Map(vols.map((v) => [v.name, v]));
    return vols;
  }

  async poolList(): Promise<FlexVolInfo[]> {
    if (this.pools.size === 0) await this.refreshPools();
    return [...this.pools.values()];
  }

  /** Discovers the LUNs already on the pools into the LUN table. */
  async discoverLuns(): Promise<number> {
    const pools = new Set((await this.poolList()).map((p) => p.name));
    const luns = (await this.client.listLuns()).filter((l) => pools.has(l.volume));
    this.luns.load(luns);
    return luns.length;
  }

  /** The LUN path of a volume or snapshot: provider_location, else the table, else a search. */
  async pathOf(name: string, providerLocation: string | null): Promise<string | null> {
    if (providerLocation?.startsWith('/vol/')) return providerLocation;
    const known = this.luns.get(name);
    if (known) return known.metadata.Path;
    const found = (await this.client.listLuns()).find((l) => l.name === name);
    return found?.path ?? null;
  }

  private async requirePath(kind: string, obj: { id: string; name: string; providerLocation: string | null }): Promise<string> {
    const path = await this.pathOf(obj.name, obj.providerLocation);
    if (!path) throw new BackendObjectNotFound(`${kind} ${obj.id} has no LUN (${obj.name}) on the backend.`);
    return path;
  }

  private record(path: string, sizeBytes: number, spaceReserved: boolean, extra: Partial<Pick<LunHandle, 'uuid' | 'spaceAllocation' | 'qosPolicyGroup' | 'qosAdaptive'>> = {}): LunHandle {
    const p = splitLunPath(path);
    const handle: LunHandle = {
      name: p.name,
      sizeBytes,
      uuid: extra.uuid ?? null,
      spaceAllocation: extra.spaceAllocation ?? false,
      qosPolicyGroup: extra.qosPolicyGroup ?? null,
      qosAdaptive: extra.qosAdaptive ?? false,
      metadata: { Path: path, Volume: p.volume, Qtree: p.qtree, OsType: this.cfg.lunOsType, SpaceReserved: spaceReserved ? 'true' : 'false' },
    };
    this.luns.set(handle);
    return handle;
  }

  private debit(pool: string, bytes: number): void {
    const p = this.pools.get(pool);
    if (p && this.cfg.spaceReserved) p.availableBytes = Math.max(0, p.availableBytes - bytes);
  }

  /** Pool named by `host@backend#pool`, else FlexVols with room, most available first. */
  private async candidates(volume: DriverVolume, bytes: number): Promise<FlexVolInfo[]> {
    const wanted = volume.host?.split('#')[1];
    const need = bytes * this.cfg.sizeMultiplier;
    const pools = await this.poolList();
    if (wanted) {
      const p = pools.find((x) => x.name === wanted);
      if (!p) throw new InvalidInput(`Pool ${wanted} of volume ${volume.id} is not a pool of this backend.`);
      return [p];
    }
    return pools.filter((p) => p.availableBytes >= need).sort((a, b) => b.availableBytes - a.availableBytes);
  }

  async createVolume(volume: DriverVolume): Promise<ModelUpdate> {
    const bytes = volume.size * GiB;
    const existing = this.luns.get(volume.name);
    if (existing) return this.sameSizeOrConflict(volume, existing.metadata.Path, existing.sizeBytes);
    const qos = this.qosOf(volume);
    const spaceAllocation = volume.extraSpecs[SPACE_ALLOCATION_SPEC] === 'true';
    let pools = await this.candidates(volume, bytes);
    if (pools.length === 0) {
      // Cached capacity may be stale (space freed elsewhere); look once more.
      await this.refreshPools();
      pools = await this.candidates(volume, bytes);
    }
    if (pools.length === 0) {
      throw new BackendCapacityError(`No FlexVol has ${volume.size} GiB × ${this.cfg.sizeMultiplier} available for volume ${volume.id}.`);
    }
    let lastError: unknown = null;
    for (const pool of pools) {
      const path = lunPath(pool.name, volume.name);
      let actual: number;
      try {
        actual = await this.client.createLun({
          path, volume: pool.name, sizeBytes: bytes, osType: this.cfg.lunOsType, spaceReserved: this.cfg.spaceReserved, spaceAllocation,
          qosPolicyGroup: qos?.name ?? null, qosAdaptive: qos?.adaptive ?? false,
        });
      } catch (e) {
        if (isNaApiError(e, Z.EVDISK_ERROR_VDISK_EXISTS, Z.EDUPLICATEENTRY)) {
          // A retried create whose first reply was lost, or a LUN left by a crash.
          const lun = await this.client.getLun(path);
          if (lun) return this.sameSizeOrConflict(volume, path, lun.sizeBytes, lun);
        }
        if (isNaApiError(e) && (isNaApiError(e, ...TRY_NEXT_POOL) || (await this.outOfSpace(pool.name, bytes)))) {
          this.log.warn({ pool: pool.name, volume: volume.id, err: (e as Error).message }, 'FlexVol refused LUN; trying the next');
          lastError = e;
          continue;
        }
        throw e;
      }
      this.debit(pool.name, bytes);
      this.record(path, actual, this.cfg.spaceReserved, { spaceAllocation, qosPolicyGroup: qos?.name ?? null, qosAdaptive: qos?.adaptive ?? false });
      return { providerLocation: path };
    }
    throw new BackendCapacityError(`No FlexVol could hold ${volume.size} GiB for volume ${volume.id}: ${(lastError as Error).message}`, { cause: lastError });
  }

  /** The QoS policy group a volume type asks for (fixed or adaptive), refused in 7-mode. */
  private qosOf(volume: DriverVolume): { name: string; adaptive: boolean } | null {
    const fixed = volume.extraSpecs[QOS_SPEC];
    const adaptive = volume.extraSpecs[QOS_ADAPTIVE_SPEC];
    if (fixed && adaptive) throw new InvalidInput(`Extra specs ${QOS_SPEC} and ${QOS_ADAPTIVE_SPEC} exclude each other.`);
    const name = fixed || adaptive;
    if (!name) return null;
    if (!this.cfg.qosSupported) throw new InvalidInput(`Extra spec ${fixed ? QOS_SPEC : QOS_ADAPTIVE_SPEC} needs ONTAP cluster mode; this backend is 7-mode.`);
    return { name, adaptive: !fixed };
  }

  /** After a refused create: does the FlexVol (read again) lack room, or is it gone? */
  private async outOfSpace(pool: string, bytes: number): Promise<boolean> {
    const fresh = (await this.refreshPools()).find((p) => p.name === pool);
    return !fresh || (this.cfg.spaceReserved && fresh.availableBytes < bytes);
  }

  private sameSizeOrConflict(volume: DriverVolume, path: string, sizeBytes: number, info?: LunInfo): ModelUpdate {
    if (!sameSize(sizeBytes, volume.size * GiB)) {
      throw new Conflict(`LUN ${path} already exists with ${sizeBytes / GiB} GiB; volume ${volume.id} asks for ${volume.size} GiB.`);
    }
    if (info) this.luns.set(handleFromInfo(info));
    return { providerLocation: path };
  }

  /** Destroys a LUN; one that is already gone counts as destroyed. */
  async destroy(name: string, providerLocation: string | null): Promise<void> {
    const path = await this.pathOf(name, providerLocation);
    if (path) {
      try {
        await this.client.destroyLun(path);
        const h = this.luns.get(name);
        const pool = this.pools.get(splitLunPath(path).volume);
        if (pool && h && h.metadata.SpaceReserved === 'true') pool.availableBytes += h.sizeBytes;
      } catch (e) {
        if (!isNaApiError(e, ...LUN_GONE)) throw e;
        this.log.info({ path }, 'LUN already gone');
      }
    }
    this.luns.delete(name);
  }

  /** Clones `sourcePath` inside its FlexVol as `destName`; a clone already there of the right size is kept. */
  async cloneLun(sourcePath: string, destName: string, spaceReserved: boolean, expectBytes: number, qos: { name: string; adaptive: boolean } | null = null): Promise<string> {
    const src = splitLunPath(sourcePath);
    // Inside a qtree the clone sits beside its source, named by its full path.
    const dest = lunPath(src.volume, destName, src.qtree);
    const source = this.luns.get(src.name);
    try {
      await this.client.cloneLun(src.volume, sourcePath, dest, { spaceReserved, qosPolicyGroup: qos?.name ?? null, qosAdaptive: qos?.adaptive ?? false });
    } catch (e) {
      if (isNaApiError(e, ...LUN_GONE)) throw new BackendObjectNotFound(`Clone source LUN ${sourcePath} does not exist.`, { cause: e });
      if (!isNaApiError(e, Z.EVDISK_ERROR_VDISK_EXISTS, Z.EDUPLICATEENTRY, '14952')) throw e;
      const lun = await this.client.getLun(dest);
      // A repeat of this clone may already have been grown to the volume's size.
      if (!lun || lun.sizeBytes < expectBytes) throw new Conflict(`LUN ${dest} already exists and is not a clone of ${sourcePath}.`);
    }
    // A clone has its source's size and space allocation.
    this.record(dest, source?.sizeBytes ?? expectBytes, spaceReserved, { spaceAllocation: source?.spaceAllocation ?? false, qosPolicyGroup: qos?.name ?? null, qosAdaptive: qos?.adaptive ?? false });
    return dest;
  }

  async createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate> {
    const src = await this.requirePath('Volume', snapshot.volume);
    const path = await this.cloneLun(src, snapshot.name, false, snapshot.volumeSize * GiB);
    return { providerLocation: path };
  }

  /** A new volume cloned from a LUN, grown when asked for more than the source. */
  async createFrom(volume: DriverVolume, sourcePath: string, sourceGiB: number, qosOfParent: { name: string; adaptive: boolean } | null = null): Promise<ModelUpdate> {
    if (volume.size < sourceGiB) {
      throw new InvalidInput(`Volume ${volume.id} size ${volume.size} GiB is smaller than its source's ${sourceGiB} GiB.`);
    }
    // The clone stays in its source volume's QoS policy group unless its type names one.
    const source = this.luns.get(splitLunPath(sourcePath).name);
    const fromSource = source?.qosPolicyGroup ? { name: source.qosPolicyGroup, adaptive: source.qosAdaptive } : null;
    const qos = this.qosOf(volume) ?? fromSource ?? qosOfParent;
    const path = await this.cloneLun(sourcePath, volume.name, this.cfg.spaceReserved, sourceGiB * GiB, qos);
    if (volume.size > sourceGiB) {
      try {
        await this.resize(volume.name, path, volume.size);
      } catch (e) {
        // Do not leave a half-made volume behind.
        await this.destroy(volume.name, path).catch(() => undefined);
        throw e;
      }
    }
    return { providerLocation: path };
  }

  async createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate> {
    const src = await this.requirePath('Snapshot', snapshot);
    // A snapshot LUN is in no QoS policy group; its volume's group goes to the new volume.
    const parent = this.luns.get(snapshot.volume.name);
    return this.createFrom(volume, src, snapshot.volumeSize, parent?.qosPolicyGroup ? { name: parent.qosPolicyGroup, adaptive: parent.qosAdaptive } : null);
  }

  async createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate> {
    const src = await this.requirePath('Volume', source);
    return this.createFrom(volume, src, source.size);
  }

  /**
   * Reverts by clone and swap: the snapshot is cloned beside the volume's LUN, the LUN is
   * renamed aside, the clone takes its name, and the old LUN is destroyed. Each step is
   * undone if a later one fails, so the volume keeps its data or gets the snapshot's.
   */
  async revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
    const volPath = await this.requirePath('Volume', volume);
    const snapPath = await this.requirePath('Snapshot', snapshot);
    const p = splitLunPath(volPath);
    const fresh = lunPath(p.volume, `${p.name}-revert-new`, p.qtree);
    const aside = lunPath(p.volume, `${p.name}-revert-old`, p.qtree);
    // An interrupted revert may have left the volume renamed aside (put it back) and
    // leftovers under the temporary names (removed, so this revert can run).
    if (!(await this.client.getLun(volPath)) && (await this.client.getLun(aside))) await this.client.moveLun(aside, volPath);
    for (const stale of [fresh, aside]) {
      await this.client.destroyLun(stale).catch((e) => {
        if (!isNaApiError(e, ...LUN_GONE)) throw e;
      });
    }
    const own = this.luns.get(p.name);
    const qos = own?.qosPolicyGroup ? { name: own.qosPolicyGroup, adaptive: own.qosAdaptive } : null;
    await this.cloneLun(snapPath, splitLunPath(fresh).name, this.cfg.spaceReserved, snapshot.volumeSize * GiB, qos);
    try {
      if (volume.size > snapshot.volumeSize) await this.client.resizeLun(fresh, volume.size * GiB);
      await this.client.moveLun(volPath, aside);
      try {
        await this.client.moveLun(fresh, volPath);
      } catch (e) {
        await this.client.moveLun(aside, volPath);
        throw e;
      }
    } catch (e) {
      await this.destroy(splitLunPath(fresh).name, fresh).catch(() => undefined);
      throw e;
    }
    this.luns.delete(splitLunPath(fresh).name);
    await this.client.destroyLun(aside);
    this.record(volPath, volume.size * GiB, this.cfg.spaceReserved, { spaceAllocation: own?.spaceAllocation, qosPolicyGroup: qos?.name, qosAdaptive: qos?.adaptive });
  }

  async resize(name: string, path: string, newGiB: number): Promise<void> {
    const h = this.luns.get(name);
    // Already that big (ONTAP's actual size may exceed the GiB asked for): nothing to do.
    if (h && sameSize(h.sizeBytes, newGiB * GiB)) return;
    try {
      await this.client.resizeLun(path, newGiB * GiB);
    } catch (e) {
      if (!isNaApiError(e, Z.EVDISK_ERROR_SIZE_UNCHANGED)) throw e;
    }
    if (h) h.sizeBytes = newGiB * GiB;
  }

  async extendVolume(volume: DriverVolume, newGiB: number): Promise<void> {
    if (newGiB < volume.size) throw new InvalidInput(`Cannot shrink volume ${volume.id} from ${volume.size} to ${newGiB} GiB.`);
    const path = await this.requirePath('Volume', volume);
    await this.resize(volume.name, path, newGiB);
  }

  assertHasPools(pools: FlexVolInfo[]): void {
    if (pools.length === 0) {
      throw new BackendError(`No FlexVol matches netapp_volume_list / netapp_pool_name_search_pattern (${this.cfg.poolPattern.source}).`);
    }
  }
}
