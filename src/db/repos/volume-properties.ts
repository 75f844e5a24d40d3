// What a volume carries beside its row, read in one statement: its metadata, its type's extra
// specs and (for the scheduler) its type's QoS values. A task on one volume used to read them
// in two to four statements.
import { sql } from 'kysely';
import type { Tx } from '../transaction.js';
import { SharedReusableQuery } from '../reusable-query.js';

export interface VolumeProperties {
  metadata: Record<string, string>;
  /** `{}` for a volume without a type. */
  extraSpecs: Record<string, string>;
  /** Read only when asked for; `{}` otherwise, and for a type without QoS specs. */
  qosSpecs: Record<string, string>;
}

type Source = 'metadata' | 'spec' | 'qos';
type Shape = 'untyped' | 'typed' | 'typed+qos';

// One row per key, tagged with where it came from; the literals are constants of the SQL, never values.
const properties = new SharedReusableQuery((k, { volumeId, typeId }: { volumeId: string; typeId?: string }, shape: Shape) => {
  let q = k.selectFrom('volumeMetadata').select([sql<Source>`'metadata'`.as('source'), 'key', 'value']).where('resourceId', '=', volumeId);
  if (shape !== 'untyped') {
    q = q.unionAll(k.selectFrom('volumeTypeExtraSpecs').select([sql<Source>`'spec'`.as('source'), 'key', 'value']).where('volumeTypeId', '=', typeId!));
  }
  if (shape === 'typed+qos') {
    q = q.unionAll(k.selectFrom('qosSpecValues').innerJoin('volumeTypes', 'volumeTypes.qosSpecsId', 'qosSpecValues.qosSpecsId')
      .select([sql<Source>`'qos'`.as('source'), 'qosSpecValues.key', 'qosSpecValues.value']).where('volumeTypes.id', '=', typeId!));
  }
  return q;
});

export async function volumeProperties(tx: Tx, volumeId: string, typeId: string | null, o: { qos: boolean }): Promise<VolumeProperties> {
  const out: VolumeProperties = { metadata: {}, extraSpecs: {}, qosSpecs: {} };
  const { rows } = typeId === null
    ? await properties.execute(tx, { volumeId }, 'untyped')
    : await properties.execute(tx, { volumeId, typeId }, o.qos ? 'typed+qos' : 'typed');
  for (const r of rows) {
    const into = r.source === 'metadata' ? out.metadata : r.source === 'spec' ? out.extraSpecs : out.qosSpecs;
    into[r.key] = r.value;
  }
  return out;
}
