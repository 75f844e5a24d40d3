// The simulator's ZAPI side: parses the `netapp` envelope, checks version and vfiler/
// vserver tunnelling, dispatches to the 7-mode or cluster-mode API set, and answers
// with `<results status=…>` carrying ONTAP's errno and reason on failure.
import { NaElement } from '../../../src/drivers/netapp/ontap/zapi/na-element.js';
import { OntapState, SimError } from './ontap-state.js';

export type SimMode = 'cmode' | '7mode';

const PREFIX = `<?xml version='1.0' encoding='UTF-8' ?>\n<!DOCTYPE netapp SYSTEM 'file:/etc/netapp_gx.dtd'>\n`;

type Handler = (req: NaElement, out: NaElement) => void;

export interface ZapiContext {
  state: OntapState;
  mode: SimMode;
  /** 7-mode: the vFiler name accepted in the envelope (null: no vFilers). */
  vfiler: string | null;
  clones: Map<string, { state: 'running' | 'completed' | 'failed'; polls: number }>;
}

/** Calls answered outside any SVM/vFiler (cluster or node scope). */
const UNTUNNELLED = new Set(['system-get-ontapi-version', 'system-get-version']);

export function envelope(version: string, results: NaElement): string {
  return `${PREFIX}<netapp version='${version}' xmlns='http://www.netapp.com/filer/admin'>${results.toXml()}</netapp>`;
}

export function failed(errno: string, reason: string): NaElement {
  return new NaElement('results').setAttr('status', 'failed').setAttr('errno', errno).setAttr('reason', reason);
}

const b = (v: boolean): string => (v ? 'true' : 'false');
const req = (el: NaElement, name: string): string => {
  const v = el.getChildContent(name);
  if (v === null || v === '') throw new SimError('13115', `Missing input: ${name}`);
  return v;
};

/** Returns the API name called (for counting) and the reply XML. */
export function handleZapi(ctx: ZapiContext, body: string): { api: string; xml: string } {
  const version = `${ctx.state.version.major}.${ctx.state.version.minor}`;
  let doc: NaElement;
  try {
    doc = NaElement.parse(body);
  } catch {
    return { api: '(unparseable)', xml: envelope(version, failed('13001', 'Unable to parse the request XML')) };
  }
  const api = doc.getChildren()[0];
  if (doc.name !== 'netapp' || !api) return { api: '(bad-envelope)', xml: envelope(version, failed('13001', 'Request is not a netapp envelope with one API')) };
  if (!doc.getAttr('version')) return { api: api.name, xml: envelope(version, failed('13001', 'Missing version attribute in netapp element')) };
  const handlers = ctx.mode === 'cmode' ? cmodeHandlers(ctx) : sevenModeHandlers(ctx);
  const handler = handlers[api.name];
  if (!handler) return { api: api.name, xml: envelope(version, failed('13005', `Unable to find API: ${api.name}`)) };
  const tunnel = doc.getAttr('vfiler');
  if (ctx.mode === 'cmode' && !UNTUNNELLED.has(api.name)) {
    if (!tunnel) return { api: api.name, xml: envelope(version, failed('13005', `Unable to find API: ${api.name} (vserver-scoped API called in cluster context)`)) };
    if (tunnel !== ctx.state.vserver) return { api: api.name, xml: envelope(version, failed('15698', `Vserver ${tunnel} not found`)) };
  }
  if (ctx.mode === '7mode' && tunnel && tunnel !== ctx.vfiler) {
    return { api: api.name, xml: envelope(version, failed('13115', `vFiler ${tunnel} does not exist`)) };
  }
  const out = new NaElement('results').setAttr('status', 'passed');
  try {
    handler(api, out);
  } catch (e) {
    if (e instanceof SimError) return { api: api.name, xml: envelope(version, failed(e.errno, e.reason)) };
    return { api: api.name, xml: envelope(version, failed('13114', `Internal error: ${(e as Error).message}`)) };
  }
  return { api: api.name, xml: envelope(version, out) };
}

function lunInfo(s: OntapState, path: string, cmode: boolean): NaElement {
  const l = s.lun(path);
  const el = NaElement.create('lun-info', {
    path: l.path, size: l.sizeBytes, online: b(l.online), mapped: b(s.isMapped(l.path)), 'serial-number': l.serial,
    uuid: l.uuid, 'multiprotocol-type': l.ostype, 'is-space-reservation-enabled': b(l.spaceReserved),
  });
  if (cmode) el.translateStruct({ volume: l.volume, qtree: l.qtree, vserver: l.vserver });
  return el;
}

function igroupInfo(s: OntapState, name: string): NaElement {
  const g = s.igroup(name);
  return NaElement.create('initiator-group-info', {
    'initiator-group-name': g.name, 'initiator-group-type': g.type, 'initiator-group-os-type': g.ostype,
    'initiator-group-uuid': g.uuid,
    initiators: g.initiators.map((i) => ({ 'initiator-info': { 'initiator-name': i } })),
  });
}

