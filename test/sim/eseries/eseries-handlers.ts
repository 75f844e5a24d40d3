// The REST routes of the simulated array under /devmgr/v2/storage-systems/{id}/, answering
// with the objects' JSON as Web Services shapes them. Each route is `METHOD /template`
// (the name fault rules and call counts use).
import { EsSimError, GiB, HOST_TYPES, CONTROLLER_A, CONTROLLER_B, type EseriesState, type SimImage, type SimMapping, type SimVol } from './eseries-state.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export interface Reply { status: number; body: Json }
type Handler = (st: EseriesState, p: string[], body: Json, query: URLSearchParams) => Reply;

const ok = (body: Json, status = 200): Reply => ({ status, body });
const NO_GROUP = '0000000000000000000000000000000000000000';

function unitBytes(size: unknown, unit: unknown): number {
  const n = Number(size);
  if (!Number.isFinite(n) || n <= 0) throw new EsSimError(422, 'illegalParam', `size '${String(size)}' is not a positive number`);
  const mult: Record<string, number> = { bytes: 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: GiB, tb: 1024 ** 4 };
  const m = mult[String(unit ?? 'gb').toLowerCase()];
  if (!m) throw new EsSimError(422, 'illegalParam', `sizeUnit '${String(unit)}' is unknown`);
  return Math.round(n * m);
}

function mappingJson(m: SimMapping, st: EseriesState): Json {
  return { lunMappingRef: m.ref, id: m.ref, lun: m.lun, ssid: m.lun, volumeRef: m.volumeRef, mapRef: m.mapRef, type: st.groups.has(m.mapRef) ? 'cluster' : 'host', perms: 15 };
}

export function volumeJson(v: SimVol, st: EseriesState): Json {
  const pool = st.pools.get(v.poolId);
  const maps = [...st.mappings.values()].filter((m) => m.volumeRef === v.id).map((m) => mappingJson(m, st));
  return {
    id: v.id, volumeRef: v.id, label: v.label, name: v.label, wwn: v.wwn, worldWideName: v.wwn, capacity: String(v.sizeBytes), totalSizeInBytes: String(v.sizeBytes),
    volumeGroupRef: v.poolId, currentManager: v.controller, preferredManager: v.controller, thinProvisioned: v.thin,
    objectType: v.thin ? 'thinVolume' : 'volume', volumeUse: 'standardVolume', status: 'optimal', mapped: maps.length > 0, listOfMappings: maps,
    flashCached: v.flashCached, dataAssurance: v.dataAssurance, diskPool: pool?.diskPool ?? false, raidLevel: pool?.raidLevel ?? 'raid6', segmentSize: 131072,
    ...(v.thin ? { provisionedCapacityQuota: String(v.sizeBytes), currentProvisionedCapacity: String(v.repositoryBytes) } : {}),
  };
}

function imageJson(i: SimImage, st: EseriesState): Json {
  return {
    id: i.id, pitRef: i.id, pitGroupRef: i.groupId, baseVol: i.baseVol, pitSequenceNumber: String(i.seq), pitTimestamp: String(i.timestamp), status: 'optimal',
    consistencyGroupId: i.cgId ?? NO_GROUP, ...(i.cgSeq !== null ? { cgSequenceNumber: String(i.cgSeq) } : {}),
    pitCapacity: String(st.volumes.get(i.baseVol)?.sizeBytes ?? 0),
  };
}

function viewJson(v: SimVol): Json {
  return { id: v.id, viewRef: v.id, label: v.label, name: v.label, basePIT: v.view?.imageId, viewMode: 'readOnly', capacity: String(v.sizeBytes), currentManager: v.controller };
}

const routes: [string, RegExp, Handler][] = [];
function route(method: string, template: string, h: Handler): void {
  const re = new RegExp('^' + template.replace(/\{[a-z]+\}/g, '([^/]+)') + '/?$');
  routes.push([`${method} ${template}`, new RegExp(`^${method} ${re.source.slice(1)}`), h]);
}

route('GET', 'storage-pools', (st) =>
  ok([...st.pools.values()].map((p) => {
    const used = st.usedBytes(p.id);
    return {
      id: p.id, volumeGroupRef: p.id, label: p.label, name: p.label, raidLevel: p.raidLevel, totalRaidedSpace: String(p.totalBytes), usedSpace: String(used),
      freeSpace: String(p.totalBytes - used), diskPool: p.diskPool, securityType: p.securityType, state: 'complete', raidStatus: 'optimal',
    };
  })));
