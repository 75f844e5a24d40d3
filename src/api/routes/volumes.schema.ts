// Request bodies of /volumes.
import { Type, type Static } from '@sinclair/typebox';
import { Bool, Metadata, NullableDescription, NullableId, NullableName, Size } from './common.schema.js';

export const CreateVolumeBody = Type.Object({
  volume: Type.Object({
    size: Type.Optional(Type.Union([Size, Type.Null()])),
    name: Type.Optional(NullableName),
    display_name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    display_description: Type.Optional(NullableDescription),
    volume_type: Type.Optional(NullableId),
    availability_zone: Type.Optional(NullableId),
    snapshot_id: Type.Optional(NullableId),
    source_volid: Type.Optional(NullableId),
    backup_id: Type.Optional(NullableId),
    consistencygroup_id: Type.Optional(NullableId),
    group_id: Type.Optional(NullableId),
    imageRef: Type.Optional(NullableId),
    /** Flint extension: a file on the Flint host to copy onto the new volume. */
    image_path: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()])),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    multiattach: Type.Optional(Bool),
    bootable: Type.Optional(Bool),
  }, { additionalProperties: false }),
  'OS-SCH-HNT:scheduler_hints': Type.Optional(Type.Union([Type.Null(), Type.Object({
    same_host: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })])),
    different_host: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })])),
  }, { additionalProperties: true })])),
}, { additionalProperties: false });
export type CreateVolumeBody = Static<typeof CreateVolumeBody>;

export const UpdateVolumeBody = Type.Object({
  volume: Type.Object({
    name: Type.Optional(NullableName),
    display_name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    display_description: Type.Optional(NullableDescription),
    metadata: Type.Optional(Metadata),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });
export type UpdateVolumeBody = Static<typeof UpdateVolumeBody>;
