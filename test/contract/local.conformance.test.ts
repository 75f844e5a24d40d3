// The driver conformance suite for `local` over a real tgtd and a loop-mounted XFS pool.
import { runDriverConformance } from './driver-conformance.js';
import { makeIscsiConnector } from './fixtures.js';
import { makeTestLocalBackend } from '../../src/drivers/local/local-test-backend.js';

runDriverConformance({
  name: 'local/tgtadm',
  async create() {
    const b = await makeTestLocalBackend();
    return { driver: b.driver, cleanup: b.cleanup };
  },
  connector: makeIscsiConnector(),
  protocol: 'iscsi',
});
