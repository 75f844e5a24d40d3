// Registers the `fake` share driver: in-memory, every share capability, fault injection, share servers.
import { registerDriver } from '../registry.js';
import { FAKE_SHARE_DRIVER_OPTIONS } from './fake-share-options.js';

registerDriver({
  kind: 'share',
  name: 'fake',
  description: 'In-memory share backend that implements every share capability; for tests (fault injection via fake_share_* options).',
  options: FAKE_SHARE_DRIVER_OPTIONS,
  load: async () => (await import('./fake-share-driver.js')).createFakeShareDriver,
});
