// E-Series storage logic: the storage system (embedded, or registered in the proxy with
// the array password), pools with their SSC capabilities, volumes labelled by Flint's id
// (thick, or thin on disk pools), extend, and volumes looked up by id or label.
import { BackendCapacityError, BackendError, BackendObjectNotFound, ConfigError, Conflict, InvalidInput } from '../../../errors/errors.js';
import { clock, sleep } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';
import type { DriverVolume, ModelUpdate } from '../../interface/objects.js';
import type { EseriesClient } from './rest/eseries-client.js';
import type { EsPool, EsSscPool, EsVolume } from './rest/eseries-types.js';
import { isEsApiError } from './eseries-errors.js';
import { compareEsVersions, labelToUuid, uuidToLabel } from './eseries-utils.js';

export const GiB = 1024 ** 3;
/** Label prefix of a copy target until its copy completes (then it takes Flint's label). */
export const TMP_PREFIX = 'tmp-';
/** The oldest Web Services release the driver speaks to (SSC volume calls, moveLUNMapping). */
export const MIN_WEB_SERVICES = '01.54.9000.0001';
/** Target CHAP through iscsi/target-settings needs this release. */
export const MIN_CHAP_WEB_SERVICES = '01.53.9010.0015';

export interface LibraryConfig {
  poolPattern: RegExp;
  controllerIps: string[];
  saPassword: string | null;
  systemWaitMs: number;
}

export interface PoolInfo {
  pool: EsPool;
  ssc: EsSscPool | undefined;
  diskType: string;
  totalBytes: number;
  freeBytes: number;
}

/** Extra spec true in Cinder's forms (`true`, `<is> True`). */
export function specTrue(specs: Record<string, string>, key: string): boolean {
  const v = specs[key];
  return v !== undefined && /^(<is>\s*)?true$/i.test(v.trim());
}

export class EseriesLibrary {
  version = '';
  proxy = false;
  private pools: PoolInfo[] = [];

  constructor(
    readonly client: EseriesClient,
    private readonly cfg: LibraryConfig,
    private readonly log: Logger,
  ) {}

