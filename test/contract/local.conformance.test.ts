// The driver conformance suite for `local` over a real tgtd and a loop-mounted XFS pool.
import assert from 'node:assert/strict';
import { runDriverConformance } from './driver-conformance.js';
import { LocalDriver } from '../../src/drivers/local/local-driver.js';
import { makeIscsiConnector } from './fixtures.js';
import { makeTestLocalBackend } from '../support/local-test-backend.js';

runDriverConformance({
  name: 'local/tgtadm',
  async create() {
    const b = await makeTestLocalBackend();
    return { driver: b.driver, cleanup: b.cleanup };
  },
  connector: makeIscsiConnector(),
  protocol: 'iscsi',
  // Snapshot and clone tests mean reflinks on the loop-mounted XFS image: a plain-directory
  // fallback would pass them with full copies and test something else.
  checkSetup(driver, print) {
    assert.ok(driver instanceof LocalDriver);
    print(`local pool: filesystem ${driver.pool.fsType}, reflink ${driver.pool.reflink}, loop-mounted ${driver.pool.mountedByUs}`);
    assert.equal(driver.pool.problem, null);
    assert.equal(driver.pool.mountedByUs, true);
    assert.equal(driver.pool.fsType, 'xfs');
    assert.equal(driver.pool.reflink, true);
  },
});