/** The calls both families answer the same way. */
function commonHandlers(ctx: ZapiContext): Record<string, Handler> {
  const s = ctx.state;
  return {
    'system-get-ontapi-version': (_r, out) => {
      out.addNewChild('major-version', s.version.major).addNewChild('minor-version', ctx.mode === '7mode' ? Math.min(s.version.minor, 19) : s.version.minor);
    },
    'lun-create-by-size': (r, out) => {
      const l = s.createLun(req(r, 'path'), Number(req(r, 'size')), r.getChildContent('ostype') ?? 'linux', r.getChildContent('space-reservation-enabled') !== 'false', r.getChildContent('qos-policy-group') ?? undefined);
      out.addNewChild('actual-size', l.sizeBytes);
    },
    'lun-destroy': (r) => s.destroyLun(req(r, 'path'), r.getChildContent('force') === 'true'),
    'lun-resize': (r, out) => {
      s.resizeLun(req(r, 'path'), Number(req(r, 'size')));
      out.addNewChild('actual-size', s.lun(req(r, 'path')).sizeBytes);
    },
    'lun-move': (r) => s.moveLun(req(r, 'path'), req(r, 'new-path')),
    'lun-map': (r, out) => {
      const id = r.getChildContent('lun-id');
      out.addNewChild('lun-id-assigned', s.mapLun(req(r, 'path'), req(r, 'initiator-group'), id === null ? undefined : Number(id)));
    },
    'lun-unmap': (r) => s.unmapLun(req(r, 'path'), req(r, 'initiator-group')),
    'igroup-create': (r) => {
      s.createIgroup(req(r, 'initiator-group-name'), r.getChildContent('initiator-group-type') ?? 'iscsi', r.getChildContent('os-type') ?? 'default');
    },
    'igroup-add': (r) => s.addInitiator(req(r, 'initiator-group-name'), req(r, 'initiator')),
    'igroup-destroy': (r) => s.destroyIgroup(req(r, 'initiator-group-name')),
    'iscsi-initiator-add-auth': (r) => s.setChap(req(r, 'initiator'), req(r, 'user-name'), req(r, 'password'), true),
    'iscsi-initiator-modify-auth': (r) => s.setChap(req(r, 'initiator'), req(r, 'user-name'), req(r, 'password'), false),
  };
}

/** Runs an iterator page: `max-records` (default 20) from the offset `tag` encodes. */
function page(r: NaElement, out: NaElement, records: NaElement[]): void {
  const max = Number(r.getChildContent('max-records') ?? 20);
  const tag = r.getChildContent('tag');
  const start = tag ? Number(Buffer.from(tag, 'base64').toString('utf8').replace('offset:', '')) : 0;
  const slice = records.slice(start, start + max);
  if (slice.length > 0) {
    const list = new NaElement('attributes-list');
    for (const rec of slice) list.addChild(rec);
    out.addChild(list);
  }
  out.addNewChild('num-records', slice.length);
  if (start + max < records.length) out.addNewChild('next-tag', Buffer.from(`offset:${start + max}`).toString('base64'));
}

function cmodeHandlers(ctx: ZapiContext): Record<string, Handler> {
  const s = ctx.state;
  return {
    ...commonHandlers(ctx),
    'volume-get-iter': (r, out) => {
      const recs = [...s.volumes.values()].map((v) =>
        NaElement.create('volume-attributes', {
          'volume-id-attributes': { name: v.name, 'owning-vserver-name': v.vserver, 'containing-aggregate-name': v.aggregate, uuid: v.uuid },
          'volume-space-attributes': { 'size-total': v.totalBytes, 'size-available': s.availableBytes(v.name), 'space-guarantee': v.guarantee },
          'volume-state-attributes': { state: v.state },
        }),
      );
      page(r, out, recs);
    },
    'lun-get-iter': (r, out) => {
      const q = r.path('query', 'lun-info');
      const path = q?.getChildContent('path');
      const volume = q?.getChildContent('volume');
      const recs = [...s.luns.values()].filter((l) => (!path || l.path === path) && (!volume || l.volume === volume)).map((l) => lunInfo(s, l.path, true));
      page(r, out, recs);
    },
    'lun-map-get-iter': (r, out) => {
      const path = r.path('query', 'lun-map-info')?.getChildContent('path');
      const recs = s.maps.filter((m) => !path || m.path === path).map((m) =>
        NaElement.create('lun-map-info', { path: m.path, 'initiator-group': m.igroup, 'lun-id': m.lunId, vserver: s.vserver }),
      );
      page(r, out, recs);
    },
    'igroup-get-iter': (r, out) => {
      const name = r.path('query', 'initiator-group-info', 'initiators', 'initiator-info')?.getChildContent('initiator-name');
      const recs = [...s.igroups.values()].filter((g) => !name || g.initiators.includes(name)).map((g) => igroupInfo(s, g.name));
      page(r, out, recs);
    },
    'iscsi-service-get-iter': (r, out) => {
      page(r, out, [NaElement.create('iscsi-service-info', { 'node-name': s.nodeName, 'is-available': 'true', vserver: s.vserver })]);
    },
    'iscsi-interface-get-iter': (r, out) => {
      page(r, out, s.portals.map((p) => NaElement.create('iscsi-interface-list-entry-info', {
        'ip-address': p.address, 'ip-port': p.port, 'tpgroup-tag': p.tpgt, 'is-interface-enabled': b(p.enabled), 'interface-name': p.interfaceName, vserver: s.vserver,
      })));
    },
    'clone-create': (r) => {
      const volume = req(r, 'volume');
      s.cloneLun(`/vol/${volume}/${req(r, 'source-path')}`, `/vol/${volume}/${req(r, 'destination-path')}`, r.getChildContent('space-reserve') === 'true', '14952');
    },
  };
}

