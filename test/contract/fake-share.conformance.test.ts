// Runs the share driver conformance suite on the fake share driver: with every capability,
// with share servers (DHSS=true), and without some capabilities (stats must follow).
import { randomUUID } from 'node:crypto';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import { createFakeShareDriver } from '../../src/drivers/fake-share/fake-share-driver.js';
import { runShareDriverConformance } from './share-driver-conformance.js';
import { fakeShareContext } from '../support/fake-share-context.js';

function fake(raw: Record<string, string | boolean> = {}) {
  return async () => {
    const backend = `share-conformance-${randomUUID().slice(0, 8)}`;
    const driver = createFakeShareDriver(fakeShareContext(backend, raw));
    return { driver, cleanup: async () => FakeShareStore.reset(backend) };
  };
}

runShareDriverConformance('fake', fake());
runShareDriverConformance('fake DHSS=true', fake({ driver_handles_share_servers: true }));
runShareDriverConformance('fake without snapshots, shrink, manage', fake({ fake_share_disabled_capabilities: 'snapshot,create_share_from_snapshot,revert_to_snapshot,shrink,manage,manage_snapshot' }));
