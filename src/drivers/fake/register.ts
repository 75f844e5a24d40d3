// Registers the `fake` driver: in-memory, honours every capability, with fault injection for tests.
import { registerDriver } from '../registry.js';
import { FAKE_DRIVER_OPTIONS } from './fake-options.js';

registerDriver({
  name: 'fake',
  description: 'In-memory backend that implements every capability; for tests (fault injection via fake_* options).',
  usesTargetHelper: true,
  options: FAKE_DRIVER_OPTIONS,
  load: async () => (await import('./fake-driver.js')).createFakeDriver,
});
