// The SANtricity Web Services REST client: one method per call, under
// `{webservice_path}/storage-systems/{id}/…`. Any status >= 300 fails: 422 carries a retcode
// (30 / authFailPassword: the array password), 424 means the array is offline, 401 the
// Web Services login. Transport faults and 5xx are retried (netapp_api_tries).
import { HttpTransport, type HttpTransportOptions } from '../../common/http-transport.js';
import { withRetries } from '../../common/retry.js';
import type { Logger } from '../../../../util/logger.js';
import { ES_WIRE_ERRORS, EsApiError, EsHttpError, EsOfflineError, EsPasswordError, EsTransportError, PASSWORD_RETCODES } from '../eseries-errors.js';
import type * as T from './eseries-types.js';

export interface EsClientOptions extends Omit<HttpTransportOptions, 'errors'> {
  /** `/devmgr/v2` by default. */
  webservicePath: string;
  tries?: number;
  backoffMs?: number;
  logger?: Logger;
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export class EseriesClient {
  private readonly http: HttpTransport;
  private systemId: string | null = null;
  /** Calls sent (each retry counts), for benches and tests. */
  calls = 0;

  constructor(private readonly opts: EsClientOptions) {
    this.http = new HttpTransport({ ...opts, errors: ES_WIRE_ERRORS, authHint: 'check netapp_login and netapp_password' });
  }

  setSystemId(id: string): void {
    this.systemId = id;
  }
  get system(): string {
    if (!this.systemId) throw new TypeError('E-Series client has no storage system id yet');
    return this.systemId;
  }

  /** One call; `path` is relative to the web-service root, or absolute when it starts with `/devmgr`. */
  /**
   * `once`: a create the array does not deduplicate (a snapshot image, a copy job) is sent a
   * single time, so a lost reply is never answered by a second object; the caller looks for
   * the first one instead.
   */
  async send(method: string, path: string, body?: Json, opts: { notFoundNull?: boolean; once?: boolean } = {}): Promise<Json> {
    const full = path.startsWith('/devmgr') ? path : `${this.opts.webservicePath.replace(/\/$/, '')}/${path}`;
    const api = `${method} ${full.replace(/\/storage-systems\/[^/]+/, '/storage-systems/{id}')}`;
    return withRetries(
      {
        tries: opts.once ? 1 : (this.opts.tries ?? 3), backoffMs: this.opts.backoffMs ?? 250, logger: this.opts.logger, what: api, vendor: 'E-Series',
        annotate: (e) => e instanceof EsTransportError || e instanceof EsHttpError,
      },
      (e) => (e instanceof EsTransportError || e instanceof EsHttpError) && e.retryable,
      async () => {
        this.calls++;
        const reply = await this.http.request(method, full, body === undefined ? null : JSON.stringify(body), {
          Accept: 'application/json', 'Content-Type': 'application/json',
        });
        let json: Json = null;
        try {
          json = reply.body ? JSON.parse(reply.body) : null;
        } catch {
          json = null;
        }
        if (reply.status < 300) return json;
        if (reply.status === 404 && opts.notFoundNull) return null;
        const detail = String(json?.errorMessage ?? json?.localizedMessage ?? `HTTP ${reply.status}`);
        if (reply.status === 424) throw new EsOfflineError(detail, api);
        const retcode = json?.retcode !== undefined ? String(json.retcode) : null;
        if (reply.status === 422 && retcode && PASSWORD_RETCODES.includes(retcode)) {
          throw new EsPasswordError(422, retcode, `${detail}; check netapp_sa_password`, api);
        }
        throw new EsApiError(reply.status, retcode, detail, api);
      },
    );
  }

  private s(path: string): string {
    return `storage-systems/${this.system}/${path}`;
  }

  // --- Web Services and storage systems
  about(): Promise<T.EsAbout> { return this.send('GET', '/devmgr/utils/about'); }
  listStorageSystems(): Promise<T.EsStorageSystem[]> { return this.send('GET', 'storage-systems'); }
  registerStorageSystem(controllerAddresses: string[], password: string | null, wwn: string | null): Promise<{ id: string }> {
    const body: Json = { controllerAddresses };
    if (wwn) body.wwn = wwn;
    if (password) body.password = password;
    return this.send('POST', 'storage-systems', body);
  }
  getStorageSystem(): Promise<T.EsStorageSystem> { return this.send('GET', `storage-systems/${this.system}`); }
  updateStoredPassword(password: string): Promise<T.EsStorageSystem> {
    return this.send('POST', `storage-systems/${this.system}`, { storedPassword: password });
  }

  // --- Pools and drives
  listStoragePools(): Promise<T.EsPool[]> { return this.send('GET', this.s('storage-pools')); }
  listSscPools(): Promise<T.EsSscPool[]> { return this.send('GET', this.s('ssc/pools')); }
  listDrives(): Promise<T.EsDrive[]> { return this.send('GET', this.s('drives')); }
  poolActionProgress(poolId: string): Promise<T.EsActionProgress[]> { return this.send('GET', this.s(`storage-pools/${poolId}/action-progress`)); }

  // --- Volumes
  createVolume(req: T.EsCreateVolume): Promise<T.EsVolume> { return this.send('POST', this.s('ssc/volumes'), req); }
  /** By id, label or WWN; null when the array answers 404. */
  getVolume(ref: string): Promise<T.EsVolume | null> {
    return this.send('GET', this.s(`ssc/volumes/${encodeURIComponent(ref)}`), undefined, { notFoundNull: true });
  }
  listVolumes(): Promise<T.EsVolume[]> { return this.send('GET', this.s('ssc/volumes')); }
  renameVolume(id: string, name: string): Promise<T.EsVolume> { return this.send('POST', this.s(`ssc/volumes/${id}`), { name }); }
  deleteVolume(id: string): Promise<void> { return this.send('DELETE', this.s(`ssc/volumes/${id}`)); }
  expandVolume(id: string, newSizeGiB: number): Promise<T.EsVolume> {
    return this.send('POST', this.s(`volumes/${id}/expand`), { expansionSize: newSizeGiB, sizeUnit: 'gb' });
  }
  expandThinVolume(id: string, newSizeGiB: number): Promise<T.EsVolume> {
    return this.send('POST', this.s(`thin-volumes/${id}/expand`), { newVirtualSize: newSizeGiB, sizeUnit: 'gb', newRepositorySize: newSizeGiB });
  }

  // --- Hosts and mappings
  listHosts(): Promise<T.EsHost[]> { return this.send('GET', this.s('hosts')); }
  createHost(label: string, hostTypeIndex: number, initiator: string, groupId: string | null): Promise<T.EsHost> {
    const body: Json = { name: label, hostType: { index: hostTypeIndex }, ports: [{ type: 'iscsi', port: initiator, label }] };
    if (groupId) body.groupId = groupId;
    return this.send('POST', this.s('hosts'), body);
  }
  setHostGroup(hostId: string, groupId: string): Promise<T.EsHost> { return this.send('POST', this.s(`hosts/${hostId}`), { groupId }); }
  listHostTypes(): Promise<T.EsHostType[]> { return this.send('GET', this.s('host-types')); }
  listHostGroups(): Promise<T.EsHostGroup[]> { return this.send('GET', this.s('host-groups')); }
  createHostGroup(label: string): Promise<T.EsHostGroup> { return this.send('POST', this.s('host-groups'), { name: label, hosts: [] }); }
  listVolumeMappings(): Promise<T.EsMapping[]> { return this.send('GET', this.s('volume-mappings')); }
  createVolumeMapping(volumeId: string, targetId: string, lun: number): Promise<T.EsMapping> {
    return this.send('POST', this.s('volume-mappings'), { mappableObjectId: volumeId, targetId, lun });
  }
  deleteVolumeMapping(ref: string): Promise<void> { return this.send('DELETE', this.s(`volume-mappings/${ref}`)); }
  moveLunMapping(lunMappingRef: string, mapRef: string, lun: number): Promise<string> {
    return this.send('POST', this.s('symbol/moveLUNMapping'), { lunMappingRef, lun, mapRef });
  }

  // --- iSCSI target
  hardwareInventory(): Promise<T.EsHardwareInventory> { return this.send('GET', this.s('hardware-inventory')); }
  setChapAuthentication(iqn: string, alias: string, secret: string): Promise<Json> {
    return this.send('POST', this.s('iscsi/target-settings/'), { iqn, enableChapAuthentication: true, alias, authMethod: 'chap', chapSecret: secret });
  }

  // --- Snapshots
  listSnapshotGroups(): Promise<T.EsSnapshotGroup[]> { return this.send('GET', this.s('snapshot-groups')); }
  createSnapshotGroup(label: string, volumeId: string, poolId: string, repoPercent = 20, warnPercent = 0, autoDeleteLimit = 0, fullPolicy = 'failBaseWrites'): Promise<T.EsSnapshotGroup> {
    return this.send('POST', this.s('snapshot-groups'), {
      baseMappableObjectId: volumeId, name: label, storagePoolId: poolId, repositoryPercentage: repoPercent,
      warningThreshold: warnPercent, autoDeleteLimit, fullPolicy,
    });
  }
  deleteSnapshotGroup(id: string): Promise<void> { return this.send('DELETE', this.s(`snapshot-groups/${id}`)); }
  listSnapshotImages(): Promise<T.EsSnapshotImage[]> { return this.send('GET', this.s('snapshot-images')); }
  createSnapshotImage(groupId: string): Promise<T.EsSnapshotImage> { return this.send('POST', this.s('snapshot-images'), { groupId }, { once: true }); }
  deleteSnapshotImage(id: string): Promise<void> { return this.send('DELETE', this.s(`snapshot-images/${id}`)); }
  createSnapshotVolume(imageId: string, label: string, baseVolumeId: string): Promise<T.EsSnapshotVolume> {
    return this.send('POST', this.s('snapshot-volumes'), {
      snapshotImageId: imageId, fullThreshold: 0, name: label, viewMode: 'readOnly', repositoryPercentage: 0, repositoryPoolId: null,
      baseMappableObjectId: baseVolumeId,
    });
  }
  deleteSnapshotVolume(id: string): Promise<void> { return this.send('DELETE', this.s(`snapshot-volumes/${id}`)); }

  // --- Volume copy
  createVolumeCopyJob(sourceId: string, targetId: string, priority = 'priority2'): Promise<T.EsCopyJob> {
    return this.send('POST', this.s('volume-copy-jobs'), { sourceId, targetId, copyPriority: priority, targetWriteProtected: false }, { once: true });
  }
  listVolumeCopyJobs(): Promise<T.EsCopyJob[]> { return this.send('GET', this.s('volume-copy-jobs')); }
  getVolumeCopyJob(id: string): Promise<T.EsCopyJob | null> {
    return this.send('GET', this.s(`volume-copy-jobs/${id}`), undefined, { notFoundNull: true });
  }
  deleteVolumeCopyJob(id: string): Promise<void> { return this.send('DELETE', this.s(`volume-copy-jobs/${id}`)); }

  // --- Persistent records (the array's key/value store)
  listPersistentRecords(): Promise<T.EsPersistentRecord[]> { return this.send('GET', this.s('persistent-records')); }
  savePersistentRecord(key: string, value: string): Promise<T.EsPersistentRecord> {
    return this.send('POST', this.s('persistent-records'), [{ key, value }]);
  }
  /** Deleting a record that is not there succeeds (404 is taken as done). */
  deletePersistentRecord(key: string): Promise<void> {
    return this.send('DELETE', this.s(`persistent-records/${encodeURIComponent(key)}`), undefined, { notFoundNull: true });
  }

  // --- Consistency groups
  listConsistencyGroups(): Promise<T.EsConsistencyGroup[]> { return this.send('GET', this.s('consistency-groups')); }
  createConsistencyGroup(label: string): Promise<T.EsConsistencyGroup> {
    return this.send('POST', this.s('consistency-groups'), { name: label, fullWarnThresholdPercent: 75, autoDeleteThreshold: 32, repositoryFullPolicy: 'failbasewrites', rollbackPriority: 'medium' });
  }
  deleteConsistencyGroup(id: string): Promise<void> { return this.send('DELETE', this.s(`consistency-groups/${id}`)); }
  listCgMembers(cgId: string): Promise<T.EsCgMember[]> { return this.send('GET', this.s(`consistency-groups/${cgId}/member-volumes`)); }
  addCgMember(cgId: string, volumeId: string): Promise<T.EsCgMember> {
    return this.send('POST', this.s(`consistency-groups/${cgId}/member-volumes`), { volumeId, repositoryPercent: 20 });
  }
  removeCgMember(cgId: string, volumeId: string): Promise<void> {
    return this.send('DELETE', this.s(`consistency-groups/${cgId}/member-volumes/${volumeId}?retainRepositories=false`));
  }
  createCgSnapshot(cgId: string): Promise<T.EsSnapshotImage[]> { return this.send('POST', this.s(`consistency-groups/${cgId}/snapshots`), {}); }
  listCgSnapshots(cgId: string): Promise<T.EsSnapshotImage[]> { return this.send('GET', this.s(`consistency-groups/${cgId}/snapshots`)); }
  deleteCgSnapshot(cgId: string, sequence: string): Promise<void> {
    return this.send('DELETE', this.s(`consistency-groups/${cgId}/snapshots/${sequence}`));
  }

  close(): void {
    this.http.close();
  }
}
