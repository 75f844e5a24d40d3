// Sort and paging parameters: only real sortable columns, each once, a bounded count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePageParams } from './list-params.js';
import { FlintError } from '../../errors/errors.js';

const SORTABLE = ['id', 'name', 'size', 'created_at'] as const;
const DEFAULT = [{ key: 'created_at', dir: 'desc' as const }];

function refused(query: Record<string, string>, names: RegExp) {
  assert.throws(() => parsePageParams(query, SORTABLE, DEFAULT), (e: unknown) => {
    assert.ok(e instanceof FlintError && e.httpStatus === 400, String(e));
    assert.match((e as Error).message, names);
    return true;
  });
}

test('sort keys are real columns, each given once', () => {
  assert.deepEqual(parsePageParams({ sort: 'size:asc,name' }, SORTABLE, DEFAULT).sort, [{ key: 'size', dir: 'asc' }, { key: 'name', dir: 'desc' }]);
  refused({ sort: 'size,size' }, /sort key 'size' is given more than once/);
  refused({ sort: 'size:asc,name:desc,size:desc' }, /'size'/);
  refused({ sort: Array.from({ length: 300 }, () => 'size').join(',') }, /'size'/);
  refused({ sort: 'shoe' }, /'shoe'/);
});

test('a long list of sort keys is refused at its first bad key, without reading the rest', () => {
  refused({ sort: Array.from({ length: 2000 }, (_, i) => `k${i}`).join(',') }, /'k0'/);
  refused({ sort: `id,name,size,created_at,${Array.from({ length: 2000 }, () => 'id').join(',')}` }, /'id' is given more than once/);
  refused({ sort: `${'x'.repeat(20_000)}` }, /sort/);
});
