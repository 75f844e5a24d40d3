// Registers the `local` share driver (XFS image per share, exported by a supervised NFS-Ganesha).
import { registerDriver } from '../registry.js';
import type { DriverFactory } from '../interface/core.js';
import type { ShareDriverFactory } from '../interface/share.js';
import { LOCAL_SHARE_OPTIONS } from './local-share-options.js';

registerDriver({
  kind: 'share',
  name: 'local',
  description: 'Each share a sparse XFS image in a (loop-mounted XFS, reflink) pool, loop-mounted and exported over NFS by NFS-Ganesha.',
  options: LOCAL_SHARE_OPTIONS,
  load: async () => {
    const { LocalShareDriver } = await import('./local-share-driver.js');
    const factory: ShareDriverFactory = (ctx) => new LocalShareDriver(ctx);
    // The registry's load() is typed for volume factories until the share service types it per kind.
    return factory as unknown as DriverFactory;
  },
});
