// The driver conformance suite: the contract's semantics checked on any VolumeDriverCore.
// Generic on purpose: it runs on real iSCSI drivers too, so every test uses fresh ids and
// removes what it created; the harness fails the suite if anything is left behind.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import type { Connector } from '../../src/drivers/interface/objects.js';
import { ListBackendVolumes, ValidateConnector } from '../../src/drivers/interface/capabilities.js';
import { FlintError, InvalidInput } from '../../src/errors/errors.js';
import { applyUpdate, makeVolume } from './fixtures.js';
import { assertConnectionInfo, assertFlintError, assertModelUpdate, assertStats } from './assertions.js';
import { Harness } from './harness.js';
import { declareCapabilityConformance } from './capability-conformance.js';

export interface ConformanceSubject {
  /** Shown in test names, e.g. 'local/tgtadm'. */
  name: string;
  /** Build a fresh driver; the suite calls doSetup() and checkForSetupError() itself. */
  create(): Promise<{ driver: VolumeDriverCore; cleanup(): Promise<void> }>;
  /** A connector this backend accepts (iSCSI: { initiator: 'iqn.…', host, ip }). */
  connector: Connector;
  /** The driver_volume_type initialize_connection must return. */
  protocol: 'iscsi' | 'iser' | 'fibre_channel' | 'local' | 'fake';
  /** After setup: asserts the backend runs the setup the suite means to test (and prints it). */
  checkSetup?(driver: VolumeDriverCore, print: (line: string) => void): Promise<void> | void;
}

/** The connector with the field this protocol identifies hosts by removed. */
function connectorWithoutIdentity(subject: ConformanceSubject): { connector: Connector; field: string } {
  const field = subject.protocol === 'fibre_channel' ? 'wwpns' : 'initiator';
  const connector = { ...subject.connector };
  delete connector[field];
  return { connector, field };
}

