import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingExecutor } from '../../test/support/recording-executor.js';
import { copyData, copyToNewImage } from './volume-io.js';

// qemu-img convert's default target cache mode is `unsafe`: it never flushes, so a copy would
// end with its bytes still in a page cache. Both copies must ask for writeback (one flush).
test('copies flush the target: qemu-img convert runs with -t writeback', async () => {
  const ex = new RecordingExecutor();
  await copyData(ex, { kind: 'file', path: '/a.raw', format: 'raw' }, { kind: 'file', path: '/b.raw', format: 'raw' });
  await copyToNewImage(ex, { kind: 'file', path: '/b.raw', format: 'raw' }, '/c.qcow2', 'qcow2');
  for (const { argv } of ex.calls) {
    assert.equal(argv[argv.indexOf('-t') + 1], 'writeback', argv.join(' '));
  }
  assert.equal(ex.calls.length, 2);
});
