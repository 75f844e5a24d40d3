// ONTAP REST as a second transport for cluster mode: the same SanClient calls over
// /api/storage/*, /api/protocols/san/* and /api/network/ip/interfaces. REST error codes
// are translated into the ZAPI errnos the library already understands.
import { HttpTransport, type HttpTransportOptions } from '../../common/http-transport.js';
import { NA_WIRE_ERRORS, NaApiError, NaHttpError, NaTransportError, isOntapRestErrorBody } from '../zapi/na-errors.js';
import { withRetries } from '../../common/retry.js';
import * as Z from '../zapi/na-errors.js';
import { splitLunPath, type CloneOptions, type CreateLunRequest, type FlexVolInfo, type IgroupInfo, type IscsiPortal, type LunInfo, type LunMapInfo, type OntapSanClient } from '../client/san-client.js';
import { clock, sleep } from '../../../../util/clock.js';
import type { Logger } from '../../../../util/logger.js';

/**
 * ONTAP REST error codes (error.code) the driver reacts to, with the call they come from.
 * The same condition has different codes on different endpoints; see test/sim/ontap/FACTS.md.
 */
export const REST_ERRORS = {
  ENTRY_NOT_FOUND: '4',
  /** DELETE /storage/luns/{uuid} */
  LUN_NOT_FOUND_ON_DELETE: '5374875',
  /** PATCH /storage/luns/{uuid} */
  LUN_NOT_FOUND_ON_MODIFY: '5374876',
  /** POST /protocols/san/lun-maps */
  LUN_NOT_FOUND_ON_MAP: '1254201',
  LUN_EXISTS: '5374242',
  CLONE_TARGET_EXISTS: '1260136',
  RENAME_TARGET_EXISTS: '1254196',
  /** igroup calls and POST /protocols/san/lun-maps */
  IGROUP_NOT_FOUND: '5374852',
  /** DELETE /protocols/san/lun-maps/{lun}/{igroup} */
  IGROUP_NOT_FOUND_ON_UNMAP: '5374878',
  IGROUP_EXISTS: '5374023',
  LUN_ALREADY_MAPPED: '1254207',
  NO_SUCH_LUN_MAP: '5374922',
  SIZE_TOO_SMALL: '5374124',
  SIZE_TOO_LARGE: '5374125',
  SIZE_UNCHANGED: '1254226',
  SHRINK_REFUSED: '5374892',
  DUPLICATE_CHAP_CREDENTIAL: '5374142',
  DELETE_WHILE_MAPPED: '1254197',
  IGROUP_HAS_MAPS: '1254213',
  INITIATOR_ALREADY_IN_IGROUP: '5374035',
  INVALID_ISCSI_NAME: '5374039',
  CROSS_VOLUME_CLONE: '1260121',
  QOS_POLICY_NOT_FOUND_ON_MODIFY: '8454243',
} as const;

const TO_ZAPI: Record<string, string> = {
  [REST_ERRORS.ENTRY_NOT_FOUND]: Z.EOBJECTNOTFOUND,
  [REST_ERRORS.LUN_NOT_FOUND_ON_DELETE]: Z.EVDISK_ERROR_NO_SUCH_VDISK,
  [REST_ERRORS.LUN_NOT_FOUND_ON_MODIFY]: Z.EVDISK_ERROR_NO_SUCH_VDISK,
  [REST_ERRORS.LUN_NOT_FOUND_ON_MAP]: Z.EVDISK_ERROR_NO_SUCH_VDISK,
  [REST_ERRORS.LUN_EXISTS]: Z.EVDISK_ERROR_VDISK_EXISTS,
  [REST_ERRORS.CLONE_TARGET_EXISTS]: Z.EVDISK_ERROR_VDISK_EXISTS,
  [REST_ERRORS.RENAME_TARGET_EXISTS]: Z.EVDISK_ERROR_VDISK_EXISTS,
  [REST_ERRORS.IGROUP_NOT_FOUND]: Z.EVDISK_ERROR_NO_SUCH_INITGROUP,
  [REST_ERRORS.IGROUP_NOT_FOUND_ON_UNMAP]: Z.EVDISK_ERROR_NO_SUCH_INITGROUP,
  [REST_ERRORS.IGROUP_EXISTS]: Z.EVDISK_ERROR_INITGROUP_EXISTS,
  [REST_ERRORS.LUN_ALREADY_MAPPED]: Z.EVDISK_ERROR_INITGROUP_HAS_VDISK,
  [REST_ERRORS.NO_SUCH_LUN_MAP]: Z.EVDISK_ERROR_NO_SUCH_LUNMAP,
  [REST_ERRORS.SIZE_TOO_SMALL]: Z.EVDISK_ERROR_SIZE_TOO_SMALL,
  [REST_ERRORS.SIZE_TOO_LARGE]: Z.EVDISK_ERROR_SIZE_TOO_LARGE,
  [REST_ERRORS.SIZE_UNCHANGED]: Z.EVDISK_ERROR_SIZE_UNCHANGED,
  [REST_ERRORS.DUPLICATE_CHAP_CREDENTIAL]: Z.EDUPLICATEENTRY,
  [REST_ERRORS.DELETE_WHILE_MAPPED]: Z.EVDISK_ERROR_VDISK_EXPORTED,
  [REST_ERRORS.IGROUP_HAS_MAPS]: Z.EVDISK_ERROR_INITGROUP_MAPS_EXIST,
  [REST_ERRORS.INITIATOR_ALREADY_IN_IGROUP]: Z.EVDISK_ERROR_INITGROUP_HAS_NODE,
  [REST_ERRORS.INVALID_ISCSI_NAME]: Z.EVDISK_ERROR_INVALID_ISCSI_NAME,
};

