// The simulator's ONTAP REST side (cluster mode): /api/storage/{volumes,luns},
// /api/protocols/san/{igroups,lun-maps,iscsi/services,iscsi/credentials},
// /api/network/ip/interfaces and /api/cluster, over the same state as ZAPI, with
// paging by _links.next and errors as {"error":{"code","message"}}.
import { randomUUID } from 'node:crypto';
import { OntapState, SimError } from './ontap-state.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RestReply { status: number; body: Json }

export interface RestContext {
  state: OntapState;
  /** Records per page when the caller gives no max_records (0: all). */
  pageSize: number;
  /** When set, LUN writes answer 202 with a job (ONTAP 9.16's async LUN calls). */
  jobs?: Map<string, { state: 'running' | 'success' | 'failure'; code?: string; message?: string; polls: number }>;
  /** The X-Dot-SVM-Name header of the request (SVM tunnelling), if any. */
  svmHeader?: string | null;
}

/** Runs a LUN write as an async job when the simulator is set to: 202 + job link, result on poll. */
function asJob(ctx: RestContext, work: () => RestReply): RestReply {
  if (!ctx.jobs) return work();
  const uuid = randomUUID();
  try {
    work();
    ctx.jobs.set(uuid, { state: 'success', polls: 0 });
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    ctx.jobs.set(uuid, { state: 'failure', code: e.restCode, message: e.reason, polls: 0 });
  }
  return { status: 202, body: { job: { uuid, _links: { self: { href: `/api/cluster/jobs/${uuid}` } } } } };
}

const UUID = '[0-9a-f-]{36}';

/** The route template a request hits, for per-API call counting. */
export function restApiName(method: string, pathname: string): string {
  return `${method} ${pathname.replace(new RegExp(UUID, 'g'), '{uuid}')}`;
}

export function handleRest(ctx: RestContext, method: string, url: URL, body: Json | null): RestReply {
  try {
    // A tunnelled call names the SVM in X-Dot-SVM-Name; an unknown one is refused.
    checkSvm(ctx.state, ctx.svmHeader);
    return route(ctx, method, url, body ?? {});
  } catch (e) {
    if (e instanceof SimError) return { status: e.httpStatus, body: { error: { code: e.restCode, message: e.reason } } };
    return { status: 500, body: { error: { code: '13114', message: `Internal error: ${(e as Error).message}` } } };
  }
}

function checkSvm(s: OntapState, name: string | null | undefined): void {
  if (name && name !== s.vserver) throw new SimError('15698', `SVM "${name}" not found.`, 404, '2621462');
}

function collection(ctx: RestContext, url: URL, all: Json[]): RestReply {
  const max = Number(url.searchParams.get('max_records') ?? ctx.pageSize) || all.length || 1;
  const start = Number(url.searchParams.get('start') ?? 0);
  const records = all.slice(start, start + max);
  const body: Json = { records, num_records: records.length, _links: { self: { href: url.pathname + url.search } } };
  if (start + max < all.length) {
    const next = new URLSearchParams(url.searchParams);
    next.set('start', String(start + max));
    body._links.next = { href: `${url.pathname}?${next.toString()}` };
  }
  return { status: 200, body };
}

function lunRecord(s: OntapState, path: string): Json {
  const l = s.lun(path);
  return {
    uuid: l.uuid, name: l.path, svm: { name: l.vserver }, os_type: l.ostype, serial_number: l.serial,
    location: { volume: { name: l.volume }, qtree: { name: l.qtree }, logical_unit: l.name },
    space: { size: l.sizeBytes, guarantee: { requested: l.spaceReserved, reserved: l.spaceReserved }, scsi_thin_provisioning_support_enabled: l.spaceAllocation ?? false },
    status: { state: l.online ? 'online' : 'offline', mapped: s.isMapped(l.path) },
    ...(l.qosPolicy ? { qos_policy: { name: l.qosPolicy } } : {}),
  };
}

function igroupRecord(s: OntapState, name: string): Json {
  const g = s.igroup(name);
  return { uuid: g.uuid, name: g.name, svm: { name: g.vserver }, protocol: g.type, os_type: g.ostype, initiators: g.initiators.map((i) => ({ name: i })) };
}

function mapRecord(s: OntapState, m: { path: string; igroup: string; lunId: number }): Json {
  return {
    svm: { name: s.vserver },
    lun: { name: m.path, uuid: s.lun(m.path).uuid },
    igroup: { name: m.igroup, uuid: s.igroup(m.igroup).uuid },
    logical_unit_number: m.lunId,
  };
}

/** LUNs a query-style request (PATCH/DELETE /api/storage/luns?name=…) or a /{uuid} path selects. */
function selectLuns(s: OntapState, url: URL, uuid: string | undefined, notFoundCode: string): string[] {
  if (uuid) {
    const l = [...s.luns.values()].find((x) => x.uuid === uuid);
    if (!l) throw new SimError('9017', `LUN ${uuid} not found.`, 404, notFoundCode);
    return [l.path];
  }
  const name = url.searchParams.get('name');
  if (!name) throw new SimError('13115', 'A query is required for a collection PATCH or DELETE.', 400, '262179');
  return s.luns.has(name) ? [name] : [];
}

