// Schema pieces several resources share: names, descriptions, metadata, sizes, connectors.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { InvalidInput, NotFound } from '../../errors/errors.js';

/** Largest size accepted in GiB; anything larger is refused by the schema, not the database. */
export const MAX_SIZE_GIB = 2_147_483_647;

export const NullableName = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);
export const NullableDescription = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);
export const NullableId = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]);
/** Server (instance) ids are stored in 36 characters, as Cinder stores them. */
export const InstanceId = Type.String({ minLength: 1, maxLength: 36 });

/** A size in GiB: an integer, or a string of digits as older clients send. */
export const Size = Type.Union([
  Type.Integer({ minimum: 1, maximum: MAX_SIZE_GIB }),
  Type.String({ pattern: '^[0-9]{1,10}$' }),
]);

/**
 * The same schema, typed as the map it validates: TypeBox types an object that has only
 * additionalProperties as {}, so handlers would otherwise cast what they read.
 */
export function MapOf<V>(schema: TSchema): TUnsafe<Record<string, V>> {
  return Type.Unsafe<Record<string, V>>(schema);
}

export const Metadata = MapOf<string>(Type.Object({}, {
  additionalProperties: Type.String({ maxLength: 255 }),
  propertyNames: { minLength: 1, maxLength: 255 },
  maxProperties: 128,
}));

/** Cinder's boolean fields accept booleans and the usual strings. */
export const Bool = Type.Union([
  Type.Boolean(),
  Type.String({ pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[TtFfYyNn]|[Yy][Ee][Ss]|[Nn][Oo]|1|0|[Oo][Nn]|[Oo][Ff][Ff])$' }),
]);

export const Connector = Type.Object({
  initiator: Type.Optional(Type.String({ maxLength: 255 })),
  host: Type.Optional(Type.String({ maxLength: 255 })),
  ip: Type.Optional(Type.String({ maxLength: 255 })),
  wwpns: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
  wwnns: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
  multipath: Type.Optional(Type.Boolean()),
  platform: Type.Optional(Type.String({ maxLength: 64 })),
  os_type: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: true, maxProperties: 64 });

export const ProjectParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }) });
// An empty id (GET /volumes/) is a resource that is not there: 404 from the lookup, as Cinder answers.
export const IdParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), id: Type.String({ maxLength: 255 }) });

export function toSize(v: number | string, field: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SIZE_GIB) {
    throw new InvalidInput(`Invalid input for field/attribute ${field}: must be an integer between 1 and ${MAX_SIZE_GIB}, got '${String(v).slice(0, 20)}'.`);
  }
  return n;
}

/**
 * Any query string as Fastify parses it (each value a string, or a list when repeated); it
 * never fails, it only types `req.query`. Routes check their own keys and values.
 */
export const AnyQuery = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));
