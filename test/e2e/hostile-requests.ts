// Generates requests that must fail, for every route and method of the v3 API, the v2
// (shares) API and the /flint routes, with fast-check: each comes with the status it must get and a pattern its
// message must match (it names the field, key, id, parameter or version at fault).
// Nothing generated here may succeed: bodies are mutated away from a valid template,
// ids are unknown, and every family is refused before any state changes.
import fc from 'fast-check';
import { negotiate, SHARED_FILE_SYSTEMS_V2 } from '../../src/api/microversion.js';

export interface Hostile {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Raw bytes sent as they are instead of method/path/headers/body. */
  raw?: string;
  /** The status it must get; 0: any 4xx. */
  status: number;
  names: RegExp;
}

export interface Seeded {
  project: string;
  volume: string;
  snapshot: string;
  type: string;
  qos: string;
}

type Kind = 'str' | 'bool' | 'size' | 'obj' | 'int';

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with {name} placeholders for params. */
  path: string;
  /** Param values that make the request otherwise valid. */
  params?: Record<string, string>;
  /** Params whose unknown value is a 404 naming it (with a valid body where there is one). */
  lookup?: string[];
  /** A body that would pass validation; never sent as is. */
  body?: unknown;
  /** Paths of objects with additionalProperties: false ('' is the body). */
  strict?: string[];
  /** Paths of typed fields in the template. */
  fields?: Record<string, Kind>;
  /** The route refuses unknown query parameters by name. */
  queryKeys?: boolean;
  /** The route parses sort/limit/marker; the value is an id a marker may name. */
  paged?: string;
  /** The route takes a metadata filter. */
  metadataFilter?: boolean;
  /** No microversion negotiation or auth (version documents). */
  public?: boolean;
  /** The API the route belongs to: Block Storage v3 (default) or Shared File Systems v2. */
  api?: 'share';
}

