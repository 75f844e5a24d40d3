// Runs the driver conformance suite on the fake driver, in its own shape and as iSCSI, iSER and FC.
import { randomUUID } from 'node:crypto';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { createFakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { runDriverConformance } from './driver-conformance.js';
import { makeFcConnector, makeIscsiConnector } from './fixtures.js';
import { fakeDriverContext } from '../support/fake-driver-context.js';

function fakeSubject(protocol: 'fake' | 'iscsi' | 'iser' | 'fibre_channel', raw: Record<string, string> = {}) {
  return {
    name: `fake/${protocol}${Object.keys(raw).length ? ` ${JSON.stringify(raw)}` : ''}`,
    protocol,
    connector: protocol === 'fibre_channel' ? makeFcConnector() : makeIscsiConnector(),
    async create() {
      const backend = `conformance-${protocol}-${randomUUID().slice(0, 8)}`;
      const driver = createFakeDriver(fakeDriverContext(backend, { fake_protocol: protocol, ...raw }));
      return { driver, cleanup: async () => FakeBackendStore.reset(backend) };
    },
  };
}

runDriverConformance(fakeSubject('fake'));
runDriverConformance(fakeSubject('iscsi'));
runDriverConformance(fakeSubject('iscsi', { use_chap_auth: 'false', target_secondary_ip_addresses: '127.0.0.2' }));
runDriverConformance(fakeSubject('iser'));
runDriverConformance(fakeSubject('fibre_channel'));
runDriverConformance(fakeSubject('fake', { fake_capacity_mode: 'infinite', fake_pools: 'gold,silver' }));
// As a driver without some capabilities: stats and pool flags must follow.
runDriverConformance(fakeSubject('iscsi', { fake_disabled_capabilities: 'extend,replication,groups,image_transfer' }));