export interface RestClientOptions extends Omit<HttpTransportOptions, 'errors'> {
  vserver: string;
  tries?: number;
  backoffMs?: number;
  logger?: Logger;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class OntapRestClient implements OntapSanClient {
  readonly family = 'ontap_cluster' as const;
  readonly api = 'rest' as const;
  private readonly http: HttpTransport;
  private calls = 0;

  constructor(private readonly opts: RestClientOptions) {
    this.http = new HttpTransport({ ...opts, errors: NA_WIRE_ERRORS, isApiBody: isOntapRestErrorBody });
  }

  get callCount(): number {
    return this.calls;
  }

  /** One REST call with retries for transport faults, 5xx and busy answers; errors become NaApiError. */
  async send(method: string, path: string, body?: Json, svmScoped = true): Promise<Json> {
    const route = `${method} ${path.split('?')[0]}`;
    return withRetries(
      { tries: this.opts.tries ?? 3, backoffMs: this.opts.backoffMs ?? 250, logger: this.opts.logger, what: route, vendor: 'ONTAP REST', annotate: (e) => e instanceof NaTransportError || e instanceof NaHttpError },
      // EAPIERROR is ONTAP's transient internal error; ZAPI and REST both retry it.
      (e) => ((e instanceof NaTransportError || e instanceof NaHttpError) && e.retryable) || Z.isNaApiError(e, Z.EAPIERROR),
      async () => {
        this.calls++;
        const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
        // SVM tunnelling, as Cinder's RestNaServer does for every call but cluster-wide ones.
        if (svmScoped) headers['X-Dot-SVM-Name'] = this.opts.vserver;
        const reply = await this.http.request(method, path, body ? JSON.stringify(body) : null, headers);
        const json: Json = reply.body ? JSON.parse(reply.body) : {};
        if (reply.status >= 400) {
          const code = String(json.error?.code ?? reply.status);
          const message = String(json.error?.message ?? `HTTP ${reply.status}`);
          throw new NaApiError(TO_ZAPI[code] ?? code, `${message} (REST code ${code})`, route);
        }
        if (reply.status === 202 && json.job?.uuid) return await this.waitForJob(String(json.job.uuid), route);
        return json;
      },
    );
  }

  /**
   * Long operations answer 202 with a job; poll /api/cluster/jobs/{uuid} until it ends.
   * A failed job raises NaApiError with the job's code, translated like any REST error.
   */
  private async waitForJob(uuid: string, api: string): Promise<Json> {
    const deadline = clock().now().getTime() + (this.opts.timeoutMs ?? 60_000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 1000)) {
      const job = await this.send('GET', `/api/cluster/jobs/${uuid}?fields=state,message,code`);
      if (job.state === 'success') return job;
      if (job.state === 'failure') {
        const code = String(job.code ?? 'job_failed');
        throw new NaApiError(TO_ZAPI[code] ?? code, `${job.message ?? 'job failed'} (REST code ${code}, job ${uuid})`, api);
      }
      if (clock().now().getTime() > deadline) throw new NaApiError(Z.ESTATUSFAILED, `job ${uuid} still ${job.state} after ${this.opts.timeoutMs ?? 60_000} ms`, api);
      await sleep(delay);
    }
  }

  /** GETs a collection to the end, following _links.next. */
  async collect(path: string): Promise<Json[]> {
    const out: Json[] = [];
    let next: string | null = path;
    while (next) {
      const page = await this.send('GET', next);
      out.push(...((page.records as Json[]) ?? []));
      next = page._links?.next?.href ?? null;
    }
    return out;
  }

