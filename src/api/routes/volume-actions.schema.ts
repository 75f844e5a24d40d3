// The body of POST /volumes/{id}/action: exactly one action, each with its own shape.
import { Type, type Static } from '@sinclair/typebox';
import { Bool, Connector, InstanceId, Metadata, Size } from './common.schema.js';

const NoArgs = Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]);
const Id = Type.String({ minLength: 1, maxLength: 255 });

export const VolumeActionBody = Type.Object({
  'os-extend': Type.Optional(Type.Object({ new_size: Size }, { additionalProperties: false })),
  'os-reset_status': Type.Optional(Type.Object({
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    attach_status: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    migration_status: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  }, { additionalProperties: false, minProperties: 1 })),
  'os-force_delete': Type.Optional(NoArgs),
  'os-reserve': Type.Optional(NoArgs),
  'os-unreserve': Type.Optional(NoArgs),
  'os-begin_detaching': Type.Optional(NoArgs),
  'os-roll_detaching': Type.Optional(NoArgs),
  'os-unmanage': Type.Optional(NoArgs),
  'os-initialize_connection': Type.Optional(Type.Object({ connector: Connector }, { additionalProperties: false })),
  'os-terminate_connection': Type.Optional(Type.Object({ connector: Connector }, { additionalProperties: false })),
  'os-attach': Type.Optional(Type.Object({
    instance_uuid: Type.Optional(Type.Union([InstanceId, Type.Null()])),
    host_name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    mountpoint: Type.String({ minLength: 1, maxLength: 255 }),
    mode: Type.Optional(Type.Union([Type.Literal('rw'), Type.Literal('ro')])),
  }, { additionalProperties: false })),
  'os-detach': Type.Optional(Type.Union([Type.Null(), Type.Object({
    attachment_id: Type.Optional(Type.Union([Id, Type.Null()])),
  }, { additionalProperties: false })])),
  'os-force_detach': Type.Optional(Type.Union([Type.Null(), Type.Object({
    attachment_id: Type.Optional(Type.Union([Id, Type.Null()])),
    connector: Type.Optional(Type.Union([Connector, Type.Null()])),
  }, { additionalProperties: false })])),
  'os-set_bootable': Type.Optional(Type.Object({ bootable: Bool }, { additionalProperties: false })),
  'os-update_readonly_flag': Type.Optional(Type.Object({ readonly: Bool }, { additionalProperties: false })),
  revert: Type.Optional(Type.Object({ snapshot_id: Id }, { additionalProperties: false })),
  'os-set_image_metadata': Type.Optional(Type.Object({ metadata: Metadata }, { additionalProperties: false })),
  'os-unset_image_metadata': Type.Optional(Type.Object({ key: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false })),
  'os-show_image_metadata': Type.Optional(NoArgs),
  'os-retype': Type.Optional(Type.Object({
    new_type: Type.String({ minLength: 1, maxLength: 255 }),
    migration_policy: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('on-demand'), Type.Null()])),
  }, { additionalProperties: false })),
  'os-migrate_volume': Type.Optional(Type.Object({
    host: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
    cluster: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
    force_host_copy: Type.Optional(Bool),
    lock_volume: Type.Optional(Bool),
  }, { additionalProperties: false })),
  'os-migrate_volume_completion': Type.Optional(Type.Object({
    new_volume: Id,
    error: Type.Optional(Type.Union([Bool, Type.Null()])),
  }, { additionalProperties: false })),
  'os-reimage': Type.Optional(Type.Object({
    image_id: Id,
    reimage_reserved: Type.Optional(Bool),
  }, { additionalProperties: false })),
  'os-volume_upload_image': Type.Optional(Type.Object({
    /** Flint has no image service: the name of a new file in Flint's image directory. */
    image_name: Type.String({ minLength: 1, maxLength: 4096 }),
    disk_format: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('qcow2')])),
    container_format: Type.Optional(Type.Literal('bare')),
    force: Type.Optional(Bool),
    visibility: Type.Optional(Type.String({ maxLength: 32 })),
    protected: Type.Optional(Bool),
  }, { additionalProperties: false })),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 });
export type VolumeActionBody = Static<typeof VolumeActionBody>;

export const SnapshotActionBody = Type.Object({
  'os-reset_status': Type.Optional(Type.Object({ status: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false })),
  'os-force_delete': Type.Optional(NoArgs),
  'os-unmanage': Type.Optional(NoArgs),
  'os-update_snapshot_status': Type.Optional(Type.Object({
    status: Type.String({ minLength: 1, maxLength: 32 }),
    progress: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  }, { additionalProperties: false })),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 });
export type SnapshotActionBody = Static<typeof SnapshotActionBody>;
