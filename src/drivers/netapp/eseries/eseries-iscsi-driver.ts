// The netapp_eseries volume driver for iSCSI: a thin shell wiring options to the Web
// Services client, the library, the host mapper and the snapshot manager, reporting pools
// with their SSC capabilities as typed stats.
import { Options } from '../../../config/options.js';
import { BackendError, BackendObjectNotFound, ConfigError, InvalidInput } from '../../../errors/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DriverContext, VolumeDriverCore } from '../../interface/core.js';
import {
  supportedOperations, type Clone, type CreateFromSnapshot, type Extend, type Groups, type ListBackendVolumes, type Manage, type Snapshots, type ValidateConnector,
} from '../../interface/capabilities.js';
import type { BackendVolumeObject, ConnectionInfo, Connector, DriverSnapshot, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import { POOL_DEFAULTS, type BackendStats, type PoolStats } from '../../interface/stats.js';
import { validateIscsiConnector } from '../../../protocols/iscsi.js';
import { EseriesClient } from './rest/eseries-client.js';
import { EseriesLibrary, GiB } from './eseries-library.js';
import { HostMapper } from './host-mapper.js';
import { SnapshotManager } from './snapshot-manager.js';
import { ConsistencyGroups } from './consistency-groups.js';
import { labelToUuid, uuidToLabel } from './eseries-utils.js';
import { readCaCert } from '../common/ca-cert.js';

export const DRIVER_VERSION = '1.0.0';
/** Persistent-record key prefix marking a volume Flint unmanaged (value: the Flint id it had). */
export const UNMANAGED_PREFIX = 'flint-unmanaged-';

export class EseriesIscsiDriver
  implements VolumeDriverCore, Snapshots, CreateFromSnapshot, Clone, Extend, Manage, ListBackendVolumes, ValidateConnector, Groups
{
  readonly backendName: string;
  private readonly opt: Options;
  private readonly log: Logger;
  private parts: { client: EseriesClient; lib: EseriesLibrary; mapper: HostMapper; snaps: SnapshotManager; cgs: ConsistencyGroups } | null = null;

  constructor(ctx: DriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(ctx.options, ctx.backendName);
    this.log = ctx.logger.child({ backend: ctx.backendName, driver: 'netapp_eseries' });
  }

  private get p() {
    if (!this.parts) throw new BackendError(`Backend ${this.backendName} is not set up (doSetup was not called or failed).`);
    return this.parts;
  }
  /** The Web Services client (tests and benches count its calls). */
  get client(): EseriesClient {
    return this.p.client;
  }

  async doSetup(): Promise<void> {
    const section = this.backendName;
    let pattern: RegExp;
    try {
      // Cinder's rule: comma-separated patterns, each matching a whole label.
      const parts = this.opt.str('netapp_pool_name_search_pattern').split(',').map((x) => x.trim().replace(/^\^|\$$/g, '')).filter(Boolean);
      pattern = new RegExp(parts.map((x) => `^(?:${x})$`).join('|'));
    } catch (e) {
      throw new InvalidInput(`Option netapp_pool_name_search_pattern in section [${section}] is not a valid regular expression: ${(e as Error).message}`);
    }
    const https = this.opt.str('netapp_transport_type') === 'https';
    const caCert = readCaCert(this.opt, section);
    const port = this.opt.optStr('netapp_server_port') === null ? (https ? 8443 : 8080) : this.opt.int('netapp_server_port');
    const client = new EseriesClient({
      host: this.opt.str('netapp_server_hostname'), port, transportType: https ? 'https' : 'http', webservicePath: this.opt.str('netapp_webservice_path'),
      username: this.opt.str('netapp_login'), password: this.opt.str('netapp_password'), caCert, verify: this.opt.bool('netapp_ssl_cert_verify'),
      timeoutMs: this.opt.int('netapp_api_timeout') * 1000, tries: this.opt.int('netapp_api_tries'), backoffMs: this.opt.int('netapp_api_retry_backoff_ms'), logger: this.log,
    });
    const lib = new EseriesLibrary(client, {
      poolPattern: pattern, controllerIps: this.opt.list('netapp_controller_ips'), saPassword: this.opt.optStr('netapp_sa_password'),
      systemWaitMs: this.opt.int('netapp_system_wait_seconds') * 1000,
    }, this.log);
    const chap = { enabled: this.opt.bool('use_chap_auth'), username: this.opt.str('chap_username'), secret: this.opt.str('chap_password') };
    const mapper = new HostMapper(client, { hostType: this.opt.str('netapp_host_type'), multiattach: this.opt.bool('netapp_enable_multiattach'), chap }, this.log);
    const cgs = new ConsistencyGroups(client, lib);
    const snaps = new SnapshotManager(client, lib, this.opt.int('netapp_copy_timeout') * 1000, this.log, (id) => cgs.imageOf(id));
    this.parts = { client, lib, mapper, snaps, cgs };
    await lib.connect(section);
    if (chap.enabled && !lib.supportsChap()) {
      throw new ConfigError(`Backend [${section}]: use_chap_auth needs SANtricity Web Services 01.53.9010.0015 or later; this one is ${lib.version}.`);
    }
    this.log.info({ version: lib.version, proxy: lib.proxy }, 'connected to SANtricity Web Services');
  }

  async checkForSetupError(): Promise<void> {
    const pools = await this.p.lib.refreshPools();
    if (pools.length === 0) {
      throw new ConfigError(`Backend [${this.backendName}]: no storage pool matches netapp_pool_name_search_pattern '${this.opt.str('netapp_pool_name_search_pattern')}'.`);
    }
    await this.p.mapper.resolveHostType();
    const cleaned = await this.p.lib.cleanupTmpVolumes();
    if (cleaned > 0) this.log.info({ cleaned }, 'removed copy targets of interrupted clones');
    const inv = await this.p.mapper.refreshInventory();
    if (!inv.iscsiPorts.some((p) => p.ipv4Enabled)) throw new BackendError(`Backend ${this.backendName}: the array has no enabled iSCSI port.`);
  }

  async getVolumeStats(refresh: boolean): Promise<BackendStats> {
    const pools = refresh ? await this.p.lib.refreshPools() : await this.p.lib.poolList();
    if (refresh) await this.p.mapper.refreshInventory();
    const volumes = await this.p.client.listVolumes();
    const multiattach = this.opt.bool('netapp_enable_multiattach');
    const poolStats: PoolStats[] = pools.map((p) => {
      const mine = volumes.filter((v) => v.volumeGroupRef === p.pool.volumeGroupRef);
      const provisioned = mine.reduce((s, v) => s + Number(v.capacity), 0) / GiB;
      const total = p.totalBytes / GiB;
      const free = p.freeBytes / GiB;
      const thin = p.pool.diskPool && (p.ssc?.thinProvisioningCapable ?? true);
      return {
        ...POOL_DEFAULTS,
        poolName: p.pool.label,
        capacity: { known: true, totalGiB: round2(total), freeGiB: round2(free) },
        provisionedCapacityGiB: round2(provisioned),
        allocatedCapacityGiB: round2(provisioned),
        thinProvisioningSupport: thin,
        thickProvisioningSupport: true,
        maxOverSubscriptionRatio: this.opt.num('max_over_subscription_ratio'),
        reservedPercentage: this.opt.int('reserved_percentage'),
        multiattach,
        onlineExtendSupport: true,
        totalVolumes: mine.length,
        ...(this.opt.optStr('filter_function') ? { filterFunction: this.opt.str('filter_function') } : {}),
        ...(this.opt.optStr('goodness_function') ? { goodnessFunction: this.opt.str('goodness_function') } : {}),
        capabilities: {
          netapp_raid_type: p.pool.raidLevel,
          netapp_disk_type: p.diskType,
          netapp_thin_provisioned: thin,
          netapp_disk_encryption: p.ssc?.encrypted ?? p.pool.securityType === 'enabled',
          netapp_eseries_flash_read_cache: p.ssc?.flashCacheCapable ?? false,
          netapp_eseries_data_assurance: p.ssc?.dataAssuranceCapable ?? false,
          netapp_eseries_disk_spindle_speed: p.ssc?.spindleSpeed ?? 0,
          netapp_eseries_disk_pool: p.pool.diskPool,
          consistencygroup_support: true,
          consistent_group_snapshot_enabled: true,
        },
      };
    });
    return {
      volumeBackendName: this.opt.optStr('volume_backend_name') ?? this.backendName,
      vendorName: 'NetApp',
      driverVersion: DRIVER_VERSION,
      storageProtocol: 'iSCSI',
      operations: supportedOperations(this),
      pools: poolStats,
    };
  }

  async createVolume(volume: DriverVolume): Promise<ModelUpdate> {
    return (await this.p.lib.createVolume(volume)).update;
  }
  deleteVolume(volume: DriverVolume): Promise<void> {
    return this.p.lib.deleteVolume(volume.id, volume.providerLocation);
  }

  // E-Series exports a volume by mapping it at initialize time; nothing to create ahead.
  async createExport(): Promise<void> {}
  async ensureExport(): Promise<void> {}
  async removeExport(): Promise<void> {}

  validateConnector(connector: Connector): void {
    validateIscsiConnector(connector);
  }

  async initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    const vol = await this.p.lib.get(volume.id, volume.providerLocation);
    return this.p.mapper.initialize(vol, volume.id, connector);
  }

  async terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void> {
    const vol = await this.p.lib.find(volume.id, volume.providerLocation);
    if (!vol) return;
    const initiator = connector && typeof connector.initiator === 'string' ? connector.initiator : null;
    const host = connector && typeof connector.host === 'string' ? connector.host : null;
    await this.p.mapper.terminate(vol, initiator, volume.otherAttachments ?? [], host);
  }

  extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<void> {
    return this.p.lib.extend(volume.id, volume.providerLocation, newSizeGiB);
  }

  createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate> {
    return this.p.snaps.createSnapshot(snapshot);
  }
  deleteSnapshot(snapshot: DriverSnapshot): Promise<void> {
    return this.p.snaps.deleteSnapshot(snapshot);
  }
  createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate> {
    return this.p.snaps.createVolumeFromSnapshot(volume, snapshot);
  }
  createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate> {
    return this.p.snaps.createClonedVolume(volume, source);
  }

  /** `source-name` is the volume's label, `source-id` its id (volumeRef). */
  private async existing(ref: Record<string, string>) {
    const key = ref['source-id'] ?? ref['source-name'];
    if (!key) throw new InvalidInput('The reference must name the volume with source-name (its label) or source-id.');
    const v = await this.p.client.getVolume(key);
    if (!v) throw new BackendObjectNotFound(`No E-Series volume matches ${JSON.stringify(ref)} on backend ${this.backendName}.`, { safe: true });
    return v;
  }
  async manageExistingGetSize(_volume: DriverVolume, ref: Record<string, string>): Promise<number> {
    return Math.ceil(Number((await this.existing(ref)).capacity) / GiB);
  }
  async manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate> {
    const v = await this.existing(ref);
    const label = uuidToLabel(volume.id);
    if (v.label !== label) await this.p.client.renameVolume(v.id, label);
    await this.p.client.deletePersistentRecord(UNMANAGED_PREFIX + v.id);
    return { providerLocation: v.id, size: Math.ceil(Number(v.capacity) / GiB) };
  }
  /**
   * The volume keeps its label; a persistent record on the array says Flint let it go, so any
   * Flint process listing the array sees it as manageable again.
   */
  async unmanage(volume: DriverVolume): Promise<void> {
    const v = await this.p.lib.find(volume.id, volume.providerLocation);
    if (v) await this.p.client.savePersistentRecord(UNMANAGED_PREFIX + v.id, volume.id);
    this.log.info({ volume: volume.id }, 'unmanaged; the E-Series volume stays with its label');
  }
  async listBackendVolumes(): Promise<BackendVolumeObject[]> {
    const [volumes, records] = await Promise.all([this.p.client.listVolumes(), this.p.client.listPersistentRecords()]);
    const unmanaged = new Set(records.filter((r) => r.key.startsWith(UNMANAGED_PREFIX)).map((r) => r.key.slice(UNMANAGED_PREFIX.length)));
    return volumes.map((v) => {
      const flintId = labelToUuid(v.label);
      const reason = (v.listOfMappings?.length ?? 0) > 0 ? 'volume is mapped' : flintId !== null && !unmanaged.has(v.id) ? 'volume belongs to a Flint volume' : null;
      return {
        reference: { 'source-name': v.label, 'source-id': v.id },
        sizeGiB: Math.ceil(Number(v.capacity) / GiB),
        flintId,
        safeToManage: reason === null,
        reasonNotSafe: reason,
        extraInfo: v.thinProvisioned ? 'thin' : 'thick',
      };
    });
  }

  createGroup(groupId: string): Promise<ModelUpdate | void> {
    return this.p.cgs.createGroup(groupId);
  }
  deleteGroup(groupId: string, volumes: DriverVolume[]): Promise<void> {
    return this.p.cgs.deleteGroup(groupId, volumes);
  }
  updateGroup(groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void> {
    return this.p.cgs.updateGroup(groupId, add, remove);
  }
  createGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
    return this.p.cgs.createGroupSnapshot(groupSnapshotId, snapshots);
  }
  deleteGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
    return this.p.cgs.deleteGroupSnapshot(groupSnapshotId, snapshots);
  }

  async shutdown(): Promise<void> {
    this.parts?.client.close();
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