route('GET', 'ssc/pools', (st) =>
  ok([...st.pools.values()].map((p) => ({
    poolId: p.id, flashCacheCapable: p.flashCacheCapable, dataAssuranceCapable: p.dataAssuranceCapable, encrypted: p.encrypted,
    thinProvisioningCapable: p.diskPool, spindleSpeed: p.spindleSpeed, raidLevel: p.raidLevel, spindleSpeedMatch: true,
  }))));
route('GET', 'drives', (st) =>
  ok([...st.pools.values()].flatMap((p, i) => [0, 1, 2].map((d) => ({
    id: `010000${String(i).padStart(4, '0')}${d}`, currentVolumeGroupRef: p.id, driveMediaType: p.mediaType, interfaceType: { driveType: p.driveType },
  })))));
route('GET', 'storage-pools/{id}/action-progress', (st, [id]) => ok(st.actionProgress(id!)));

route('POST', 'ssc/volumes', (st, _p, b) => {
  const v = st.createVolume(String(b?.poolId ?? ''), String(b?.name ?? ''), unitBytes(b?.size, b?.sizeUnit), b?.thinProvision === true, b?.flashCacheEnable === true, b?.dataAssuranceEnable === true);
  return ok(volumeJson(v, st));
});
route('GET', 'ssc/volumes', (st) => ok([...st.volumes.values()].filter((v) => !v.view).map((v) => volumeJson(v, st))));
route('GET', 'ssc/volumes/{id}', (st, [id]) => ok(volumeJson(st.volume(decodeURIComponent(id!)), st)));
route('POST', 'ssc/volumes/{id}', (st, [id], b) => ok(volumeJson(st.rename(id!, String(b?.name ?? '')), st)));
route('DELETE', 'ssc/volumes/{id}', (st, [id]) => {
  st.deleteVolume(id!);
  return ok(null, 204);
});
route('GET', 'volumes', (st) => ok([...st.volumes.values()].filter((v) => !v.view && !v.thin).map((v) => volumeJson(v, st))));
route('GET', 'thin-volumes', (st) => ok([...st.volumes.values()].filter((v) => v.thin).map((v) => volumeJson(v, st))));
route('POST', 'volumes/{id}/expand', (st, [id], b) => ok(volumeJson(st.expand(id!, unitBytes(b?.expansionSize, b?.sizeUnit), false), st)));
route('POST', 'thin-volumes/{id}/expand', (st, [id], b) => ok(volumeJson(st.expand(id!, unitBytes(b?.newVirtualSize, b?.sizeUnit), true), st)));

route('GET', 'hosts', (st) =>
  ok([...st.hosts.values()].map((h) => ({
    id: h.ref, hostRef: h.ref, label: h.label, name: h.label, clusterRef: h.clusterRef, hostTypeIndex: h.hostTypeIndex, isSAControlled: false,
    hostSidePorts: h.ports, initiators: h.ports.map((p) => ({ nodeName: { iscsiNodeName: p.address }, label: p.label })),
  }))));
route('POST', 'hosts', (st, _p, b) => {
  const ports = Array.isArray(b?.ports) ? b.ports : [];
  const h = st.createHost(String(b?.name ?? ''), Number(b?.hostType?.index), ports, b?.groupId ? String(b.groupId) : null);
  return ok({ id: h.ref, hostRef: h.ref, label: h.label, clusterRef: h.clusterRef, hostTypeIndex: h.hostTypeIndex, hostSidePorts: h.ports }, 201);
});
route('POST', 'hosts/{id}', (st, [id], b) => {
  const h = st.setHostGroup(id!, String(b?.groupId ?? ''));
  return ok({ id: h.ref, hostRef: h.ref, label: h.label, clusterRef: h.clusterRef, hostTypeIndex: h.hostTypeIndex, hostSidePorts: h.ports });
});
route('GET', 'host-types', () => ok(HOST_TYPES.map((t) => ({ ...t, id: String(t.index), used: false }))));
route('GET', 'host-groups', (st) => ok([...st.groups.values()].map((g) => ({ id: g.ref, clusterRef: g.ref, label: g.label, name: g.label, isSAControlled: false }))));
route('POST', 'host-groups', (st, _p, b) => {
  const g = st.createGroup(String(b?.name ?? ''));
  return ok({ id: g.ref, clusterRef: g.ref, label: g.label, name: g.label }, 201);
});
route('GET', 'volume-mappings', (st) => ok([...st.mappings.values()].map((m) => mappingJson(m, st))));
route('POST', 'volume-mappings', (st, _p, b) => ok(mappingJson(st.map(String(b?.mappableObjectId ?? ''), String(b?.targetId ?? ''), Number(b?.lun)), st), 201));
route('DELETE', 'volume-mappings/{id}', (st, [id]) => {
  st.unmap(id!);
  return ok(null, 204);
});
route('POST', 'symbol/moveLUNMapping', (st, _p, b) => {
  st.moveMapping(String(b?.lunMappingRef ?? ''), String(b?.mapRef ?? ''), Number(b?.lun));
  return ok('ok');
});

