import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from '../../../errors/errors.js';
import { ObjectMissing } from '../chunked/object-store.js';
import { PosixObjectStore } from './posix-object-store.js';

async function withStore(fn: (store: PosixObjectStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'flint-posix-store-'));
  try {
    await fn(new PosixObjectStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('put writes the whole object with mode 0640 and leaves no temporary file', () => withStore(async (store, root) => {
  await store.put('c', 'volume_v/backup_b/obj-000000', Buffer.from('hello'));
  const dir = join(root, 'c', 'volume_v', 'backup_b');
  assert.deepEqual(await readdir(dir), ['obj-000000']);
  assert.equal((await stat(join(dir, 'obj-000000'))).mode & 0o777, 0o640);
  assert.equal((await store.get('c', 'volume_v/backup_b/obj-000000')).toString(), 'hello');
  assert.equal(await store.exists('c', 'volume_v/backup_b/obj-000000'), true);
}));

test('get of a missing object throws ObjectMissing; delete of one is a no-op', () => withStore(async (store) => {
  await assert.rejects(store.get('c', 'nope'), ObjectMissing);
  await store.delete('c', 'nope');
  assert.equal(await store.exists('c', 'nope'), false);
}));

test('list returns keys under a prefix only, and sorted; an absent container lists nothing', () => withStore(async (store) => {
  for (const k of ['v/b1/o2', 'v/b1/o1', 'v/b10/o1', 'w/b1/o1']) await store.put('c', k, Buffer.from(k));
  assert.deepEqual(await store.list('c', 'v/b1/'), ['v/b1/o1', 'v/b1/o2']);
  assert.deepEqual(await store.list('c', 'v/b1'), ['v/b1/o1', 'v/b1/o2', 'v/b10/o1']);
  assert.deepEqual(await store.list('nothing-here', 'v/'), []);
}));

test('deleting the last object of a backup removes its now empty directories, not the container', () => withStore(async (store, root) => {
  await store.put('c', 'v/b1/o1', Buffer.from('x'));
  await store.delete('c', 'v/b1/o1');
  assert.deepEqual(await readdir(join(root, 'c')), []);
}));

test('containers and keys that climb out of the root are refused', () => withStore(async (store) => {
  for (const [container, key] of [['..', 'k'], ['c', '../k'], ['c', '/etc/passwd'], ['/abs', 'k'], ['c', 'a//b'], ['c', 'a/./b']]) {
    await assert.rejects(store.put(container!, key!, Buffer.from('x')), BackendError, `${container} ${key}`);
  }
}));

test('check fails with a BackendError when the root cannot be written', async () => {
  const store = new PosixObjectStore('/proc/flint-no-such-dir');
  await assert.rejects(store.check('c'), (e: unknown) => e instanceof BackendError && /not usable/.test(e.message));
});