  private q(params: Record<string, string | number | boolean>): string {
    const all = { 'svm.name': this.opts.vserver, ...params };
    return new URLSearchParams(Object.entries(all).map(([k, v]) => [k, String(v)])).toString();
  }

  async connect(): Promise<string> {
    const c = await this.send('GET', '/api/cluster?fields=version', undefined, false);
    const v = c.version ?? {};
    return `${v.generation}.${v.major}.${v.minor}`;
  }

  async listFlexVols(): Promise<FlexVolInfo[]> {
    // Cinder's filter: read-write FlexVols and FlexGroups, not the SVM root, consistent, online.
    const recs = await this.collect(`/api/storage/volumes?${this.q({
      type: 'rw', style: 'flex*', is_svm_root: false, 'error_state.is_inconsistent': false, state: 'online',
      fields: 'name,space.afs_total,space.available,state,aggregates.name,guarantee.type',
    })}`);
    return recs.map((r) => ({
      name: r.name,
      aggregate: r.aggregates?.[0]?.name ?? null,
      // afs_total: the size less the snapshot reserve, what LUNs can use (space.size counts the reserve).
      totalBytes: Number(r.space?.afs_total ?? 0),
      availableBytes: Number(r.space?.available ?? 0),
      thin: r.guarantee?.type === 'none',
      online: r.state === 'online',
    }));
  }

  private static readonly LUN_FIELDS =
    'name,uuid,space.size,space.guarantee.requested,space.scsi_thin_provisioning_support_enabled,os_type,serial_number,status.state,status.mapped,location.volume.name,location.qtree.name,qos_policy.name';

  async listLuns(volume?: string): Promise<LunInfo[]> {
    const params: Record<string, string> = { fields: OntapRestClient.LUN_FIELDS };
    if (volume) params['location.volume.name'] = volume;
    return (await this.collect(`/api/storage/luns?${this.q(params)}`)).map(lunFrom);
  }

  async getLun(path: string): Promise<LunInfo | null> {
    const recs = await this.collect(`/api/storage/luns?${this.q({ name: path, fields: OntapRestClient.LUN_FIELDS })}`);
    return recs.length > 0 ? lunFrom(recs[0]!) : null;
  }

  async createLun(req: CreateLunRequest): Promise<number> {
    const body: Json = {
      name: req.path,
      svm: { name: this.opts.vserver },
      os_type: req.osType,
      space: { size: req.sizeBytes, guarantee: { requested: req.spaceReserved }, scsi_thin_provisioning_support_enabled: req.spaceAllocation },
    };
    // REST takes fixed and adaptive policy groups by the same field.
    if (req.qosPolicyGroup) body.qos_policy = { name: req.qosPolicyGroup };
    const r = await this.send('POST', '/api/storage/luns?return_records=true', body);
    // An async job answers without records: then the size asked for is the size made.
    const actual = Number(r.records?.[0]?.space?.size);
    return Number.isFinite(actual) && actual > 0 ? actual : req.sizeBytes;
  }

  async destroyLun(path: string): Promise<void> {
    const r = await this.send('DELETE', `/api/storage/luns?${this.q({ name: path, allow_delete_while_mapped: true })}`);
    if (r.num_records === 0) throw new NaApiError(Z.EVDISK_ERROR_NO_SUCH_VDISK, `LUN ${path} does not exist`, 'DELETE /api/storage/luns');
  }

  async resizeLun(path: string, sizeBytes: number): Promise<void> {
    const r = await this.send('PATCH', `/api/storage/luns?${this.q({ name: path })}`, { space: { size: sizeBytes } });
    if (r.num_records === 0) throw new NaApiError(Z.EVDISK_ERROR_NO_SUCH_VDISK, `LUN ${path} does not exist`, 'PATCH /api/storage/luns');
  }

  async cloneLun(_volume: string, sourcePath: string, destPath: string, opts: CloneOptions): Promise<void> {
    const body: Json = {
      name: destPath,
      svm: { name: this.opts.vserver },
      clone: { source: { name: sourcePath } },
      space: { guarantee: { requested: opts.spaceReserved } },
    };
    if (opts.qosPolicyGroup) body.qos_policy = { name: opts.qosPolicyGroup };
    await this.send('POST', '/api/storage/luns', body);
  }

  async moveLun(path: string, newPath: string): Promise<void> {
    const r = await this.send('PATCH', `/api/storage/luns?${this.q({ name: path })}`, { name: newPath });
    if (r.num_records === 0) throw new NaApiError(Z.EVDISK_ERROR_NO_SUCH_VDISK, `LUN ${path} does not exist`, 'PATCH /api/storage/luns');
  }