route('GET', 'hardware-inventory', (st) =>
  ok({
    controllers: [CONTROLLER_A, CONTROLLER_B].map((c, i) => ({ controllerRef: c, id: c, physicalLocation: { label: i === 0 ? 'A' : 'B', slot: i + 1 } })),
    iscsiPorts: st.portals.map((p, i) => ({
      id: `2201000000000000000000000${i}`, controllerId: p.controller, ipv4Enabled: p.enabled, iqn: st.targetIqn, tcpListenPort: p.port,
      ipv4Data: { ipv4AddressData: { ipv4Address: p.address, configState: p.enabled ? 'configured' : 'unconfigured' } },
    })),
  }));
route('POST', 'iscsi/target-settings', (st, _p, b) => {
  st.setChap(String(b?.iqn ?? ''), b?.enableChapAuthentication === true, String(b?.alias ?? ''), String(b?.chapSecret ?? ''));
  return ok({ iqn: st.targetIqn, alias: st.chap.alias, authMethods: [{ authMethod: st.chap.enabled ? 'chap' : 'none' }] });
});

route('GET', 'snapshot-groups', (st) =>
  ok([...st.snapGroups.values()].map((g) => ({
    id: g.id, pitGroupRef: g.id, label: g.label, name: g.label, baseVolume: g.baseVolume, snapshotCount: st.imagesOf(g.id).length,
    consistencyGroup: g.cgId !== null, consistencyGroupRef: g.cgId ?? NO_GROUP, repositoryCapacity: String(g.repositoryBytes),
  }))));
route('POST', 'snapshot-groups', (st, _p, b) => {
  const g = st.createSnapGroup(String(b?.baseMappableObjectId ?? ''), String(b?.name ?? ''), String(b?.storagePoolId ?? ''), Number(b?.repositoryPercentage ?? 20));
  return ok({ id: g.id, pitGroupRef: g.id, label: g.label, baseVolume: g.baseVolume, snapshotCount: 0, consistencyGroup: false });
});
route('DELETE', 'snapshot-groups/{id}', (st, [id]) => {
  st.deleteSnapGroup(id!);
  return ok(null, 204);
});
route('GET', 'snapshot-images', (st) => ok([...st.images.values()].map((i) => imageJson(i, st))));
route('POST', 'snapshot-images', (st, _p, b) => ok(imageJson(st.createImage(String(b?.groupId ?? '')), st)));
route('DELETE', 'snapshot-images/{id}', (st, [id]) => {
  st.deleteImage(id!);
  return ok(null, 204);
});
route('GET', 'snapshot-volumes', (st) => ok([...st.volumes.values()].filter((v) => v.view).map(viewJson)));
route('POST', 'snapshot-volumes', (st, _p, b) => ok(viewJson(st.createView(String(b?.snapshotImageId ?? ''), String(b?.name ?? ''), String(b?.viewMode ?? '')))));
route('DELETE', 'snapshot-volumes/{id}', (st, [id]) => {
  st.deleteView(id!);
  return ok(null, 204);
});