const MV = { 'openstack-api-version': 'volume 3.70' };
const SHARE_MV = { 'x-openstack-manila-api-version': '2.73' };
export const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function routeSpecs(s: Seeded): RouteSpec[] {
  const vol = { id: s.volume };
  const snap = { id: s.snapshot };
  const bak = { id: '5a0b8c1e-0000-4000-8000-00000000bac0' };
  const md = { metadata: { k: 'v' } };
  const mdFields: Record<string, Kind> = { metadata: 'obj', 'metadata.k': 'str' };
  const gtype = { id: 'default_cgsnapshot_type' };
  return [
    { method: 'GET', path: '/', public: true },
    { method: 'GET', path: '/v3', public: true },
    { method: 'GET', path: '/v3/', public: true },
    // operator probes
    { method: 'GET', path: '/healthz', public: true },
    { method: 'GET', path: '/readyz', public: true },
    { method: 'GET', path: '/metrics', public: true },
    // dashboard
    { method: 'GET', path: '/dashboard', public: true },
    { method: 'GET', path: '/dashboard/', public: true },
    { method: 'GET', path: '/dashboard/app.js', public: true },
    { method: 'GET', path: '/dashboard/config', public: true },
    { method: 'POST', path: '/dashboard/login', public: true, body: { username: 'u', password: 'p', project: 'x', domain: 'Default' }, strict: [''],
      fields: { username: 'str', password: 'str', project: 'str', domain: 'str' } },
    // volumes
    { method: 'POST', path: '/v3/{p}/volumes', body: { volume: { size: 1, name: 'n', metadata: { k: 'v' }, multiattach: false } }, strict: ['', 'volume'],
      fields: { volume: 'obj', 'volume.size': 'size', 'volume.name': 'str', 'volume.metadata': 'obj', 'volume.metadata.k': 'str', 'volume.multiattach': 'bool' } },
    { method: 'GET', path: '/v3/{p}/volumes', queryKeys: true, paged: s.volume, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/volumes/detail', queryKeys: true, paged: s.volume, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/volumes/summary', queryKeys: true, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/volumes/{id}', params: vol, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/volumes/{id}', params: vol, lookup: ['id'], body: { volume: { name: 'n', description: 'd' } }, strict: ['', 'volume'],
      fields: { volume: 'obj', 'volume.name': 'str', 'volume.description': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/volumes/{id}', params: vol, lookup: ['id'], queryKeys: true },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-extend': { new_size: 2 } }, strict: ['os-extend'], fields: { 'os-extend': 'obj', 'os-extend.new_size': 'size' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-set_bootable': { bootable: true } }, strict: ['os-set_bootable'], fields: { 'os-set_bootable.bootable': 'bool' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-reset_status': { status: 'available' } }, strict: ['os-reset_status'], fields: { 'os-reset_status': 'obj', 'os-reset_status.status': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-attach': { mountpoint: '/dev/vdb', instance_uuid: 'i-1' } }, strict: ['os-attach'], fields: { 'os-attach.mountpoint': 'str', 'os-attach.instance_uuid': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-initialize_connection': { connector: { initiator: 'iqn.x', host: 'h' } } }, strict: ['os-initialize_connection'], fields: { 'os-initialize_connection.connector': 'obj', 'os-initialize_connection.connector.initiator': 'str', 'os-initialize_connection.connector.host': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-update_readonly_flag': { readonly: true } }, strict: ['os-update_readonly_flag'], fields: { 'os-update_readonly_flag.readonly': 'bool' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-volume_upload_image': { image_name: 'img', disk_format: 'raw' } }, strict: ['os-volume_upload_image'], fields: { 'os-volume_upload_image.image_name': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-set_image_metadata': { metadata: { k: 'v' } } }, strict: ['os-set_image_metadata'], fields: { 'os-set_image_metadata': 'obj', 'os-set_image_metadata.metadata': 'obj', 'os-set_image_metadata.metadata.k': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-unset_image_metadata': { key: 'k' } }, strict: ['os-unset_image_metadata'], fields: { 'os-unset_image_metadata.key': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-retype': { new_type: s.type, migration_policy: 'never' } }, strict: ['os-retype'], fields: { 'os-retype': 'obj', 'os-retype.new_type': 'str', 'os-retype.migration_policy': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-migrate_volume': { host: 'h@b#p', force_host_copy: false } }, strict: ['os-migrate_volume'], fields: { 'os-migrate_volume': 'obj', 'os-migrate_volume.host': 'str', 'os-migrate_volume.force_host_copy': 'bool' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-migrate_volume_completion': { new_volume: s.volume } }, strict: ['os-migrate_volume_completion'], fields: { 'os-migrate_volume_completion': 'obj', 'os-migrate_volume_completion.new_volume': 'str' } },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/action', params: vol, lookup: ['id'], body: { 'os-reimage': { image_id: 'img', reimage_reserved: false } }, strict: ['os-reimage'], fields: { 'os-reimage': 'obj', 'os-reimage.image_id': 'str', 'os-reimage.reimage_reserved': 'bool' } },
    { method: 'GET', path: '/v3/{p}/volumes/{id}/metadata', params: vol, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/volumes/{id}/metadata', params: vol, lookup: ['id'], body: md, strict: [''], fields: mdFields },
    { method: 'PUT', path: '/v3/{p}/volumes/{id}/metadata', params: vol, lookup: ['id'], body: md, strict: [''], fields: mdFields },
    { method: 'GET', path: '/v3/{p}/volumes/{id}/metadata/{key}', params: { ...vol, key: 'k' }, lookup: ['id', 'key'] },
    { method: 'PUT', path: '/v3/{p}/volumes/{id}/metadata/{key}', params: { ...vol, key: 'k' }, lookup: ['id'], body: { meta: { k: 'v' } }, strict: [''], fields: { meta: 'obj', 'meta.k': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/volumes/{id}/metadata/{key}', params: { ...vol, key: 'k' }, lookup: ['id', 'key'] },
    // backups (no backup is seeded: an id that is not there is what the lookups need, and every body is refused before it is read)
    { method: 'POST', path: '/v3/{p}/backups', body: { backup: { volume_id: s.volume, name: 'n', incremental: false, force: false, metadata: { k: 'v' } } }, strict: ['', 'backup'],
      fields: { backup: 'obj', 'backup.volume_id': 'str', 'backup.name': 'str', 'backup.incremental': 'bool', 'backup.force': 'bool', 'backup.metadata': 'obj', 'backup.metadata.k': 'str' } },
    { method: 'GET', path: '/v3/{p}/backups', queryKeys: true, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/backups/detail', queryKeys: true, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/backups/{id}', params: bak, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/backups/{id}', params: bak, lookup: ['id'], body: { backup: { name: 'n', description: 'd' } }, strict: ['', 'backup'], fields: { backup: 'obj', 'backup.name': 'str', 'backup.description': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/backups/{id}', params: bak, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/backups/{id}/action', params: bak, lookup: ['id'], body: { 'os-reset_status': { status: 'available' } }, strict: ['os-reset_status'], fields: { 'os-reset_status': 'obj', 'os-reset_status.status': 'str' } },
    { method: 'POST', path: '/v3/{p}/backups/{id}/restore', params: bak, lookup: ['id'], body: { restore: { volume_id: s.volume } }, strict: ['', 'restore'], fields: { restore: 'obj', 'restore.volume_id': 'str' } },
    { method: 'GET', path: '/v3/{p}/backups/{id}/export_record', params: bak, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/backups/import_record', body: { 'backup-record': { backup_service: 'posix', backup_url: 'eA==' } }, strict: ['', 'backup-record'],
      fields: { 'backup-record': 'obj', 'backup-record.backup_service': 'str', 'backup-record.backup_url': 'str' } },
    // snapshots
    { method: 'POST', path: '/v3/{p}/snapshots', body: { snapshot: { volume_id: s.volume, name: 'n', force: false } }, strict: ['', 'snapshot'],
      fields: { snapshot: 'obj', 'snapshot.volume_id': 'str', 'snapshot.name': 'str', 'snapshot.force': 'bool' } },
    { method: 'GET', path: '/v3/{p}/snapshots', queryKeys: true, paged: s.snapshot, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/snapshots/detail', queryKeys: true, paged: s.snapshot, metadataFilter: true },
    { method: 'GET', path: '/v3/{p}/snapshots/{id}', params: snap, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/snapshots/{id}', params: snap, lookup: ['id'], body: { snapshot: { name: 'n' } }, strict: ['', 'snapshot'], fields: { snapshot: 'obj', 'snapshot.name': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/snapshots/{id}', params: snap, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/snapshots/{id}/action', params: snap, lookup: ['id'], body: { 'os-reset_status': { status: 'available' } }, strict: ['os-reset_status'], fields: { 'os-reset_status': 'obj', 'os-reset_status.status': 'str' } },
    { method: 'GET', path: '/v3/{p}/snapshots/{id}/metadata', params: snap, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/snapshots/{id}/metadata', params: snap, lookup: ['id'], body: md, strict: [''], fields: mdFields },
    { method: 'PUT', path: '/v3/{p}/snapshots/{id}/metadata', params: snap, lookup: ['id'], body: md, strict: [''], fields: mdFields },
    { method: 'GET', path: '/v3/{p}/snapshots/{id}/metadata/{key}', params: { ...snap, key: 'k' }, lookup: ['id', 'key'] },
    { method: 'PUT', path: '/v3/{p}/snapshots/{id}/metadata/{key}', params: { ...snap, key: 'k' }, lookup: ['id'], body: { meta: { k: 'v' } }, strict: [''], fields: { meta: 'obj', 'meta.k': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/snapshots/{id}/metadata/{key}', params: { ...snap, key: 'k' }, lookup: ['id', 'key'] },
    // types
    { method: 'GET', path: '/v3/{p}/types', queryKeys: true },
    { method: 'POST', path: '/v3/{p}/types', body: { volume_type: { name: 'fresh-type', is_public: true, extra_specs: { k: 'v' } } }, strict: ['', 'volume_type'],
      fields: { volume_type: 'obj', 'volume_type.name': 'str', 'volume_type.is_public': 'bool', 'volume_type.extra_specs': 'obj', 'volume_type.extra_specs.k': 'str' } },
    { method: 'GET', path: '/v3/{p}/types/{id}', params: { id: s.type }, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/types/{id}', params: { id: s.type }, lookup: ['id'], body: { volume_type: { description: 'd' } }, strict: ['', 'volume_type'], fields: { volume_type: 'obj', 'volume_type.description': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/types/{id}', params: { id: s.type }, lookup: ['id'] },
    { method: 'GET', path: '/v3/{p}/types/{id}/extra_specs', params: { id: s.type }, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/types/{id}/extra_specs', params: { id: s.type }, lookup: ['id'], body: { extra_specs: { k: 'v' } }, strict: [''], fields: { extra_specs: 'obj', 'extra_specs.k': 'str' } },
    { method: 'GET', path: '/v3/{p}/types/{id}/extra_specs/{key}', params: { id: s.type, key: 'k' }, lookup: ['id', 'key'] },
    { method: 'PUT', path: '/v3/{p}/types/{id}/extra_specs/{key}', params: { id: s.type, key: 'k' }, lookup: ['id'], body: { k: 'v' }, fields: { k: 'str' } },
    { method: 'DELETE', path: '/v3/{p}/types/{id}/extra_specs/{key}', params: { id: s.type, key: 'k' }, lookup: ['id', 'key'] },
    { method: 'GET', path: '/v3/{p}/types/{id}/os-volume-type-access', params: { id: s.type }, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/types/{id}/action', params: { id: s.type }, lookup: ['id'], body: { addProjectAccess: { project: 'p2' } }, strict: ['addProjectAccess'], fields: { addProjectAccess: 'obj', 'addProjectAccess.project': 'str' } },
    // qos
    { method: 'GET', path: '/v3/{p}/qos-specs' },
    { method: 'POST', path: '/v3/{p}/qos-specs', body: { qos_specs: { name: 'fresh-qos', consumer: 'back-end' } }, strict: [''], fields: { qos_specs: 'obj', 'qos_specs.name': 'str', 'qos_specs.consumer': 'str' } },
    { method: 'GET', path: '/v3/{p}/qos-specs/{id}', params: { id: s.qos }, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/qos-specs/{id}', params: { id: s.qos }, lookup: ['id'], body: { qos_specs: { read_iops_sec: '100' } }, strict: [''], fields: { qos_specs: 'obj', 'qos_specs.read_iops_sec': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/qos-specs/{id}', params: { id: s.qos }, lookup: ['id'], queryKeys: true },
    { method: 'PUT', path: '/v3/{p}/qos-specs/{id}/delete_keys', params: { id: s.qos }, lookup: ['id'], body: { keys: ['k'] }, strict: [''], fields: { keys: 'obj' } },
    { method: 'GET', path: `/v3/{p}/qos-specs/{id}/associate?vol_type_id=${s.type}`, params: { id: s.qos }, lookup: ['id'] },
    { method: 'GET', path: `/v3/{p}/qos-specs/{id}/disassociate?vol_type_id=${s.type}`, params: { id: s.qos }, lookup: ['id'] },
    { method: 'GET', path: '/v3/{p}/qos-specs/{id}/disassociate_all', params: { id: s.qos }, lookup: ['id'] },
    { method: 'GET', path: '/v3/{p}/qos-specs/{id}/associations', params: { id: s.qos }, lookup: ['id'] },
    // type encryption specs
    { method: 'GET', path: '/v3/{p}/types/{id}/encryption', params: { id: s.type }, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/types/{id}/encryption', params: { id: s.type }, lookup: ['id'], body: { encryption: { provider: 'luks', key_size: 256 } }, strict: ['', 'encryption'], fields: { encryption: 'obj', 'encryption.provider': 'str', 'encryption.key_size': 'int' } },
    { method: 'GET', path: '/v3/{p}/types/{id}/encryption/{key}', params: { id: s.type, key: 'provider' }, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/types/{id}/encryption/{key}', params: { id: s.type, key: 'provider' }, lookup: ['id'], body: { encryption: { provider: 'luks' } }, strict: ['', 'encryption'], fields: { encryption: 'obj', 'encryption.provider': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/types/{id}/encryption/{key}', params: { id: s.type, key: 'provider' }, lookup: ['id'] },
    // attachments
    { method: 'POST', path: '/v3/{p}/attachments', body: { attachment: { volume_uuid: s.volume, instance_uuid: 'i-1', mode: 'rw' } }, strict: ['', 'attachment'],
      fields: { attachment: 'obj', 'attachment.volume_uuid': 'str', 'attachment.instance_uuid': 'str', 'attachment.mode': 'str' } },
    { method: 'GET', path: '/v3/{p}/attachments', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/attachments/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/attachments/{id}', params: { id: 'a' }, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/attachments/{id}', params: { id: 'a' }, lookup: ['id'], body: { attachment: { connector: { initiator: 'iqn.x' } } }, strict: ['', 'attachment'], fields: { attachment: 'obj', 'attachment.connector': 'obj', 'attachment.connector.initiator': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/attachments/{id}', params: { id: 'a' }, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/attachments/{id}/action', params: { id: 'a' }, lookup: ['id'], body: { 'os-complete': null }, strict: [''] },
    // quotas, limits, services, zones, pools, capabilities, messages, manage
    { method: 'GET', path: '/v3/{p}/os-quota-sets/{target}', params: { target: s.project }, queryKeys: true },
    { method: 'GET', path: '/v3/{p}/os-quota-sets/{target}/defaults', params: { target: s.project } },
    { method: 'PUT', path: '/v3/{p}/os-quota-sets/{target}', params: { target: s.project }, body: { quota_set: { volumes: 5 } }, strict: [''], fields: { quota_set: 'obj', 'quota_set.volumes': 'int' } },
    { method: 'DELETE', path: '/v3/{p}/os-quota-sets/{target}', params: { target: s.project } },
    { method: 'GET', path: '/v3/{p}/limits' },
    { method: 'GET', path: '/v3/{p}/os-services', queryKeys: true },
    { method: 'PUT', path: '/v3/{p}/os-services/{action}', params: { action: 'enable' }, body: { host: 'nohost', binary: 'flint-volume' }, strict: [''], fields: { host: 'str', binary: 'str' } },
    { method: 'GET', path: '/v3/{p}/os-availability-zone' },
    { method: 'GET', path: '/v3/{p}/scheduler-stats/get_pools', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/capabilities/{host}', params: { host: 'h' }, lookup: ['host'] },
    { method: 'GET', path: '/v3/{p}/messages', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/messages/{id}', params: { id: 'm' }, lookup: ['id'] },
    { method: 'DELETE', path: '/v3/{p}/messages/{id}', params: { id: 'm' }, lookup: ['id'] },
    // snapshot manage: a volume that does not exist, so a body that passes validation changes nothing
    ...(['os-snapshot-manage', 'manageable_snapshots'] as const).map((c): RouteSpec => ({
      method: 'POST', path: `/v3/{p}/${c}`, body: { snapshot: { volume_id: 'aaaaaaaa-0000-4000-8000-0000000000a1', ref: { 'source-name': 'x' }, name: 'n' } }, strict: ['', 'snapshot'],
      fields: { snapshot: 'obj', 'snapshot.volume_id': 'str', 'snapshot.ref': 'obj', 'snapshot.ref.source-name': 'str', 'snapshot.name': 'str' },
    })),
    { method: 'GET', path: '/v3/{p}/manageable_snapshots', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/manageable_snapshots/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/manageable_volumes', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/manageable_volumes/detail', queryKeys: true },
    { method: 'POST', path: '/v3/{p}/os-volume-manage', body: { volume: { host: 'nohost@fake#p', ref: { name: 'x' }, name: 'n' } }, strict: ['', 'volume'],
      fields: { volume: 'obj', 'volume.host': 'str', 'volume.ref': 'obj', 'volume.ref.name': 'str', 'volume.name': 'str' } },
    // volume transfers (legacy, and 3.55+ with no_snapshots)
    ...(['os-volume-transfer', 'volume-transfers'] as const).flatMap((c): RouteSpec[] => [
      { method: 'POST', path: `/v3/{p}/${c}`, body: { transfer: { volume_id: s.volume, name: 'n' } }, strict: ['', 'transfer'], fields: { transfer: 'obj', 'transfer.volume_id': 'str', 'transfer.name': 'str' } },
      { method: 'GET', path: `/v3/{p}/${c}`, queryKeys: true },
      { method: 'GET', path: `/v3/{p}/${c}/detail`, queryKeys: true },
      { method: 'GET', path: `/v3/{p}/${c}/{id}`, params: { id: 't' }, lookup: ['id'] },
      { method: 'DELETE', path: `/v3/{p}/${c}/{id}`, params: { id: 't' }, lookup: ['id'] },
      { method: 'POST', path: `/v3/{p}/${c}/{id}/accept`, params: { id: 't' }, lookup: ['id'], body: { accept: { auth_key: 'k' } }, strict: ['', 'accept'], fields: { accept: 'obj', 'accept.auth_key': 'str' } },
    ]),
    // quota classes, extensions, hosts
    { method: 'GET', path: '/v3/{p}/os-quota-class-sets/{className}', params: { className: 'default' } },
    { method: 'PUT', path: '/v3/{p}/os-quota-class-sets/{className}', params: { className: 'default' }, body: { quota_class_set: { volumes: 5 } }, strict: [''], fields: { quota_class_set: 'obj', 'quota_class_set.volumes': 'int' } },
    { method: 'GET', path: '/v3/{p}/extensions' },
    { method: 'GET', path: '/v3/{p}/os-hosts', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/os-hosts/{host}', params: { host: 'h' }, lookup: ['host'] },
    // group types and group specs (3.11); the seeded type is Cinder's reserved one, found by name
    { method: 'GET', path: '/v3/{p}/group_types', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/group_types/default' },
    { method: 'POST', path: '/v3/{p}/group_types', body: { group_type: { name: 'fresh-gt', is_public: true, group_specs: { k: 'v' } } }, strict: ['', 'group_type'],
      fields: { group_type: 'obj', 'group_type.name': 'str', 'group_type.is_public': 'bool', 'group_type.group_specs': 'obj', 'group_type.group_specs.k': 'str' } },
    { method: 'GET', path: '/v3/{p}/group_types/{id}', params: gtype, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/group_types/{id}', params: gtype, lookup: ['id'], body: { group_type: { description: 'd' } }, strict: ['', 'group_type'], fields: { group_type: 'obj', 'group_type.description': 'str' } },
    { method: 'DELETE', path: '/v3/{p}/group_types/{id}', params: gtype, lookup: ['id'] },
    { method: 'GET', path: '/v3/{p}/group_types/{id}/group_specs', params: gtype, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/group_types/{id}/group_specs', params: gtype, lookup: ['id'], body: { group_specs: { k: 'v' } }, strict: [''], fields: { group_specs: 'obj', 'group_specs.k': 'str' } },
    { method: 'GET', path: '/v3/{p}/group_types/{id}/group_specs/{key}', params: { ...gtype, key: 'k' }, lookup: ['id', 'key'] },
    { method: 'PUT', path: '/v3/{p}/group_types/{id}/group_specs/{key}', params: { ...gtype, key: 'k' }, lookup: ['id'], body: { k: 'v' }, fields: { k: 'str' } },
    { method: 'DELETE', path: '/v3/{p}/group_types/{id}/group_specs/{key}', params: { ...gtype, key: 'k' }, lookup: ['id', 'key'] },
    // generic volume groups (3.13) and group snapshots (3.14)
    { method: 'POST', path: '/v3/{p}/groups', body: { group: { name: 'n', group_type: 'default_cgsnapshot_type', volume_types: [s.type] } }, strict: ['', 'group'],
      fields: { group: 'obj', 'group.name': 'str', 'group.group_type': 'str' } },
    { method: 'GET', path: '/v3/{p}/groups', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/groups/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/groups/{id}', params: { id: 'g' }, lookup: ['id'], queryKeys: true },
    { method: 'PUT', path: '/v3/{p}/groups/{id}', params: { id: 'g' }, lookup: ['id'], body: { group: { name: 'n' } }, strict: ['', 'group'], fields: { group: 'obj', 'group.name': 'str' } },
    { method: 'POST', path: '/v3/{p}/groups/{id}/action', params: { id: 'g' }, lookup: ['id'], body: { delete: { 'delete-volumes': true } } },
    { method: 'POST', path: '/v3/{p}/groups/{id}/action', params: { id: 'g' }, lookup: ['id'], body: { reset_status: { status: 'available' } }, strict: ['reset_status'],
      fields: { reset_status: 'obj', 'reset_status.status': 'str' } },
    { method: 'POST', path: '/v3/{p}/groups/action', body: { 'create-from-src': { name: 'n', source_group_id: 'g' } }, strict: ['', 'create-from-src'],
      fields: { 'create-from-src': 'obj', 'create-from-src.name': 'str', 'create-from-src.source_group_id': 'str' } },
    { method: 'POST', path: '/v3/{p}/group_snapshots', body: { group_snapshot: { group_id: 'g', name: 'n' } }, strict: ['', 'group_snapshot'],
      fields: { group_snapshot: 'obj', 'group_snapshot.group_id': 'str', 'group_snapshot.name': 'str' } },
    { method: 'GET', path: '/v3/{p}/group_snapshots', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/group_snapshots/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/group_snapshots/{id}', params: { id: 'gs' }, lookup: ['id'] },
    { method: 'DELETE', path: '/v3/{p}/group_snapshots/{id}', params: { id: 'gs' }, lookup: ['id'] },
    { method: 'POST', path: '/v3/{p}/group_snapshots/{id}/action', params: { id: 'gs' }, lookup: ['id'], body: { reset_status: { status: 'available' } }, strict: ['reset_status'],
      fields: { reset_status: 'obj', 'reset_status.status': 'str' } },
    // the legacy consistency group API (groups of default_cgsnapshot_type)
    { method: 'POST', path: '/v3/{p}/consistencygroups', body: { consistencygroup: { name: 'n', volume_types: s.type } }, strict: ['', 'consistencygroup'],
      fields: { consistencygroup: 'obj', 'consistencygroup.name': 'str', 'consistencygroup.volume_types': 'str' } },
    { method: 'GET', path: '/v3/{p}/consistencygroups', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/consistencygroups/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/consistencygroups/{id}', params: { id: 'cg' }, lookup: ['id'] },
    { method: 'PUT', path: '/v3/{p}/consistencygroups/{id}', params: { id: 'cg' }, lookup: ['id'], body: { consistencygroup: { name: 'n' } }, strict: ['', 'consistencygroup'],
      fields: { consistencygroup: 'obj', 'consistencygroup.name': 'str' } },
    { method: 'POST', path: '/v3/{p}/consistencygroups/{id}/delete', params: { id: 'cg' }, lookup: ['id'], body: { consistencygroup: { force: true } } },
    { method: 'POST', path: '/v3/{p}/consistencygroups/create_from_src', body: { 'consistencygroup-from-src': { name: 'n', source_cgid: 'cg' } }, strict: ['', 'consistencygroup-from-src'],
      fields: { 'consistencygroup-from-src': 'obj', 'consistencygroup-from-src.name': 'str', 'consistencygroup-from-src.source_cgid': 'str' } },
    { method: 'POST', path: '/v3/{p}/cgsnapshots', body: { cgsnapshot: { consistencygroup_id: 'cg', name: 'n' } }, strict: ['', 'cgsnapshot'],
      fields: { cgsnapshot: 'obj', 'cgsnapshot.consistencygroup_id': 'str', 'cgsnapshot.name': 'str' } },
    { method: 'GET', path: '/v3/{p}/cgsnapshots', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/cgsnapshots/detail', queryKeys: true },
    { method: 'GET', path: '/v3/{p}/cgsnapshots/{id}', params: { id: 'cgs' }, lookup: ['id'] },
    { method: 'DELETE', path: '/v3/{p}/cgsnapshots/{id}', params: { id: 'cgs' }, lookup: ['id'] },
    // flint
    { method: 'POST', path: '/v3/{p}/flint/schedule-explain', body: { size: 1, volume_type: null }, strict: [''], fields: { size: 'size', volume_type: 'str' } },
    { method: 'GET', path: '/v3/{p}/flint/volumes/{id}/progress', params: vol, lookup: ['id'] },
    { method: 'GET', path: '/v3/{p}/flint/images/{name}', params: { name: 'img' }, lookup: ['name'] },
    { method: 'PUT', path: '/v3/{p}/flint/images/{name}', params: { name: 'img' } },
    { method: 'DELETE', path: '/v3/{p}/flint/images/{name}', params: { name: 'img' }, lookup: ['name'] },
    { method: 'GET', path: '/v3/{p}/flint/images' },
    { method: 'PATCH', path: '/v3/{p}/flint/images/{name}', params: { name: 'img' }, lookup: ['name'], body: { image: { visibility: 'private' } }, strict: ['', 'image'],
      fields: { image: 'obj', 'image.visibility': 'str' } },
  ];
}

/** Ids no share resource has: the v2 routes' "valid" params (every family fails before they matter, or names them). */
const NO_SHARE = 'aaaaaaaa-0000-4000-8000-000000000001';
const NO_SNAP = 'aaaaaaaa-0000-4000-8000-000000000002';
const NO_TYPE = 'aaaaaaaa-0000-4000-8000-000000000003';
const NO_RULE = 'aaaaaaaa-0000-4000-8000-000000000004';
const NO_NET = 'aaaaaaaa-0000-4000-8000-000000000005';
const NO_SERVER = 'aaaaaaaa-0000-4000-8000-000000000006';
const NO_MSG = 'aaaaaaaa-0000-4000-8000-000000000007';

/** Every route of the Shared File Systems API v2 (/v2), as the hostile set exercises it. */
export function shareRouteSpecs(): RouteSpec[] {
  const sh = { id: NO_SHARE };
  const md = { metadata: { k: 'v' } };
  const specs: RouteSpec[] = [
    { method: 'GET', path: '/v2', public: true },
    { method: 'GET', path: '/v2/', public: true },
    { method: 'GET', path: '/v2/{p}/shares', queryKeys: true, metadataFilter: true },
    { method: 'GET', path: '/v2/{p}/shares/detail', queryKeys: true, metadataFilter: true },
    { method: 'POST', path: '/v2/{p}/shares', body: { share: { size: 1, share_proto: 'NFS', name: 'n' } } },
    { method: 'POST', path: '/v2/{p}/shares/manage', body: { share: { service_host: 'h@b#p', export_path: '/x', protocol: 'NFS' } } },
    { method: 'GET', path: '/v2/{p}/shares/{id}', params: sh, lookup: ['id'] },
    { method: 'PUT', path: '/v2/{p}/shares/{id}', params: sh, lookup: ['id'], body: { share: { display_name: 'n' } } },
    { method: 'DELETE', path: '/v2/{p}/shares/{id}', params: sh, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/shares/{id}/metadata', params: sh, lookup: ['id'] },
    { method: 'POST', path: '/v2/{p}/shares/{id}/metadata', params: sh, lookup: ['id'], body: md },
    { method: 'PUT', path: '/v2/{p}/shares/{id}/metadata', params: sh, lookup: ['id'], body: md },
    { method: 'GET', path: '/v2/{p}/shares/{id}/metadata/{key}', params: { ...sh, key: 'k' }, lookup: ['id'] },
    { method: 'PUT', path: '/v2/{p}/shares/{id}/metadata/{key}', params: { ...sh, key: 'k' }, lookup: ['id'], body: { meta: { k: 'v' } } },
    { method: 'DELETE', path: '/v2/{p}/shares/{id}/metadata/{key}', params: { ...sh, key: 'k' }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/shares/{id}/export_locations', params: sh, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/shares/{id}/export_locations/{elId}', params: { ...sh, elId: NO_RULE }, lookup: ['id'] },
    { method: 'POST', path: '/v2/{p}/shares/{id}/action', params: sh, lookup: ['id'], body: { extend: { new_size: 2 } } },
    { method: 'GET', path: '/v2/{p}/shares/{id}/instances', params: sh, lookup: ['id'] },
    { method: 'GET', path: `/v2/{p}/share-access-rules?share_id=${NO_SHARE}` },
    { method: 'GET', path: '/v2/{p}/share-access-rules/{id}', params: { id: NO_RULE }, lookup: ['id'] },
    { method: 'PUT', path: '/v2/{p}/share-access-rules/{id}/metadata', params: { id: NO_RULE }, lookup: ['id'], body: md },
    { method: 'DELETE', path: '/v2/{p}/share-access-rules/{id}/metadata/{key}', params: { id: NO_RULE, key: 'k' }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/share-networks' },
    { method: 'GET', path: '/v2/{p}/share-networks/detail' },
    { method: 'POST', path: '/v2/{p}/share-networks', body: { share_network: { name: 'n' } } },
    { method: 'GET', path: '/v2/{p}/share-networks/{id}', params: { id: NO_NET }, lookup: ['id'] },
    { method: 'PUT', path: '/v2/{p}/share-networks/{id}', params: { id: NO_NET }, lookup: ['id'], body: { share_network: { name: 'n' } } },
    { method: 'DELETE', path: '/v2/{p}/share-networks/{id}', params: { id: NO_NET }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/share-servers' },
    { method: 'GET', path: '/v2/{p}/share-servers/{id}', params: { id: NO_SERVER }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/share-servers/{id}/details', params: { id: NO_SERVER }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/share_instances' },
    { method: 'GET', path: '/v2/{p}/share_instances/{id}', params: { id: NO_SHARE }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/share_instances/{id}/export_locations', params: { id: NO_SHARE }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/snapshots', queryKeys: true },
    { method: 'GET', path: '/v2/{p}/snapshots/detail', queryKeys: true },
    { method: 'POST', path: '/v2/{p}/snapshots', body: { snapshot: { share_id: NO_SHARE, name: 'n' } } },
    { method: 'POST', path: '/v2/{p}/snapshots/manage', body: { snapshot: { share_id: NO_SHARE, provider_location: 'x' } } },
    { method: 'GET', path: '/v2/{p}/snapshots/{id}', params: { id: NO_SNAP }, lookup: ['id'] },
    { method: 'PUT', path: '/v2/{p}/snapshots/{id}', params: { id: NO_SNAP }, lookup: ['id'], body: { snapshot: { display_name: 'n' } } },
    { method: 'DELETE', path: '/v2/{p}/snapshots/{id}', params: { id: NO_SNAP }, lookup: ['id'] },
    { method: 'POST', path: '/v2/{p}/snapshots/{id}/action', params: { id: NO_SNAP }, lookup: ['id'], body: { reset_status: { status: 'available' } } },
    { method: 'GET', path: '/v2/{p}/snapshots/{id}/export-locations', params: { id: NO_SNAP }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/snapshots/{id}/export-locations/{elId}', params: { id: NO_SNAP, elId: NO_RULE }, lookup: ['id'] },
    { method: 'GET', path: '/v2/{p}/services' },
    { method: 'GET', path: '/v2/{p}/os-services' },
    { method: 'GET', path: '/v2/{p}/scheduler-stats/pools' },
    { method: 'GET', path: '/v2/{p}/scheduler-stats/pools/detail' },
    { method: 'GET', path: '/v2/{p}/availability-zones' },
    { method: 'GET', path: '/v2/{p}/os-availability-zone' },
    { method: 'POST', path: '/v2/{p}/os-share-manage', body: { share: { service_host: 'h@b#p', export_path: '/x', protocol: 'NFS' } } },
    { method: 'GET', path: '/v2/{p}/limits' },
    { method: 'GET', path: '/v2/{p}/messages' },
    { method: 'GET', path: '/v2/{p}/messages/{id}', params: { id: NO_MSG }, lookup: ['id'] },
    { method: 'DELETE', path: '/v2/{p}/messages/{id}', params: { id: NO_MSG }, lookup: ['id'] },
  ];
  for (const base of ['types', 'share-types']) {
    const t = { id: NO_TYPE };
    specs.push(
      { method: 'GET', path: `/v2/{p}/${base}` },
      { method: 'POST', path: `/v2/{p}/${base}`, body: { share_type: { name: 'n', extra_specs: { driver_handles_share_servers: 'false' } } } },
      { method: 'GET', path: `/v2/{p}/${base}/default` },
      { method: 'GET', path: `/v2/{p}/${base}/{id}`, params: t, lookup: ['id'] },
      { method: 'PUT', path: `/v2/{p}/${base}/{id}`, params: t, lookup: ['id'], body: { share_type: { description: 'd' } } },
      { method: 'DELETE', path: `/v2/{p}/${base}/{id}`, params: t, lookup: ['id'] },
      { method: 'GET', path: `/v2/{p}/${base}/{id}/extra_specs`, params: t, lookup: ['id'] },
      { method: 'POST', path: `/v2/{p}/${base}/{id}/extra_specs`, params: t, lookup: ['id'], body: { extra_specs: { k: 'v' } } },
      { method: 'GET', path: `/v2/{p}/${base}/{id}/extra_specs/{key}`, params: { ...t, key: 'k' }, lookup: ['id'] },
      { method: 'DELETE', path: `/v2/{p}/${base}/{id}/extra_specs/{key}`, params: { ...t, key: 'k' }, lookup: ['id'] },
      { method: 'GET', path: `/v2/{p}/${base}/{id}/share_type_access`, params: t, lookup: ['id'] },
      { method: 'POST', path: `/v2/{p}/${base}/{id}/action`, params: t, lookup: ['id'], body: { addProjectAccess: { project: 'p2' } } },
    );
  }
  for (const base of ['quota-sets', 'os-quota-sets']) {
    const target = { target: 'p2' };
    specs.push(
      { method: 'GET', path: `/v2/{p}/${base}/{target}`, params: target },
      { method: 'PUT', path: `/v2/{p}/${base}/{target}`, params: target, body: { quota_set: { shares: 5 } } },
      { method: 'DELETE', path: `/v2/{p}/${base}/{target}`, params: target },
      { method: 'GET', path: `/v2/{p}/${base}/{target}/detail`, params: target },
      { method: 'GET', path: `/v2/{p}/${base}/{target}/defaults`, params: target },
    );
  }
  specs.push(
    { method: 'GET', path: '/v2/{p}/quota-class-sets/{target}', params: { target: 'default' } },
    { method: 'GET', path: '/v2/{p}/os-quota-class-sets/{target}', params: { target: 'default' } },
  );
  return specs.map((r) => ({ ...r, api: 'share' as const }));
}

/** `/v3/{p}/volumes/{id}` → `/v3/:projectId/volumes/:id`, to compare with the routes Fastify has. */
export function routeKey(spec: { method: string; path: string }): string {
  const path = spec.path.split('?')[0]!.replace('{p}', ':projectId').replace(/\{(\w+)\}/g, ':$1');
  return `${spec.method} ${path}`;
}

function fill(path: string, p: string, params: Record<string, string>, override: Record<string, string> = {}): string {
  return path.replace('{p}', p).replace(/\{(\w+)\}/g, (_, k: string) => override[k] ?? encodeURIComponent(params[k]!));
}

function setAt(obj: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  if (path === '') return value;
  const parts = path.split('.');
  let o = copy;
  for (const k of parts.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[parts.at(-1)!] = value;
  return copy;
}

function getAt(obj: unknown, path: string): unknown {
  if (path === '') return obj;
  return path.split('.').reduce((o, k) => (o as Record<string, unknown>)[k], obj);
}

const BOOL_RE = /^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[TtFfYyNn]|[Yy][Ee][Ss]|[Nn][Oo]|1|0|[Oo][Nn]|[Oo][Ff][Ff])$/;

/** Values surely of the wrong type for a field of this kind. */
function wrongValue(kind: Kind): fc.Arbitrary<unknown> {
  const arr = fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 });
  const obj = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer(), { maxKeys: 2 });
  switch (kind) {
    case 'str': return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), arr, obj);
    case 'bool': return fc.oneof(fc.integer({ min: 2 }), arr, obj, fc.string({ minLength: 1, maxLength: 12 }).filter((x) => !BOOL_RE.test(x)));
    case 'size': return fc.oneof(fc.boolean(), arr, obj, fc.integer({ max: 0 }), fc.double({ min: 1.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.string({ minLength: 1, maxLength: 12 }).filter((x) => !/^[0-9]{1,10}$/.test(x)));
    case 'int': return fc.oneof(fc.boolean(), arr, obj, fc.integer({ max: -2 }), fc.string({ maxLength: 8 }), fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)));
    case 'obj': return fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }));
  }
}

/** A field path as the error handler names it. */
const named = (path: string) => new RegExp(`field/attribute (\\S+ )?${esc(path)}`);

const validVersion = (v: string) => {
  try {
    negotiate({ 'openstack-api-version': `volume ${v}` });
    return true;
  } catch {
    return false;
  }
};

const validShareVersion = (v: string) => {
  try {
    negotiate({ 'x-openstack-manila-api-version': v }, SHARED_FILE_SYSTEMS_V2);
    return true;
  } catch {
    return false;
  }
};

const headerSafe = (s: string) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s);
const idChars = fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,63}$/);
const queryName = fc.stringMatching(/^x_[a-z0-9_]{1,20}$/);
const SEGMENT_ALPHABET = /^[A-Za-z0-9_-]+$/;

/**
 * The hostile set: `per` samples of each family for each route where the family applies,
 * seeded for reproducibility. Deduplicated by the bytes sent.
 */
export function hostileRequests(s: Seeded, opts: { seed: number; per: number }): Hostile[] {
  const out: Hostile[] = [];
  const seen = new Set<string>();
  let seedStep = opts.seed;
  const sample = <T>(arb: fc.Arbitrary<T>, n = opts.per): T[] => fc.sample(arb, { numRuns: n, seed: seedStep++ });
  const push = (h: Hostile) => {
    const key = h.raw ?? `${h.method} ${h.path}\n${JSON.stringify(h.headers)}\n${h.body ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(h);
  };
  const json = { 'content-type': 'application/json' };
  const p = s.project;
  const specs = [...routeSpecs(s), ...shareRouteSpecs()];

  for (const r of specs) {
    const params = r.params ?? {};
    const path = fill(r.path, p, params);
    const methods = r.method === 'GET' ? ['GET', 'HEAD'] : [r.method];
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const bodyHeaders = body === undefined ? {} : json;
    const what = routeKey(r);
    const withQuery = (q: string) => (path.includes('?') ? `${path}&${q}` : `${path}?${q}`);

    const share = r.api === 'share';
    const mv = share ? SHARE_MV : MV;
    for (const method of methods) {
      const base = { method, headers: { ...mv, ...(method === 'HEAD' ? {} : bodyHeaders) }, ...(method === 'HEAD' || body === undefined ? {} : { body }) };

      // Query strings every route bounds: long values, too many parameters, repeats.
      for (const [name, len] of sample(fc.tuple(queryName, fc.integer({ min: 256, max: 3000 })))) {
        push({ family: `${what}: long query value`, ...base, path: withQuery(`${name}=${'q'.repeat(len)}`), status: 400, names: new RegExp(`Query parameter ${esc(name)} is longer than 255`) });
      }
      for (const names of sample(fc.uniqueArray(queryName, { minLength: 33, maxLength: 60 }), Math.ceil(opts.per / 2))) {
        push({ family: `${what}: too many query parameters`, ...base, path: withQuery(names.map((n) => `${n}=1`).join('&')), status: 400, names: /at most 32 query parameters/ });
      }
      for (const name of sample(queryName, Math.ceil(opts.per / 2))) {
        push({ family: `${what}: repeated query parameter`, ...base, path: withQuery(`${name}=1&${name}=2`), status: 400, names: new RegExp(`Query parameter ${esc(name)} may be given only once`) });
      }
      if (r.public) continue;

      // Microversions outside 3.0–3.70 or not versions at all, in either header.
      const badVersion = fc.oneof(
        fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 999 })).map(([a, b]) => `${a}.${b}`),
        fc.string({ minLength: 1, maxLength: 12 }),
      ).filter((v) => headerSafe(v) && !v.includes(',') && !(share ? validShareVersion(v) : validVersion(v)));
      for (const [v, legacy] of sample(fc.tuple(badVersion, fc.boolean()))) {
        const { 'openstack-api-version': _, 'x-openstack-manila-api-version': __, ...rest } = base.headers as Record<string, string>;
        const headers = share
          ? { ...rest, ...(legacy ? { 'x-openstack-manila-api-version': v } : { 'openstack-api-version': `shared-file-system ${v}` }) }
          : { ...rest, ...(legacy ? { 'openstack-volume-microversion': v } : { 'openstack-api-version': `volume ${v}` }) };
        push({ family: `${what}: bad microversion`, ...base, path, headers, status: 406, names: share ? /2\.0.*2\.73/ : /3\.0.*3\.70/ });
      }

      if (r.queryKeys) {
        for (const name of sample(queryName)) {
          push({ family: `${what}: unknown query parameter`, ...base, path: withQuery(`${name}=1`), status: 400, names: new RegExp(`Invalid filters ${esc(name)}`) });
        }
      }
      if (r.paged) {
        for (const key of sample(queryName)) push({ family: `${what}: unknown sort key`, ...base, path: withQuery(`sort=${key}:asc`), status: 400, names: new RegExp(`sort key '${esc(key)}'`) });
        for (const lim of sample(fc.string({ minLength: 1, maxLength: 10 }).filter((x) => !/^\d+$/.test(x)))) {
          push({ family: `${what}: bad limit`, ...base, path: withQuery(`limit=${encodeURIComponent(lim)}`), status: 400, names: /limit/ });
        }
        // Cinder's MarkerNotFound is a 404 (Tempest checks it on snapshots).
        for (const m of sample(fc.uuid())) push({ family: `${what}: unknown marker`, ...base, path: withQuery(`marker=${m}`), status: 404, names: new RegExp(`Marker .*${esc(m)}`) });
        // Repeated sort keys under a marker: the keyset clause grows with the square of their number.
        for (const [key, n, dir] of sample(fc.tuple(fc.constantFrom('size', 'created_at', 'id', 'name', 'status'), fc.integer({ min: 2, max: 3000 }), fc.constantFrom('', ':asc', ':desc')))) {
          // Kept under Node's 16 KiB limit on the request line and headers (beyond it: 431).
          const sort = Array.from({ length: Math.min(n, Math.floor(12_000 / (key.length + dir.length + 1))) }, () => `${key}${dir}`).join(',');
          push({ family: `${what}: ${n} sort keys`, ...base, path: withQuery(`marker=${r.paged}&sort=${sort}`), status: 400,
            names: sort.length > 4096 ? /Query parameter sort is longer than 4096/ : new RegExp(`sort key '${key}' is given more than once`) });
        }
      }
      if (r.metadataFilter) {
        for (const n of sample(fc.integer({ min: 51, max: 600 }))) {
          const md = JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'])));
          push({ family: `${what}: ${n}-key metadata filter`, ...base, path: withQuery(`metadata=${encodeURIComponent(md)}`), status: 400, names: /metadata/ });
        }
      }

      // Path params: too long, badly percent-encoded, and (for lookups) unknown.
      const paramNames = ['p', ...Object.keys(params)];
      for (const [name, len] of sample(fc.tuple(fc.constantFrom(...paramNames), fc.integer({ min: 256, max: 4000 })))) {
        const seg = 'L'.repeat(len);
        push({ family: `${what}: long path segment`, ...base, path: name === 'p' ? fill(r.path.replace('{p}', seg), p, params) : fill(r.path, p, params, { [name]: seg }),
          status: 400, names: /path segment is longer than 255/ });
      }
      const badEncoding = fc.tuple(fc.stringMatching(SEGMENT_ALPHABET), fc.constantFrom('%', '%Z', '%ZZ', '%C3%28', '%E0%A4%A', '%F0%28%8C%BC', '%C0%AF', '%ED%A0%80', '%FF', '%E2%82'))
        .map(([a, b]) => `${a}${b}`);
      for (const [name, seg] of sample(fc.tuple(fc.constantFrom(...paramNames), badEncoding))) {
        push({ family: `${what}: bad percent-encoding`, ...base, path: name === 'p' ? fill(r.path.replace('{p}', seg), p, params) : fill(r.path, p, params, { [name]: seg }),
          status: 400, names: /percent-encod/ });
      }
      for (const name of r.lookup ?? []) {
        const unknown = fc.oneof(fc.uuid(), idChars).filter((x) => !Object.values(s).includes(x) && !['detail', 'summary', 'action', 'metadata', '.', '..'].includes(x) && x !== params[name]);
        for (const id of sample(unknown)) {
          // An image name outside the image directory's alphabet is a 400 naming it, an unknown one a 404.
          push({ family: `${what}: unknown ${name}`, ...base, path: fill(r.path, p, params, { [name]: encodeURIComponent(id) }), status: r.path.includes('/images/') ? 0 : 404, names: new RegExp(esc(id)) });
        }
      }

      // Methods no route has (a GET, PUT or DELETE on /volumes/detail would match /volumes/{id}).
      for (const other of ['PATCH', 'OPTIONS', 'PROPFIND']) {
        if (method !== r.method) continue;
        if (specs.some((o) => o.method === other && o.path === r.path)) continue; // the path has that method
        push({ family: `${what}: method ${other}`, method: other, path, headers: mv, status: 404, names: new RegExp(`could not be found: ${other} `) });
      }
    }

    // Bodies: truncated, trailing junk, nested too deep, wrong top-level type, unknown keys,
    // wrong types, oversized strings, wrong content type, over the size limit.
    if (r.body === undefined || r.public) continue;
    const text = JSON.stringify(r.body);
    const at = (b: string, extra: Record<string, string> = json) => ({ method: r.method, path, headers: { ...(r.api === 'share' ? SHARE_MV : MV), ...extra }, body: b });
    for (const cut of sample(fc.integer({ min: 1, max: text.length - 1 }))) {
      push({ family: `${what}: truncated JSON`, ...at(text.slice(0, cut)), status: 400, names: /Malformed request body/ });
    }
    for (const junk of sample(fc.stringMatching(/^[}\],x{":1]{1,4}$/))) {
      push({ family: `${what}: trailing junk`, ...at(`${text}${junk}`), status: 400, names: /Malformed request body/ });
    }
    const paths = ['', ...Object.keys(r.fields ?? {})];
    for (const [where, depth, open] of sample(fc.tuple(fc.constantFrom(...paths), fc.integer({ min: 33, max: 20_000 }), fc.constantFrom('[', '{"a":')))) {
      const close = open === '[' ? ']' : '}';
      const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
      const b = where === '' ? nested : JSON.stringify(setAt(r.body, where, '@@NEST@@')).replace('"@@NEST@@"', nested);
      push({ family: `${what}: nested ${depth} deep`, ...at(b), status: 400, names: /nested deeper than 32 levels/ });
    }
    for (const v of sample(fc.oneof(fc.array(fc.integer(), { maxLength: 3 }), fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.boolean()))) {
      push({ family: `${what}: body not an object`, ...at(JSON.stringify(v)), status: 400, names: /field\/attribute body/ });
    }
    for (const [where, key] of sample(fc.tuple(fc.constantFrom(...(r.strict?.length ? r.strict : [null])), fc.stringMatching(/^x_[a-z]{1,12}$/)))) {
      if (where === null) break;
      const b = setAt(r.body, where, { ...(getAt(r.body, where) as object), [key]: 'x' });
      push({ family: `${what}: unknown field`, ...at(JSON.stringify(b)), status: 400, names: new RegExp(`${esc(where === '' ? key : `${where}.${key}`)}: not a recognised field`) });
    }
    const fields = Object.entries(r.fields ?? {});
    if (fields.length > 0) {
      for (const [[field, kind], v] of sample(fc.constantFrom(...fields).chain((f) => fc.tuple(fc.constant(f), wrongValue(f[1]))), opts.per * 2)) {
        push({ family: `${what}: wrong type`, ...at(JSON.stringify(setAt(r.body, field, v))), status: 400, names: named(field) });
      }
      const strs = fields.filter(([, k]) => k === 'str');
      if (strs.length > 0) {
        for (const [field, len] of sample(fc.tuple(fc.constantFrom(...strs.map(([f]) => f)), fc.integer({ min: 70_000, max: 200_000 })), Math.ceil(opts.per / 2))) {
          push({ family: `${what}: huge string`, ...at(JSON.stringify(setAt(r.body, field, 'h'.repeat(len)))), status: 400, names: named(field) });
        }
      }
      const nums = fields.filter(([, k]) => k === 'size' || k === 'int');
      for (const [field, n] of sample(fc.tuple(fc.constantFrom(...(nums.length ? nums.map(([f]) => f) : [null])), fc.oneof(fc.maxSafeInteger().map((x) => 2 ** 31 + Math.abs(x)), fc.constant(1e300), fc.constant(2 ** 53))), Math.ceil(opts.per / 2))) {
        if (field === null) break;
        push({ family: `${what}: huge number`, ...at(JSON.stringify(setAt(r.body, field, n))), status: 400, names: named(field) });
      }
    }
    const mediaType = fc.oneof(fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json'),
      fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z.+-]{1,12}$/)).map(([a, b]) => `${a}/${b}`))
      .filter((t) => t !== 'application/json' && !t.startsWith('application/json;'));
    for (const t of sample(mediaType, Math.ceil(opts.per / 2))) {
      push({ family: `${what}: content type ${t}`, ...at(text, { 'content-type': t }), status: 415, names: /Content-Type/ });
    }
    push({ family: `${what}: body over 1 MiB`, ...at(JSON.stringify(setAt(r.body, paths.at(-1)!, 'b'.repeat(1_100_000)))), status: 413, names: /too large/ });
  }

  // Malformed HTTP, before any route: garbage request lines, bad versions, bad header bytes,
  // conflicting framing, oversized headers.
  for (const line of sample(fc.stringMatching(/^[A-Z]{1,8} [ -~]{0,40}$/).filter((l) => !/^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|CONNECT|PROPFIND|[A-Z]+) \/\S* HTTP\/1\.[01]$/.test(l)), opts.per * 4)) {
    push({ family: 'garbage request line', method: '', path: '', headers: {}, raw: `${line}\r\nHost: x\r\n\r\n`, status: 400, names: /Malformed HTTP request/ });
  }
  // Node's parser takes HTTP/2.0 in a request line as HTTP/1.x framing (answered normally), so it is no bad version.
  for (const v of sample(fc.stringMatching(/^HTTP\/[2-9]\.[0-9]$/).filter((x) => x !== 'HTTP/2.0'), opts.per)) {
    push({ family: 'bad HTTP version', method: '', path: '', headers: {}, raw: `GET /v3/${p}/volumes ${v}\r\nHost: x\r\n\r\n`, status: 400, names: /Malformed HTTP request/ });
  }
  for (const [name, c] of sample(fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.constantFrom(' ', '(', ')', '@', '[', '"', '\x01', '{')), opts.per * 2)) {
    push({ family: 'bad header name', method: '', path: '', headers: {}, raw: `GET /v3/${p}/volumes HTTP/1.1\r\nHost: x\r\n${name}${c}x: 1\r\n\r\n`, status: 400, names: /Malformed HTTP request/ });
  }
  for (const [n, chunked] of sample(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom('chunked', 'gzip, chunked')), opts.per)) {
    push({ family: 'Content-Length with Transfer-Encoding', method: '', path: '', headers: {},
      raw: `POST /v3/${p}/volumes HTTP/1.1\r\nHost: x\r\nContent-Length: ${n}\r\nTransfer-Encoding: ${chunked}\r\n\r\n0\r\n\r\n`, status: 400, names: /Malformed HTTP request/ });
  }
  for (const n of sample(fc.constantFrom('-1', 'abc', '1.5', '0x10', '99999999999999999999', '1, 2'), 6)) {
    push({ family: 'bad Content-Length', method: '', path: '', headers: {}, raw: `POST /v3/${p}/volumes HTTP/1.1\r\nHost: x\r\nContent-Length: ${n}\r\n\r\n`, status: 400, names: /Malformed HTTP request/ });
  }
  for (const [host, port] of sample(fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })), opts.per)) {
    push({ family: 'CONNECT', method: '', path: '', headers: {}, raw: `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`, status: 405, names: /CONNECT is not supported/ });
  }
  for (const n of sample(fc.integer({ min: 17_000, max: 200_000 }), opts.per)) {
    push({ family: 'oversized headers', method: 'GET', path: `/v3/${p}/volumes`, headers: { ...MV, 'x-auth-token': 't'.repeat(n) }, status: 431, names: /request line and headers are too large/ });
  }
  return out;
}