  async listLunMaps(path: string): Promise<LunMapInfo[]> {
    const recs = await this.collect(`/api/protocols/san/lun-maps?${this.q({ 'lun.name': path, fields: 'igroup.name,logical_unit_number' })}`);
    return recs.map((r) => ({ igroup: r.igroup?.name, lunId: Number(r.logical_unit_number) }));
  }

  async mapLun(path: string, igroup: string): Promise<number> {
    const r = await this.send('POST', '/api/protocols/san/lun-maps?return_records=true', {
      svm: { name: this.opts.vserver },
      lun: { name: path },
      igroup: { name: igroup },
    });
    return Number(r.records?.[0]?.logical_unit_number);
  }

  async unmapLun(path: string, igroup: string): Promise<void> {
    const recs = await this.collect(`/api/protocols/san/lun-maps?${this.q({ 'lun.name': path, 'igroup.name': igroup, fields: 'lun.uuid,igroup.uuid' })}`);
    const map = recs[0];
    if (!map) throw new NaApiError(Z.EVDISK_ERROR_NO_SUCH_LUNMAP, `LUN ${path} is not mapped to ${igroup} (REST code ${REST_ERRORS.NO_SUCH_LUN_MAP})`, 'DELETE /api/protocols/san/lun-maps');
    await this.send('DELETE', `/api/protocols/san/lun-maps/${map.lun.uuid}/${map.igroup.uuid}`);
  }

  findIgroupsForInitiator(initiator: string): Promise<IgroupInfo[]> {
    return this.igroups({ 'initiators.name': initiator });
  }

  listIgroups(): Promise<IgroupInfo[]> {
    return this.igroups({});
  }

  private async igroups(filter: Record<string, string>): Promise<IgroupInfo[]> {
    const recs = await this.collect(`/api/protocols/san/igroups?${this.q({ ...filter, fields: 'name,protocol,os_type,initiators.name' })}`);
    return recs.map((r) => ({
      name: r.name,
      type: r.protocol,
      osType: r.os_type,
      initiators: ((r.initiators as Json[]) ?? []).map((i) => i.name),
    }));
  }

  async createIgroup(name: string, type: string, osType: string, initiators: string[]): Promise<void> {
    await this.send('POST', '/api/protocols/san/igroups', {
      svm: { name: this.opts.vserver },
      name,
      protocol: type,
      os_type: osType,
      initiators: initiators.map((i) => ({ name: i })),
    });
  }

  async getIscsiTargetName(): Promise<string> {
    const recs = await this.collect(`/api/protocols/san/iscsi/services?${this.q({ fields: 'target.name,enabled' })}`);
    return recs[0]?.target?.name ?? '';
  }

  async getIscsiPortals(): Promise<IscsiPortal[]> {
    const recs = await this.collect(`/api/network/ip/interfaces?${this.q({ services: 'data_iscsi', fields: 'ip.address,enabled' })}`);
    // REST names no port (iSCSI's 3260) and no portal group tag; none is invented.
    return recs.map((r) => ({ address: r.ip?.address ?? '', port: 3260, tpgt: null, enabled: r.enabled !== false }));
  }

  /** Reads the initiator's credentials first, then adds or changes them; a racing add (5374142) changes them. */
  async setChap(initiator: string, username: string, secret: string): Promise<void> {
    const chap = { inbound: { user: username, password: secret } };
    const patch = () => this.send('PATCH', `/api/protocols/san/iscsi/credentials?${this.q({ initiator })}`, { authentication_type: 'chap', chap });
    const existing = await this.collect(`/api/protocols/san/iscsi/credentials?${this.q({ initiator, fields: 'authentication_type' })}`);
    if (existing.length > 0) return void (await patch());
    try {
      await this.send('POST', '/api/protocols/san/iscsi/credentials', { svm: { name: this.opts.vserver }, initiator, authentication_type: 'chap', chap });
    } catch (e) {
      if (!Z.isNaApiError(e, Z.EDUPLICATEENTRY)) throw e;
      await patch();
    }
  }

  close(): void {
    this.http.close();
  }
}

function lunFrom(r: Json): LunInfo {
  const parts = splitLunPath(r.name);
  return {
    path: r.name,
    name: parts.name,
    volume: r.location?.volume?.name ?? parts.volume,
    qtree: r.location?.qtree?.name ?? parts.qtree,
    sizeBytes: Number(r.space?.size ?? 0),
    osType: r.os_type ?? '',
    spaceReserved: r.space?.guarantee?.requested === true,
    spaceAllocation: r.space?.scsi_thin_provisioning_support_enabled === true,
    qosPolicyGroup: r.qos_policy?.name ?? null,
    qosAdaptive: false,
    uuid: r.uuid ?? null,
    serial: r.serial_number ?? null,
    online: r.status?.state === 'online',
    mapped: r.status?.mapped === true,
  };
}