function jobJson(st: EseriesState, id: string): Json {
  const j = st.copyJobs.get(id);
  if (!j) throw new EsSimError(404, null, `volume copy job ${id} not found`);
  const pct = st.tickCopyJob(j);
  return { id: j.id, volcopyRef: j.id, status: j.status, sourceVolume: j.source, targetVolume: j.target, percentComplete: pct, copyPriority: 'priority2' };
}
route('POST', 'volume-copy-jobs', (st, _p, b) => ok(jobJson(st, st.createCopyJob(String(b?.sourceId ?? ''), String(b?.targetId ?? '')).id)));
route('GET', 'volume-copy-jobs', (st) => ok([...st.copyJobs.keys()].map((id) => jobJson(st, id))));
route('GET', 'volume-copy-jobs/{id}', (st, [id]) => ok(jobJson(st, id!)));
route('DELETE', 'volume-copy-jobs/{id}', (st, [id]) => {
  const j = st.copyJobs.get(id!);
  if (!j) throw new EsSimError(404, null, `volume copy job ${id} not found`);
  st.tickCopyJob(j);
  if (j.status === 'inProgress') throw new EsSimError(422, 'volcopyInProgress', 'the copy job is still running');
  st.copyJobs.delete(j.id);
  return ok(null, 204);
});

route('GET', 'persistent-records', (st) => ok([...st.records].map(([key, value]) => ({ key, value }))));
route('POST', 'persistent-records', (st, _p, b) => {
  const list = Array.isArray(b) ? b : [b];
  for (const r of list) {
    if (typeof r?.key !== 'string' || r.key.length === 0) throw new EsSimError(422, 'illegalParam', 'a record needs a key');
    st.records.set(r.key, String(r.value ?? ''));
  }
  return ok(list.map((r: Json) => ({ key: r.key, value: String(r.value ?? '') })));
});
route('GET', 'persistent-records/{id}', (st, [key]) => {
  const k = decodeURIComponent(key!);
  if (!st.records.has(k)) throw new EsSimError(404, null, `record ${k} not found`);
  return ok({ key: k, value: st.records.get(k) });
});
route('DELETE', 'persistent-records/{id}', (st, [key]) => {
  st.records.delete(decodeURIComponent(key!));
  return ok(null, 204);
});

const cgJson = (c: { id: string; label: string }) => ({ id: c.id, cgRef: c.id, label: c.label, name: c.label });
route('GET', 'consistency-groups', (st) => ok([...st.cgs.values()].map(cgJson)));
route('POST', 'consistency-groups', (st, _p, b) => ok(cgJson(st.createCg(String(b?.name ?? ''))), 201));
route('DELETE', 'consistency-groups/{id}', (st, [id]) => {
  const cg = st.cg(id!);
  for (const m of [...cg.members]) st.removeCgMember(cg.id, m);
  st.cgs.delete(cg.id);
  return ok(null, 204);
});
route('GET', 'consistency-groups/{id}/member-volumes', (st, [id]) =>
  ok(st.cg(id!).members.map((m) => ({ consistencyGroupId: id, volumeId: m, baseVolumeName: st.volumes.get(m)?.label ?? '' }))));
route('POST', 'consistency-groups/{id}/member-volumes', (st, [id], b) => {
  st.addCgMember(id!, String(b?.volumeId ?? ''), Number(b?.repositoryPercent ?? 20));
  return ok({ consistencyGroupId: id, volumeId: b.volumeId, baseVolumeName: st.volumes.get(b.volumeId)?.label ?? '' }, 201);
});
route('DELETE', 'consistency-groups/{id}/member-volumes/{id}', (st, [id, vol]) => {
  st.removeCgMember(id!, vol!);
  return ok(null, 204);
});
route('GET', 'consistency-groups/{id}/snapshots', (st, [id]) => {
  st.cg(id!);
  return ok([...st.images.values()].filter((i) => i.cgId === id).map((i) => imageJson(i, st)));
});
route('POST', 'consistency-groups/{id}/snapshots', (st, [id]) => ok(st.createCgSnapshot(id!).map((i) => imageJson(i, st))));
route('DELETE', 'consistency-groups/{id}/snapshots/{id}', (st, [id, seq]) => {
  st.deleteCgSnapshot(id!, Number(seq));
  return ok(null, 204);
});

/** The route template a request matches (`GET hosts`, `POST volumes/{id}/expand`), or null. */
export function esRoute(method: string, subpath: string): { name: string; handler: Handler; params: string[] } | null {
  const key = `${method} ${subpath}`;
  for (const [name, re, h] of routes) {
    const m = re.exec(key);
    if (m) return { name, handler: h, params: m.slice(1) };
  }
  return null;
}