  /** Reads the Web Services version and mode, then finds (embedded) or registers (proxy) the array. */
  async connect(section: string): Promise<void> {
    const about = await this.client.about();
    this.version = about.version;
    try {
      if (compareEsVersions(about.version, MIN_WEB_SERVICES) < 0) {
        throw new ConfigError(`Backend [${section}]: SANtricity Web Services ${about.version} is older than ${MIN_WEB_SERVICES}, the oldest this driver supports.`);
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new BackendError(`Backend [${section}]: Web Services reported an unreadable version '${about.version}'.`);
    }
    this.proxy = about.runningAsProxy === true;
    if (!this.proxy) {
      const systems = await this.client.listStorageSystems();
      if (systems.length === 0) throw new BackendError(`Backend [${section}]: embedded Web Services lists no storage system.`);
      this.client.setSystemId(systems[0]!.id);
      return;
    }
    if (this.cfg.controllerIps.length === 0) {
      throw new ConfigError(`Missing required option netapp_controller_ips in section [${section}]: Web Services runs as a proxy and must be told the array's controllers.`);
    }
    const { id } = await this.client.registerStorageSystem(this.cfg.controllerIps, null, null);
    this.client.setSystemId(id);
    if (this.cfg.saPassword !== null) await this.client.updateStoredPassword(this.cfg.saPassword);
    await this.waitForSystem(section);
  }

  /** Polls the registered array until the proxy has contacted it and holds a valid password. */
  private async waitForSystem(section: string): Promise<void> {
    const deadline = clock().now().getTime() + this.cfg.systemWaitMs;
    let delay = 50;
    for (;;) {
      const sys = await this.client.getStorageSystem();
      if (sys.passwordStatus === 'invalid') {
        throw new ConfigError(`Backend [${section}]: the proxy reports the array password as invalid; check netapp_sa_password.`);
      }
      const contacted = sys.status !== 'neverContacted' && sys.status !== 'offline';
      if (contacted && sys.passwordStatus === 'valid') return;
      if (contacted && sys.passwordStatus !== 'valid' && this.cfg.saPassword === null) {
        throw new ConfigError(`Backend [${section}]: the proxy holds no valid password for the array; set netapp_sa_password.`);
      }
      if (clock().now().getTime() > deadline) {
        throw new BackendError(`Backend [${section}]: the array is still '${sys.status}' (password ${sys.passwordStatus}) after ${this.cfg.systemWaitMs} ms.`, { retryable: true });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  supportsChap(): boolean {
    return compareEsVersions(this.version, MIN_CHAP_WEB_SERVICES) >= 0;
  }

  /** Reads pools (matching the pattern), their SSC capabilities and drive types. */
  async refreshPools(): Promise<PoolInfo[]> {
    const [pools, ssc, drives] = await Promise.all([this.client.listStoragePools(), this.client.listSscPools(), this.client.listDrives()]);
    this.pools = pools
      .filter((p) => this.cfg.poolPattern.test(p.label))
      .map((p) => {
        const mine = drives.filter((d) => d.currentVolumeGroupRef === p.id);
        const types = new Set(mine.map((d) => (d.driveMediaType === 'ssd' ? 'SSD' : (d.interfaceType?.driveType ?? 'unknown').toUpperCase())));
        const total = Number(p.totalRaidedSpace);
        return {
          pool: p, ssc: ssc.find((s) => s.poolId === p.id), diskType: types.size === 1 ? [...types][0]! : 'unknown',
          totalBytes: total, freeBytes: Math.max(0, total - Number(p.usedSpace)),
        };
      });
    return this.pools;
  }

  async poolList(): Promise<PoolInfo[]> {
    return this.pools.length > 0 ? this.pools : this.refreshPools();
  }

  /** The pool a volume goes to: its host's `#pool`, else the pool with the most free space that fits. */
  private async poolFor(volume: DriverVolume, thin: boolean): Promise<PoolInfo> {
    const pools = await this.poolList();
    const wanted = volume.host?.split('#')[1];
    if (wanted) {
      const p = pools.find((x) => x.pool.label === wanted);
      if (!p) throw new InvalidInput(`Pool ${wanted} is not one of this backend's E-Series pools.`);
      return p;
    }
    const fits = pools.filter((p) => (!thin || p.pool.diskPool) && p.freeBytes >= (thin ? 0 : volume.size * GiB)).sort((a, b) => b.freeBytes - a.freeBytes);
    if (!fits[0]) throw new BackendCapacityError(`No ${thin ? 'disk pool' : 'pool'} on this backend has ${volume.size} GiB free.`);
    return fits[0];
  }

  /** The array volume for a Flint volume: by the id recorded at create, else by label; null if none. */
  async find(volumeId: string, providerLocation: string | null): Promise<EsVolume | null> {
    if (providerLocation) {
      const v = await this.client.getVolume(providerLocation);
      if (v) return v;
    }
    return this.client.getVolume(uuidToLabel(volumeId));
  }

  async get(volumeId: string, providerLocation: string | null): Promise<EsVolume> {
    const v = await this.find(volumeId, providerLocation);
    if (!v) throw new BackendObjectNotFound(`Volume ${volumeId} has no E-Series volume (label ${uuidToLabel(volumeId)}).`);
    return v;
  }

  /** Creates the array volume labelled by `volume.id`; an existing one of the same size is taken as ours (a retry). */
  async createVolume(volume: DriverVolume, sizeGiB = volume.size, label = uuidToLabel(volume.id)): Promise<{ update: ModelUpdate; es: EsVolume }> {
    const thin = specTrue(volume.extraSpecs, 'netapp_thin_provisioned');
    const p = await this.poolFor(volume, thin);
    if (thin && !p.pool.diskPool) throw new InvalidInput(`Pool ${p.pool.label} is a volume group; thin volumes need a disk pool.`);
    let es: EsVolume;
    try {
      es = await this.client.createVolume({
        poolId: p.pool.volumeGroupRef, name: label, sizeUnit: 'gb', size: sizeGiB,
        dataAssuranceEnable: specTrue(volume.extraSpecs, 'netapp_eseries_data_assurance'),
        flashCacheEnable: specTrue(volume.extraSpecs, 'netapp_eseries_flash_read_cache'),
        readCacheEnable: true, writeCacheEnable: true, thinProvision: thin,
      });
    } catch (e) {
      if (!isEsApiError(e, 422)) throw e;
      const existing = await this.client.getVolume(label);
      if (!existing) {
        if (e.retcode === 'noSpace') throw new BackendCapacityError(`Pool ${p.pool.label} has no room for ${sizeGiB} GiB.`, { cause: e });
        throw e;
      }
      if (Number(existing.capacity) !== sizeGiB * GiB) {
        throw new Conflict(`Volume ${volume.id} exists on the array with ${Number(existing.capacity) / GiB} GiB, not ${sizeGiB} GiB.`);
      }
      es = existing;
    }
    // The cached pool list (re-read at every stats refresh) follows what Flint itself placed.
    this.adjustFree(p.pool.volumeGroupRef, -(thin ? Math.min(4 * GiB, sizeGiB * GiB) : sizeGiB * GiB));
    return { update: { providerLocation: es.id }, es };
  }

  async deleteVolume(volumeId: string, providerLocation: string | null): Promise<void> {
    const v = await this.find(volumeId, providerLocation);
    if (!v) return;
    await this.deleteById(v.id);
    if (!v.thinProvisioned) this.adjustFree(v.volumeGroupRef, Number(v.capacity));
  }

  async deleteById(id: string): Promise<void> {
    try {
      await this.client.deleteVolume(id);
    } catch (e) {
      if (!isEsApiError(e, 404)) throw e;
    }
  }

  private adjustFree(poolRef: string, deltaBytes: number): void {
    const p = this.pools.find((x) => x.pool.volumeGroupRef === poolRef);
    if (p) p.freeBytes = Math.min(p.totalBytes, Math.max(0, p.freeBytes + deltaBytes));
  }

  /** Thin volumes grow through thin-volumes/…/expand; thick ones on a volume group are waited for (DVE). */
  async extend(volumeId: string, providerLocation: string | null, newSizeGiB: number): Promise<void> {
    const v = await this.get(volumeId, providerLocation);
    if (Number(v.capacity) >= newSizeGiB * GiB) return;
    if (v.thinProvisioned) {
      await this.client.expandThinVolume(v.id, newSizeGiB);
      return;
    }
    await this.client.expandVolume(v.id, newSizeGiB);
    this.adjustFree(v.volumeGroupRef, -(newSizeGiB * GiB - Number(v.capacity)));
    if (v.diskPool) return;
    let delay = 50;
    for (;;) {
      const actions = await this.client.poolActionProgress(v.volumeGroupRef);
      if (!actions.some((a) => a.volumeRef === v.id && a.currentAction === 'remappingDve')) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  /**
   * Deletes `tmp-` copy targets a crashed process left (their bytes are partial), except those
   * a copy job is still writing (another process's clone in progress). Returns how many went.
   */
  async cleanupTmpVolumes(): Promise<number> {
    const tmp = (await this.client.listVolumes()).filter((v) => v.label.startsWith(TMP_PREFIX) && labelToUuid(v.label.slice(TMP_PREFIX.length)) !== null);
    if (tmp.length === 0) return 0;
    const busy = new Set((await this.client.listVolumeCopyJobs()).filter((j) => !['complete', 'failed', 'halted'].includes(j.status)).map((j) => j.targetVolume));
    let n = 0;
    for (const v of tmp) {
      if (busy.has(v.id)) continue;
      this.log.warn({ volume: v.label }, 'deleting a copy target left by an interrupted clone');
      await this.deleteById(v.id);
      n++;
    }
    return n;
  }

  /** Waits for a copy job to end; `failed`/`halted` raise, then the job is deleted either way. */
  async waitForCopy(jobId: string, timeoutMs: number): Promise<void> {
    const deadline = clock().now().getTime() + timeoutMs;
    let delay = 20;
    try {
      for (;;) {
        const job = await this.client.getVolumeCopyJob(jobId);
        if (!job) throw new BackendError(`Volume copy job ${jobId} vanished.`);
        if (job.status === 'complete') return;
        if (job.status === 'failed' || job.status === 'halted') throw new BackendError(`Volume copy job ${jobId} ended ${job.status}.`);
        if (clock().now().getTime() > deadline) throw new BackendError(`Volume copy job ${jobId} did not finish within ${timeoutMs} ms.`);
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    } finally {
      await this.client.deleteVolumeCopyJob(jobId).catch((e) => this.log.warn({ jobId, err: (e as Error).message }, 'could not delete the copy job'));
    }
  }
}
