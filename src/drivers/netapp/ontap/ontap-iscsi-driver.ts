// The netapp_ontap volume driver for iSCSI: a thin shell that wires options to the
// client, the block library and the iSCSI attacher, and reports typed stats.
import { Options } from '../../../config/options.js';
import { BackendError, InvalidInput } from '../../../errors/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DriverContext, VolumeDriverCore } from '../../interface/core.js';
import {
  supportedOperations, type Clone, type CreateFromSnapshot, type Extend, type ListBackendVolumes, type Manage, type RevertToSnapshot, type Snapshots, type ValidateConnector,
} from '../../interface/capabilities.js';
import type { BackendVolumeObject, ConnectionInfo, Connector, DriverSnapshot, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import { POOL_DEFAULTS, type BackendStats, type PoolStats } from '../../interface/stats.js';
import { validateIscsiConnector } from '../../../protocols/iscsi.js';
import { splitLunPath, type OntapSanClient } from './client/san-client.js';
import { checkRequiredOptions, createSanClient } from './client-factory.js';
import { GiB, OntapBlockLibrary } from './ontap-block-library.js';
import { IscsiAttacher } from './iscsi-attacher.js';
import { ManageExisting } from './manage-existing.js';

export const DRIVER_VERSION = '1.0.0';
const DEFAULT_FILTER = 'capabilities.utilization < 70';
const DEFAULT_GOODNESS = '100 - capabilities.utilization';

export class OntapIscsiDriver
  implements VolumeDriverCore, Snapshots, CreateFromSnapshot, Clone, Extend, RevertToSnapshot, Manage, ListBackendVolumes, ValidateConnector
{
  readonly backendName: string;
  private readonly opt: Options;
  private readonly log: Logger;
  private client: OntapSanClient | null = null;
  private lib: OntapBlockLibrary | null = null;
  private attacher: IscsiAttacher | null = null;
  private manager: ManageExisting | null = null;
  apiVersion = '';

  /** `clientFactory` lets tests hand in a client; production builds it from options. */
  constructor(ctx: DriverContext, private readonly clientFactory = createSanClient) {
    this.backendName = ctx.backendName;
    this.opt = new Options(ctx.options, ctx.backendName);
    this.log = ctx.logger.child({ backend: ctx.backendName, driver: 'netapp_ontap' });
  }

  get sanClient(): OntapSanClient {
    if (!this.client) throw new BackendError(`Backend ${this.backendName} is not set up (doSetup was not called or failed).`);
    return this.client;
  }
  private get library(): OntapBlockLibrary {
    if (!this.lib) throw new BackendError(`Backend ${this.backendName} is not set up (doSetup was not called or failed).`);
    return this.lib;
  }
  private get manage(): ManageExisting {
    if (!this.manager) throw new BackendError(`Backend ${this.backendName} is not set up (doSetup was not called or failed).`);
    return this.manager;
  }
  private get iscsi(): IscsiAttacher {
    if (!this.attacher) throw new BackendError(`Backend ${this.backendName} is not set up (doSetup was not called or failed).`);
    return this.attacher;
  }

  async doSetup(): Promise<void> {
    checkRequiredOptions(this.opt, this.backendName);
    let pattern: RegExp;
    try {
      pattern = new RegExp(this.opt.str('netapp_pool_name_search_pattern'));
    } catch (e) {
      throw new InvalidInput(`Option netapp_pool_name_search_pattern in section [${this.backendName}] is not a valid regular expression: ${(e as Error).message}`);
    }
    this.client = this.clientFactory(this.opt, this.backendName, this.log);
    const lunOsType = this.opt.str('netapp_lun_ostype');
    this.lib = new OntapBlockLibrary(
      this.client,
      {
        sizeMultiplier: this.opt.num('netapp_size_multiplier'),
        volumeList: this.opt.list('netapp_volume_list'),
        poolPattern: pattern,
        lunOsType,
        spaceReserved: this.opt.str('netapp_lun_space_reservation') === 'enabled',
        qosSupported: this.client.family === 'ontap_cluster',
      },
      this.log,
    );
    this.manager = new ManageExisting(this.lib);
    this.attacher = new IscsiAttacher(
      this.client,
      {
        hostOsType: this.opt.optStr('netapp_host_type') ?? lunOsType,
        chap: { enabled: this.opt.bool('use_chap_auth'), username: this.opt.str('chap_username'), secret: this.opt.str('chap_password') },
      },
      this.log,
    );
    this.apiVersion = await this.client.connect();
    this.log.info({ apiVersion: this.apiVersion, family: this.client.family, api: this.client.api }, 'connected to ONTAP');
  }

  async checkForSetupError(): Promise<void> {
    const pools = await this.library.refreshPools();
    this.library.assertHasPools(pools);
    const count = await this.library.discoverLuns();
    const { iqn } = await this.iscsi.cache.target();
    if (!iqn) throw new BackendError(`Backend ${this.backendName}: the iSCSI service is not running on the storage system.`);
    const hosts = await this.iscsi.warmIgroups();
    this.log.info({ pools: pools.length, luns: count, hosts }, 'ONTAP backend ready');
  }

  async getVolumeStats(refresh: boolean): Promise<BackendStats> {
    const pools = refresh ? await this.library.refreshPools() : await this.library.poolList();
    // Portals, target name and igroups are re-read here so the attach cache never outlives a stats period.
    if (refresh) {
      await this.iscsi.cache.refreshTarget();
      await this.iscsi.warmIgroups();
    }
    const luns = this.library.luns.values();
    const thinLuns = this.opt.str('netapp_lun_space_reservation') === 'disabled';
    const poolStats: PoolStats[] = pools.map((p) => {
      const provisioned = luns.filter((l) => l.metadata.Volume === p.name).reduce((s, l) => s + l.sizeBytes, 0) / GiB;
      const total = p.totalBytes / GiB;
      const free = p.availableBytes / GiB;
      const utilization = total > 0 ? Math.round(((total - free) / total) * 10000) / 100 : 0;
      const thin = thinLuns || p.thin;
      return {
        ...POOL_DEFAULTS,
        poolName: p.name,
        capacity: { known: true, totalGiB: round2(total), freeGiB: round2(free) },
        provisionedCapacityGiB: round2(provisioned),
        allocatedCapacityGiB: round2(provisioned),
        thinProvisioningSupport: thin,
        thickProvisioningSupport: !thin,
        maxOverSubscriptionRatio: this.opt.num('max_over_subscription_ratio'),
        reservedPercentage: this.opt.int('reserved_percentage'),
        onlineExtendSupport: true,
        // Cinder's cluster-mode pools take multi-attach (each host maps through its own igroup); 7-mode's do not.
        multiattach: this.sanClient.family === 'ontap_cluster',
        qosSupport: this.sanClient.family === 'ontap_cluster',
        totalVolumes: luns.filter((l) => l.metadata.Volume === p.name).length,
        filterFunction: this.opt.optStr('filter_function') ?? DEFAULT_FILTER,
        goodnessFunction: this.opt.optStr('goodness_function') ?? DEFAULT_GOODNESS,
        capabilities: {
          utilization,
          netapp_thin_provisioned: thin,
          netapp_aggregate: p.aggregate ?? '',
          netapp_family: this.sanClient.family,
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

  createVolume(volume: DriverVolume): Promise<ModelUpdate> {
    return this.library.createVolume(volume);
  }
  deleteVolume(volume: DriverVolume): Promise<void> {
    return this.library.destroy(volume.name, volume.providerLocation);
  }

  // ONTAP exports a LUN by mapping it at initialize time; there is nothing to create ahead.
  async createExport(): Promise<void> {}
  async ensureExport(): Promise<void> {}
  async removeExport(): Promise<void> {}

  validateConnector(connector: Connector): void {
    validateIscsiConnector(connector);
  }

  async initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    const path = await this.library.pathOf(volume.name, volume.providerLocation);
    if (!path) throw new BackendError(`Volume ${volume.id} has no LUN on backend ${this.backendName}.`);
    return this.iscsi.initialize(volume.id, path, connector, this.library.luns.get(splitLunPath(path).name)?.spaceAllocation === true);
  }

  async terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void> {
    const path = await this.library.pathOf(volume.name, volume.providerLocation);
    if (!path) return;
    const initiator = connector && typeof connector.initiator === 'string' ? connector.initiator : null;
    const host = connector && typeof connector.host === 'string' ? connector.host : null;
    await this.iscsi.terminate(path, initiator, volume.otherAttachments ?? [], host);
  }

  createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate> {
    return this.library.createSnapshot(snapshot);
  }
  deleteSnapshot(snapshot: DriverSnapshot): Promise<void> {
    return this.library.destroy(snapshot.name, snapshot.providerLocation);
  }
  createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate> {
    return this.library.createVolumeFromSnapshot(volume, snapshot);
  }
  createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate> {
    return this.library.createClonedVolume(volume, source);
  }
  revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
    return this.library.revertToSnapshot(volume, snapshot);
  }
  extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<void> {
    return this.library.extendVolume(volume, newSizeGiB);
  }
  manageExistingGetSize(_volume: DriverVolume, ref: Record<string, string>): Promise<number> {
    return this.manage.manageExistingGetSize(ref);
  }
  manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate> {
    return this.manage.manageExisting(volume, ref);
  }
  async unmanage(volume: DriverVolume): Promise<void> {
    this.manage.unmanage(volume);
  }
  listBackendVolumes(): Promise<BackendVolumeObject[]> {
    return this.manage.listBackendVolumes();
  }

  async shutdown(): Promise<void> {
    this.client?.close();
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