/** Declares the suite's describe/test blocks for one driver. */
export function runDriverConformance(subject: ConformanceSubject): void {
  // The describe body is async: capability guards are read from a built driver, so each
  // capability gets tests named for what the driver has, and stats must advertise exactly those.
  describe(`driver conformance: ${subject.name}`, async () => {
    const made = await subject.create();
    const driver = made.driver;
    const h = new Harness(driver);

    before(async () => {
      await driver.doSetup();
      await driver.checkForSetupError();
    });
    after(async () => {
      try {
        await h.cleanup();
      } finally {
        await driver.shutdown?.();
        await made.cleanup();
      }
    });

    describe('setup and stats', () => {
      test('checkForSetupError passes again after setup', async () => {
        await driver.checkForSetupError();
      });
      if (subject.checkSetup) {
        test('the backend runs the configured setup', async (t) => {
          await subject.checkSetup!(driver, (line) => t.diagnostic(line));
        });
      }

      test('stats: shape, units and invariants; operations equal supportedOperations(driver)', async () => {
        assertStats(await driver.getVolumeStats(true), driver);
        assertStats(await driver.getVolumeStats(false), driver);
      });

      test('stats: known capacity reports free <= total in every pool after a volume is created', async () => {
        const v = await h.volume(1);
        assertStats(await driver.getVolumeStats(true), driver);
        await h.destroy(v);
      });
    });

    describe('create and delete', () => {
      test('createVolume twice with the same id and size succeeds', async () => {
        const v = await h.volume(1);
        const again = await driver.createVolume(v);
        assertModelUpdate(again);
        if (ListBackendVolumes.is(driver)) {
          const mine = (await driver.listBackendVolumes()).filter((o) => o.flintId === v.id);
          assert.equal(mine.length, 1, 'a repeated create must not make a second backend object');
        }
        await h.destroy(v);
      });

      test('createVolume of an existing id with a different size is refused with a FlintError', async () => {
        const v = await h.volume(1);
        await assertFlintError(() => driver.createVolume({ ...v, size: 2 }), FlintError, 'createVolume with another size');
        await h.destroy(v);
      });

      test('deleteVolume twice succeeds, and the object is gone', async () => {
        const v = await h.volume(1);
        await driver.deleteVolume(v);
        await driver.deleteVolume(v);
        h.forget(v);
        if (ListBackendVolumes.is(driver)) {
          const left = (await driver.listBackendVolumes()).filter((o) => o.flintId === v.id);
          assert.deepEqual(left, [], 'deleted volume still listed by listBackendVolumes');
        }
      });

      test('two concurrent createVolume calls for one id (a task run twice) leave exactly one backend object', async () => {
        const v = h.remember(makeVolume({ size: 1 }));
        const results = await Promise.allSettled([driver.createVolume(v), driver.createVolume(v)]);
        assert.ok(results.some((r) => r.status === 'fulfilled'), 'at least one of the two creates succeeds');
        for (const r of results) {
          if (r.status === 'rejected') assert.ok(r.reason instanceof FlintError, `a losing create fails with a FlintError, got ${String(r.reason)}`);
        }
        assertModelUpdate(await driver.createVolume(v));
        if (ListBackendVolumes.is(driver)) {
          assert.equal((await driver.listBackendVolumes()).filter((o) => o.flintId === v.id).length, 1);
        }
        await h.destroy(v);
      });

      test('deleteVolume of a volume that was never created succeeds', async () => {
        await driver.deleteVolume(makeVolume({ size: 1 }));
      });
    });

    describe(`export and connection (${subject.protocol})`, () => {
      test(`createExport then initializeConnection returns ${subject.protocol} connection properties`, async () => {
        let v = await h.volume(1);
        const update = await driver.createExport(v, subject.connector);
        assertModelUpdate(update);
        v = h.remember(applyUpdate(v, update));
        const info = await driver.initializeConnection(v, subject.connector);
        assertConnectionInfo(info, subject.protocol, v);
        // Attaching the same host again (a retried attach) gives the same target.
        const again = await driver.initializeConnection(v, subject.connector);
        assert.deepEqual(again, info);
        await driver.terminateConnection(v, subject.connector);
        await driver.removeExport(v);
        await h.destroy(v);
      });

      test('createExport and ensureExport are idempotent: the same export is reported again', async () => {
        let v = await h.volume(1);
        const first = await driver.createExport(v, subject.connector);
        v = h.remember(applyUpdate(v, first));
        const second = await driver.createExport(v, subject.connector);
        assertModelUpdate(second);
        const ensured = await driver.ensureExport(v);
        assertModelUpdate(ensured);
        for (const u of [second, ensured]) {
          if (u && u.providerLocation !== undefined && first && first.providerLocation !== undefined) {
            assert.equal(u.providerLocation, first.providerLocation, 'a repeated export must keep its provider_location');
          }
        }
        await h.destroy(applyUpdate(v, ensured));
      });

      test('terminateConnection and removeExport are idempotent (twice each, and force-detach with null)', async () => {
        let v = await h.volume(1);
        v = h.remember(applyUpdate(v, await driver.createExport(v, subject.connector)));
        await driver.initializeConnection(v, subject.connector);
        await driver.terminateConnection(v, subject.connector);
        await driver.terminateConnection(v, subject.connector);
        await driver.terminateConnection(v, null);
        await driver.removeExport(v);
        await driver.removeExport(v);
        await driver.deleteVolume(v);
        h.forget(v);
      });

      test('terminateConnection and removeExport of a never-exported volume succeed', async () => {
        const v = await h.volume(1);
        await driver.terminateConnection(v, subject.connector);
        await driver.removeExport(v);
        await h.destroy(v);
      });

      test('initializeConnection of a volume that does not exist throws a FlintError', async () => {
        await assertFlintError(() => driver.initializeConnection(makeVolume(), subject.connector), FlintError, 'initializeConnection');
      });

      if (ValidateConnector.is(driver)) {
        const { connector: bad, field } = connectorWithoutIdentity(subject);
        test('validate_connector accepts the subject connector', () => {
          driver.validateConnector(subject.connector);
        });
        if (subject.protocol === 'local') {
          test('validate_connector (local protocol): no host identity is required, so only acceptance is checked', () => {
            driver.validateConnector({ ...subject.connector });
          });
        } else {
          test(`validate_connector rejects a connector without ${field} with InvalidInput`, async () => {
            const e = await assertFlintError(() => driver.validateConnector(bad), InvalidInput, 'validateConnector');
            assert.match(e.message, new RegExp(field), 'the message names the missing field');
          });
        }
      }
    });

    declareCapabilityConformance(subject, driver, h);
  });
}
