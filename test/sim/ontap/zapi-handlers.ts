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
  clones: Map<string, { state: 'running' | 'completed' | 'failed'; polls: number; dest?: string; error?: { errno: string; reason: string } }>;
  /** 7-mode clones still to start that will fail with these (OntapSimulator.failNextClone). */
  cloneFailures?: { errno: string; reason: string }[];
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
    'is-space-alloc-enabled': b(l.spaceAllocation ?? false), 'block-size': l.blockSize ?? 512,
  });
  if (cmode) {
    el.translateStruct({ volume: l.volume, qtree: l.qtree, vserver: l.vserver });
    if (l.qosPolicy) el.addNewChild(l.qosAdaptive ? 'qos-adaptive-policy-group' : 'qos-policy-group', l.qosPolicy);
  }
  return el;
}

/** A true/false input: absent is null; anything else than true/false is refused as ONTAP does. */
function flag(r: NaElement, name: string): boolean | null {
  const v = r.getChildContent(name);
  if (v === null) return null;
  if (v !== 'true' && v !== 'false') throw new SimError('13115', `Invalid value specified for "${name}": ${v}`);
  return v === 'true';
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
      // use-exact-size came with ONTAPI 1.110; older systems refuse the unknown input.
      const exact = flag(r, 'use-exact-size');
      if (exact !== null && (ctx.mode === '7mode' || s.version.minor < 110)) throw new SimError('13115', 'Extra input: use-exact-size');
      const fixed = r.getChildContent('qos-policy-group');
      const adaptive = r.getChildContent('qos-adaptive-policy-group');
      if ((fixed || adaptive) && ctx.mode === '7mode') throw new SimError('13115', 'Extra input: qos-policy-group');
      if (fixed && adaptive) throw new SimError('13115', 'qos-policy-group and qos-adaptive-policy-group exclude each other');
      const l = s.createLun(req(r, 'path'), Number(req(r, 'size')), r.getChildContent('ostype') ?? 'linux', flag(r, 'space-reservation-enabled') !== false, fixed ?? adaptive ?? undefined, {
        exact: exact === true, spaceAllocation: flag(r, 'space-allocation-enabled') ?? false, adaptive: !fixed && !!adaptive,
      });
      out.addNewChild('actual-size', l.sizeBytes);
    },
    'lun-destroy': (r) => s.destroyLun(req(r, 'path'), r.getChildContent('force') === 'true'),
    'lun-resize': (r, out) => {
      s.resizeLun(req(r, 'path'), Number(req(r, 'size')), r.getChildContent('force') === 'true');
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
    'iscsi-initiator-add-auth': (r) => {
      if (req(r, 'auth-type').toUpperCase() !== 'CHAP') throw new SimError('13115', 'Only CHAP is simulated');
      s.setChap(req(r, 'initiator'), req(r, 'user-name'), req(r, 'password'), true);
    },
    'iscsi-initiator-get-auth': (r, out) => {
      const c = s.getChap(req(r, 'initiator'));
      out.addNewChild('auth-type', 'CHAP').addNewChild('user-name', c.user);
    },
    'iscsi-initiator-delete-auth': (r) => s.deleteChap(req(r, 'initiator')),
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
      // The query fields Cinder sends: type, style, owner; root, inconsistent, invalid, state.
      const idq = r.path('query', 'volume-attributes', 'volume-id-attributes');
      const stq = r.path('query', 'volume-attributes', 'volume-state-attributes');
      const want = (q: NaElement | null | undefined, name: string, actual: string): boolean => {
        const v = q?.getChildContent(name);
        return v === null || v === undefined || v === '*' || v === actual;
      };
      const recs = [...s.volumes.values()]
        .filter((v) => want(idq, 'type', v.type) && want(idq, 'style', v.style === 'flexvol' ? 'flex' : v.style) && want(idq, 'owning-vserver-name', v.vserver))
        .filter((v) => want(stq, 'is-vserver-root', b(v.isSvmRoot)) && want(stq, 'is-inconsistent', b(v.inconsistent)) && want(stq, 'is-invalid', b(v.invalid)) && want(stq, 'state', v.state))
        .map((v) =>
          NaElement.create('volume-attributes', {
            'volume-id-attributes': { name: v.name, 'owning-vserver-name': v.vserver, 'containing-aggregate-name': v.aggregate, uuid: v.uuid, type: v.type, style: v.style === 'flexvol' ? 'flex' : v.style },
            // size-total is the size less the snapshot reserve (what afs_total is over REST).
            'volume-space-attributes': { size: v.totalBytes, 'size-total': s.afsTotal(v.name), 'size-available': s.availableBytes(v.name), 'space-guarantee': v.guarantee, 'percentage-snapshot-reserve': v.snapshotReservePercent },
            'volume-state-attributes': { state: v.state, 'is-vserver-root': b(v.isSvmRoot), 'is-inconsistent': b(v.inconsistent), 'is-invalid': b(v.invalid) },
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
      // Paths are relative to the FlexVol and include the qtree.
      const volume = req(r, 'volume');
      const fixed = r.getChildContent('qos-policy-group-name');
      const adaptive = r.getChildContent('qos-adaptive-policy-group-name');
      const qos = fixed ? { name: fixed, adaptive: false } : adaptive ? { name: adaptive, adaptive: true } : undefined;
      s.cloneLun(`/vol/${volume}/${req(r, 'source-path')}`, `/vol/${volume}/${req(r, 'destination-path')}`, flag(r, 'space-reserve') !== false, '14952', qos);
    },
    'iscsi-initiator-modify-chap-params': (r) => {
      if (r.getChildContent('auth-type') !== null) throw new SimError('13115', 'Extra input: auth-type');
      s.getChap(req(r, 'initiator'));
      s.setChap(req(r, 'initiator'), req(r, 'user-name'), req(r, 'password'), false);
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
          name: v.name, uuid: v.uuid, 'containing-aggregate': v.aggregate, 'size-total': s.afsTotal(v.name),
          'size-available': s.availableBytes(v.name), 'space-reserve': v.guarantee, state: v.state,
          'is-inconsistent': b(v.inconsistent), 'is-invalid': b(v.invalid),
        }));
      }
      out.addChild(vols);
    },
    'volume-options-list-info': (r, out) => {
      const name = req(r, 'volume');
      const v = s.volumes.get(name);
      if (!v) throw new SimError('13040', `No volume named ${name} exists`);
      const opts = new NaElement('options');
      for (const [k, val] of [['root', b(v.isRoot)], ['fractional_reserve', '100'], ['guarantee', v.guarantee]] as const) {
        opts.addChild(NaElement.create('volume-option-info', { name: k, value: val }));
      }
      out.addChild(opts);
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
      // The clone starts with its source's space reservation.
      s.cloneLun(req(r, 'source-path'), req(r, 'destination-path'), null);
      const opId = String(ctx.clones.size + 1);
      ctx.clones.set(opId, { state: 'running', polls: 0, dest: req(r, 'destination-path'), error: ctx.cloneFailures?.shift() });
      out.addChild(NaElement.create('clone-id', { 'clone-id-info': { 'clone-op-id': opId, 'volume-uuid': s.volumes.get(OntapState.splitPath(req(r, 'source-path')).volume)!.uuid } }));
    },
    'clone-list-status': (r, out) => {
      const opId = r.path('clone-id', 'clone-id-info')?.getChildContent('clone-op-id') ?? '';
      const op = ctx.clones.get(opId);
      if (!op) throw new SimError('13115', `No such clone operation: ${opId}`);
      // A clone runs for one poll, then completes (or fails, leaving no LUN): the client must really poll.
      if (op.state === 'running' && ++op.polls > 1) {
        op.state = op.error ? 'failed' : 'completed';
        if (op.error && op.dest && s.luns.has(op.dest)) s.destroyLun(op.dest, true);
      }
      const info: Record<string, string> = { 'clone-state': op.state, 'clone-op-id': opId };
      if (op.state === 'failed' && op.error) Object.assign(info, { error: op.error.errno, reason: op.error.reason });
      out.addChild(NaElement.create('status', { 'ops-info': info }));
    },
    'lun-set-space-reservation-info': (r) => {
      const l = s.lun(req(r, 'path'));
      l.spaceReserved = r.getChildContent('enable') === 'true';
    },
  };
}
