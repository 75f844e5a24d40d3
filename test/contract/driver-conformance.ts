// The driver conformance suite: the contract's semantics checked on any VolumeDriverCore.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import type { Connector } from '../../src/drivers/interface/objects.js';
import { supportedOperations } from '../../src/drivers/interface/capabilities.js';

export interface ConformanceSubject {
  /** Shown in test names, e.g. 'local/tgtadm'. */
  name: string;
  /** Build a fresh driver; the suite calls doSetup() and checkForSetupError() itself. */
  create(): Promise<{ driver: VolumeDriverCore; cleanup(): Promise<void> }>;
  /** A connector this backend accepts (iSCSI: { initiator: 'iqn.…', host, ip }). */
  connector: Connector;
  /** The driver_volume_type initialize_connection must return. */
  protocol: 'iscsi' | 'iser' | 'fibre_channel' | 'local' | 'fake';
}

/** Declares the suite's describe/test blocks for one driver. */
export function runDriverConformance(subject: ConformanceSubject): void {
  describe(`driver conformance: ${subject.name}`, () => {
    let driver: VolumeDriverCore;
    let cleanup: (() => Promise<void>) | undefined;

    before(async () => {
      const made = await subject.create();
      driver = made.driver;
      cleanup = made.cleanup;
      await driver.doSetup();
      await driver.checkForSetupError();
    });
    after(async () => {
      await driver?.shutdown?.();
      await cleanup?.();
    });

    test('stats advertise exactly the implemented operations', async () => {
      const stats = await driver.getVolumeStats(true);
      assert.deepEqual([...stats.operations].sort(), supportedOperations(driver).sort());
    });
  });
}
