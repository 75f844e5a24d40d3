// Registers the `local` share driver (XFS image per share, exported by a supervised NFS-Ganesha).
import { registerDriver } from '../registry.js';
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
    return factory;
  },
});
