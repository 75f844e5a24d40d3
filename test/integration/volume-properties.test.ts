// A volume's metadata, its type's extra specs and QoS values, read in one statement, are what
// the three separate reads answer, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { volumeProperties } from '../../src/db/repos/volume-properties.js';
import { readMetadata } from '../../src/db/repos/metadata.js';
import { extraSpecsOf, qosSpecsOfType } from '../../src/db/repos/types.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

const AT = '2030-01-01T00:00:00.000Z';

for (const kind of DB_KINDS) {
  describe(`volume properties (${kind})`, () => {
    let db: Db;
    const schema = `flint_vp_${process.pid}`;
    before(async () => {
      db = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
      const k = db.kysely;
      await k.insertInto('qosSpecs').values({ id: 'q1', name: 'fast', consumer: 'back-end', createdAt: AT }).execute();
      await k.insertInto('qosSpecValues').values([{ qosSpecsId: 'q1', key: 'maxIOPS', value: '500' }, { qosSpecsId: 'q1', key: 'color', value: 'qos' }]).execute();
      await k.insertInto('volumeTypes').values([
        { id: 't-qos', name: 'with-qos', description: null, isPublic: 1, qosSpecsId: 'q1', createdAt: AT },
        { id: 't-plain', name: 'plain', description: null, isPublic: 1, qosSpecsId: null, createdAt: AT },
        { id: 't-bare', name: 'bare', description: null, isPublic: 1, qosSpecsId: null, createdAt: AT },
      ]).execute();
      await k.insertInto('volumeTypeExtraSpecs').values([
        { volumeTypeId: 't-qos', key: 'color', value: 'spec' }, { volumeTypeId: 't-qos', key: 'thin', value: '<is> True' },
        { volumeTypeId: 't-plain', key: 'color', value: 'plain-spec' },
      ]).execute();
      // Volume v1 shares a key with its type's specs and QoS values: each source keeps its own.
      await k.insertInto('volumeMetadata').values([{ resourceId: 'v1', key: 'color', value: 'meta' }, { resourceId: 'v1', key: 'owner', value: 'ann' }, { resourceId: 'v2', key: 'x', value: 'y' }]).execute();
    });
    after(async () => {
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
    });

    const cases: Array<[volumeId: string, typeId: string | null]> = [
      ['v1', 't-qos'], ['v1', 't-plain'], ['v1', 't-bare'], ['v1', null], ['v2', 't-qos'], ['v-none', 't-qos'], ['v-none', null], ['v1', 't-missing'],
    ];
    for (const [volumeId, typeId] of cases) {
      test(`${volumeId} of type ${typeId}: one statement, the answers of the separate reads`, async () => {
        const k = db.kysely;
        const expected = { metadata: await readMetadata(k, 'volumeMetadata', volumeId), extraSpecs: await extraSpecsOf(k, typeId), qosSpecs: await qosSpecsOfType(k, typeId) };
        const { result: withQos, statements } = await db.statements.during(() => volumeProperties(k, volumeId, typeId, { qos: true }));
        assert.equal(statements, 1);
        assert.deepEqual(withQos, expected);
        const inTx = await k.transaction().execute((tx) => volumeProperties(tx, volumeId, typeId, { qos: false }));
        assert.deepEqual(inTx, { ...expected, qosSpecs: {} });
      });
    }
  });
}
