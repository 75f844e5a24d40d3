// The Shared File Systems API v2 (Manila's), under /v2: its microversions and its routes.
import type { ApiMount } from './app.js';
import { SHARED_FILE_SYSTEMS_V2 } from './microversion.js';
import { shareRoutes } from './routes/share/shares.js';
import { shareActionRoutes } from './routes/share/share-actions.js';
import { shareAccessRuleRoutes } from './routes/share/share-access-rules.js';
import { shareTypeRoutes } from './routes/share/share-types.js';
import { shareSnapshotRoutes } from './routes/share/share-snapshots.js';
import { shareQuotaRoutes } from './routes/share/share-quotas.js';
import { shareInfraRoutes } from './routes/share/share-infra.js';
import { shareNetworkRoutes } from './routes/share/share-networks.js';
import { shareVersionRoutes } from './routes/share/share-versions.js';

export const SHARED_FILE_SYSTEMS_API: ApiMount = {
  prefix: '/v2',
  versions: SHARED_FILE_SYSTEMS_V2,
  register(app, deps) {
    if (!deps.shares) return;
    for (const register of [
      shareVersionRoutes, shareRoutes, shareActionRoutes, shareAccessRuleRoutes, shareTypeRoutes, shareSnapshotRoutes, shareQuotaRoutes,
      shareInfraRoutes, shareNetworkRoutes,
    ]) {
      register(app, deps);
    }
  },
};