function sevenModeHandlers(ctx: ZapiContext): Record<string, Handler> {
  const s = ctx.state;
  return {
    ...commonHandlers(ctx),
    'volume-list-info': (_r, out) => {
      const vols = new NaElement('volumes');
      for (const v of s.volumes.values()) {
        vols.addChild(NaElement.create('volume-info', {
          name: v.name, uuid: v.uuid, 'containing-aggregate': v.aggregate, 'size-total': v.totalBytes,
          'size-available': s.availableBytes(v.name), 'space-reserve': v.guarantee, state: v.state,
        }));
      }
      out.addChild(vols);
    },
    'lun-list-info': (r, out) => {
      const path = r.getChildContent('path');
      const volume = r.getChildContent('volume-name');
      if (path) s.lun(path);
      const luns = new NaElement('luns');
      for (const l of s.luns.values()) {
        if ((!path || l.path === path) && (!volume || l.volume === volume)) luns.addChild(lunInfo(s, l.path, false));
      }
      out.addChild(luns);
    },
    'lun-map-list-info': (r, out) => {
      const path = req(r, 'path');
      s.lun(path);
      const groups = new NaElement('initiator-groups');
      for (const m of s.maps.filter((x) => x.path === path)) {
        groups.addChild(igroupInfo(s, m.igroup).addNewChild('lun-id', m.lunId));
      }
      out.addChild(groups);
    },
    'igroup-list-info': (r, out) => {
      const name = r.getChildContent('initiator-group-name');
      const groups = new NaElement('initiator-groups');
      for (const g of s.igroups.values()) if (!name || g.name === name) groups.addChild(igroupInfo(s, g.name));
      if (name && !groups.hasChildren()) s.igroup(name);
      out.addChild(groups);
    },
    'iscsi-node-get-name': (_r, out) => {
      out.addNewChild('node-name', s.nodeName);
    },
    'iscsi-portal-list-info': (_r, out) => {
      const list = new NaElement('iscsi-portal-list-entries');
      // 7-mode lists only the portals that are up.
      for (const p of s.portals.filter((x) => x.enabled)) {
        list.addChild(NaElement.create('iscsi-portal-list-entry-info', { 'ip-address': p.address, 'ip-port': p.port, 'tpgroup-tag': p.tpgt, 'interface-name': p.interfaceName }));
      }
      out.addChild(list);
    },
    'clone-start': (r, out) => {
      s.cloneLun(req(r, 'source-path'), req(r, 'destination-path'), true);
      const opId = String(ctx.clones.size + 1);
      ctx.clones.set(opId, { state: 'running', polls: 0 });
      out.addChild(NaElement.create('clone-id', { 'clone-id-info': { 'clone-op-id': opId, 'volume-uuid': s.volumes.get(OntapState.splitPath(req(r, 'source-path')).volume)!.uuid } }));
    },
    'clone-list-status': (r, out) => {
      const opId = r.path('clone-id', 'clone-id-info')?.getChildContent('clone-op-id') ?? '';
      const op = ctx.clones.get(opId);
      if (!op) throw new SimError('13115', `No such clone operation: ${opId}`);
      // A clone runs for one poll, then completes: the client must really poll.
      if (op.state === 'running' && ++op.polls > 1) op.state = 'completed';
      out.addChild(NaElement.create('status', { 'ops-info': { 'clone-state': op.state, 'clone-op-id': opId } }));
    },
    'lun-set-space-reservation-info': (r) => {
      const l = s.lun(req(r, 'path'));
      l.spaceReserved = r.getChildContent('enable') === 'true';
    },
  };
}
