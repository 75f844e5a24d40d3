// Registers the `local` driver (file-backed volumes exported by tgtd) with the driver registry.
import { registerDriver } from '../registry.js';
import { LOCAL_OPTIONS } from './local-options.js';

registerDriver({
  name: 'local',
  description: 'Sparse raw files in a (loop-mounted XFS, reflink) pool, exported over iSCSI by tgtd.',
  usesTargetHelper: true,
  options: LOCAL_OPTIONS,
  load: async () => {
    const { LocalDriver } = await import('./local-driver.js');
    return (ctx) => new LocalDriver(ctx);
  },
});