function route(ctx: RestContext, method: string, url: URL, body: Json): RestReply {
  const s = ctx.state;
  const p = url.pathname.replace(/\/+$/, '');
  const q = url.searchParams;
  checkSvm(s, q.get('svm.name'));
  let m: RegExpMatchArray | null;

  if (method === 'GET' && p === '/api/cluster') {
    const v = s.version;
    return { status: 200, body: { name: 'sim-cluster', version: { generation: v.generation, major: v.restMajor, minor: v.restMinor, full: `NetApp Release ${v.generation}.${v.restMajor}.${v.restMinor}` } } };
  }
  if (method === 'GET' && (m = p.match(/^\/api\/cluster\/jobs\/([^/]+)$/))) {
    const job = ctx.jobs?.get(m[1]!);
    if (!job) throw new SimError('15661', `Job ${m[1]} not found.`, 404, '4');
    // A job reports running on its first poll, so clients must really poll.
    const state = job.polls++ === 0 ? 'running' : job.state;
    return { status: 200, body: { uuid: m[1], state, ...(state === 'failure' ? { code: job.code, message: job.message } : {}) } };
  }
  if (method === 'GET' && p === '/api/storage/volumes') {
    // Query filters as ONTAP applies them; `style` takes a trailing * (flex* = flexvol and flexgroup).
    const match = (field: string, actual: string): boolean => {
      const want = q.get(field);
      if (want === null) return true;
      return want.endsWith('*') ? actual.startsWith(want.slice(0, -1)) : want === actual;
    };
    const recs = [...s.volumes.values()].filter((v) =>
      match('name', v.name) && match('type', v.type) && match('style', v.style) && match('is_svm_root', String(v.isSvmRoot)) &&
      match('error_state.is_inconsistent', String(v.inconsistent)) && match('state', v.state));
    return collection(ctx, url, recs.map((v) => ({
      uuid: v.uuid, name: v.name, svm: { name: v.vserver }, state: v.state, type: v.type, style: v.style, is_svm_root: v.isSvmRoot,
      error_state: { is_inconsistent: v.inconsistent }, aggregates: [{ name: v.aggregate }], guarantee: { type: v.guarantee },
      space: { size: v.totalBytes, afs_total: s.afsTotal(v.name), available: s.availableBytes(v.name), snapshot: { reserve_percent: v.snapshotReservePercent } },
    })));
  }
  if ((m = p.match(/^\/api\/storage\/luns(?:\/([^/]+))?$/))) {
    const uuid = m[1];
    if (method === 'GET') {
      const name = q.get('name');
      const vol = q.get('location.volume.name');
      const recs = [...s.luns.values()].filter((l) => (!name || l.path === name) && (!vol || l.volume === vol) && (!uuid || l.uuid === uuid));
      if (uuid) {
        if (recs.length === 0) throw new SimError('9017', `LUN ${uuid} not found.`, 404, '4');
        return { status: 200, body: lunRecord(s, recs[0]!.path) };
      }
      return collection(ctx, url, recs.map((l) => lunRecord(s, l.path)));
    }
    if (method === 'POST' && !uuid) return asJob(ctx, () => {
      checkSvm(s, body.svm?.name);
      if (typeof body.name !== 'string') throw new SimError('13115', 'Field "name" is required.', 400, '262179');
      const reserved = body.space?.guarantee?.requested === true;
      // qos_policy.name names a fixed or an adaptive policy group alike.
      const qosName: string | undefined = body.qos_policy?.name;
      const qos = qosName ? { name: qosName, adaptive: s.adaptiveQosPolicies.has(qosName) } : undefined;
      if (body.clone?.source?.name) {
        if (body.os_type !== undefined || body.space?.size !== undefined) throw new SimError('13115', 'Fields "os_type" and "space.size" are not allowed with "clone".', 400, '262179');
        s.cloneLun(body.clone.source.name, body.name, reserved, '9012', qos);
      } else {
        if (!body.os_type || body.space?.size === undefined) throw new SimError('13115', 'Fields "os_type" and "space.size" are required.', 400, '262179');
        s.createLun(body.name, Number(body.space.size), body.os_type, reserved, qos?.name, {
          spaceAllocation: body.space?.scsi_thin_provisioning_support_enabled === true, adaptive: qos?.adaptive ?? false,
        });
      }
      return { status: 201, body: q.get('return_records') === 'true' ? { num_records: 1, records: [lunRecord(s, body.name)] } : {} };
    });
    if (method === 'DELETE') {
      const paths = selectLuns(s, url, uuid, '5374875');
      for (const path of paths) s.destroyLun(path, q.get('allow_delete_while_mapped') === 'true');
      return { status: 200, body: { num_records: paths.length } };
    }
    if (method === 'PATCH') {
      const paths = selectLuns(s, url, uuid, '5374876');
      for (const path of paths) {
        // REST refuses to shrink a LUN (5374892).
        if (body.space?.size !== undefined) s.resizeLun(path, Number(body.space.size), false);
        if (typeof body.name === 'string' && body.name !== path) s.moveLun(path, body.name);
      }
      return { status: 200, body: { num_records: paths.length } };
    }
  }
  if ((m = p.match(/^\/api\/protocols\/san\/lun-maps(?:\/([^/]+)\/([^/]+))?$/))) {
    if (method === 'GET' && !m[1]) {
      const lun = q.get('lun.name');
      const ig = q.get('igroup.name');
      return collection(ctx, url, s.maps.filter((x) => (!lun || x.path === lun) && (!ig || x.igroup === ig)).map((x) => mapRecord(s, x)));
    }
    if (method === 'POST' && !m[1]) {
      checkSvm(s, body.svm?.name);
      const lun = body.lun?.name;
      const ig = body.igroup?.name;
      if (!lun || !ig) throw new SimError('13115', 'Fields "lun.name" and "igroup.name" are required.', 400, '262179');
      const id = s.mapLun(lun, ig, body.logical_unit_number);
      const rec = mapRecord(s, { path: lun, igroup: ig, lunId: id });
      return { status: 201, body: q.get('return_records') === 'true' ? { num_records: 1, records: [rec] } : {} };
    }
    if (method === 'DELETE' && m[1]) {
      const lun = [...s.luns.values()].find((x) => x.uuid === m![1]);
      const ig = [...s.igroups.values()].find((x) => x.uuid === m![2]);
      if (!ig) throw new SimError('9003', `igroup ${m[2]} not found.`, 404, '5374878');
      if (!lun) throw new SimError('9016', 'LUN map not found.', 404, '5374922');
      s.unmapLun(lun.path, ig.name);
      return { status: 200, body: {} };
    }
  }
  if ((m = p.match(/^\/api\/protocols\/san\/igroups(?:\/([^/]+)(\/initiators)?)?$/))) {
    if (method === 'GET' && !m[1]) {
      const ini = q.get('initiators.name');
      const name = q.get('name');
      return collection(ctx, url, [...s.igroups.values()].filter((g) => (!ini || g.initiators.includes(ini)) && (!name || g.name === name)).map((g) => igroupRecord(s, g.name)));
    }
    if (method === 'POST' && !m[1]) {
      checkSvm(s, body.svm?.name);
      if (!body.name) throw new SimError('13115', 'Field "name" is required.', 400, '262179');
      s.createIgroup(body.name, body.protocol ?? 'mixed', body.os_type ?? 'linux');
      try {
        for (const i of (body.initiators ?? []) as Json[]) s.addInitiator(body.name, i.name);
      } catch (e) {
        s.igroups.delete(body.name); // ONTAP creates the igroup with its initiators atomically
        throw e;
      }
      return { status: 201, body: { num_records: 1, records: [igroupRecord(s, body.name)] } };
    }
    if (method === 'POST' && m[1] && m[2]) {
      const g = [...s.igroups.values()].find((x) => x.uuid === m![1]);
      if (!g) throw new SimError('9003', `igroup ${m[1]} not found.`, 404, '5374852');
      for (const i of (body.records ?? [body]) as Json[]) s.addInitiator(g.name, i.name);
      return { status: 201, body: {} };
    }
    if (method === 'DELETE' && m[1] && !m[2]) {
      const g = [...s.igroups.values()].find((x) => x.uuid === m![1]);
      if (!g) throw new SimError('9003', `igroup ${m[1]} not found.`, 404, '5374852');
      s.destroyIgroup(g.name);
      return { status: 200, body: {} };
    }
  }
  if (method === 'GET' && p === '/api/protocols/san/iscsi/services') {
    return collection(ctx, url, [{ svm: { name: s.vserver }, enabled: true, target: { name: s.nodeName, alias: s.vserver } }]);
  }
  if (p === '/api/protocols/san/iscsi/credentials') {
    if (method === 'GET') {
      const ini = q.get('initiator');
      const recs = [...s.chap.entries()].filter(([i]) => !ini || i === ini)
        .map(([i, c]) => ({ svm: { name: s.vserver }, initiator: i, authentication_type: 'chap', chap: { inbound: { user: c.user } } }));
      return collection(ctx, url, recs);
    }
    if (method === 'POST') {
      checkSvm(s, body.svm?.name);
      s.setChap(body.initiator, body.chap?.inbound?.user, body.chap?.inbound?.password, true);
      return { status: 201, body: {} };
    }
    if (method === 'PATCH') {
      const ini = q.get('initiator') ?? '';
      s.setChap(ini, body.chap?.inbound?.user, body.chap?.inbound?.password, false);
      return { status: 200, body: { num_records: 1 } };
    }
  }
  if (method === 'GET' && p === '/api/network/ip/interfaces') {
    const svc = q.get('services');
    const recs = svc && svc !== 'data_iscsi' ? [] : s.portals.map((x) => ({ name: x.interfaceName, svm: { name: s.vserver }, ip: { address: x.address }, enabled: x.enabled, services: ['data_iscsi'] }));
    return collection(ctx, url, recs);
  }
  throw new SimError('13005', `API not found: ${method} ${p}`, 404, '3');
}
