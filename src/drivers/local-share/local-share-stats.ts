// The `local` share backend's stats: one pool (the reflink pool), real capacity from the
// pool filesystem, thin provisioning counted from the share images' sizes.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Options } from '../../config/options.js';
import type { ShareBackendStats } from '../interface/share.js';
import type { LocalPool } from '../local/local-pool.js';

const GiB = 1024 ** 3;
export const LOCAL_SHARE_DRIVER_VERSION = '1.0.0';
/** A share's image is `<share name>.img` in the pool; a snapshot's `<snapshot name>.snap`. */
export const SHARE_SUFFIX = '.img';

export interface LocalShareStatsInput {
  pool: LocalPool;
  opt: Options;
  backendName: string;
  nfsv3: boolean;
  operations: string[];
}

export async function localShareStats(i: LocalShareStatsInput): Promise<ShareBackendStats> {
  const { pool, opt } = i;
  const cap = await pool.capacity();
  const shareFiles = (await readdir(pool.dir).catch(() => [] as string[])).filter((f) => f.endsWith(SHARE_SUFFIX));
  let provisioned = 0;
  for (const f of shareFiles) provisioned += Math.ceil((await stat(join(pool.dir, f))).size / GiB);
  const filterFunction = opt.optStr('filter_function');
  const goodnessFunction = opt.optStr('goodness_function');
  return {
    shareBackendName: opt.optStr('share_backend_name') ?? i.backendName,
    vendorName: 'Open Source',
    driverVersion: LOCAL_SHARE_DRIVER_VERSION,
    storageProtocol: 'NFS',
    driverHandlesShareServers: false,
    operations: i.operations,
    pools: [{
      poolName: basename(pool.dir),
      capacity: { known: true, totalGiB: round2(cap.totalGiB), freeGiB: round2(cap.freeGiB) },
      provisionedCapacityGiB: provisioned,
      allocatedCapacityGiB: provisioned,
      thinProvisioning: true,
      maxOverSubscriptionRatio: opt.num('max_over_subscription_ratio'),
      reservedPercentage: opt.int('reserved_percentage'),
      reservedSnapshotPercentage: 0,
      // Snapshots are reflinks: without reflink they would be full copies, so they are not offered.
      snapshotSupport: pool.reflink,
      createShareFromSnapshotSupport: pool.reflink,
      revertToSnapshotSupport: pool.reflink,
      mountSnapshotSupport: false,
      dedupe: false,
      compression: false,
      ...(filterFunction ? { filterFunction } : {}),
      ...(goodnessFunction ? { goodnessFunction } : {}),
      capabilities: {
        reflink: pool.reflink, pool_filesystem: pool.fsType, share_filesystem: 'xfs',
        nfs_versions: i.nfsv3 ? '3,4' : '4', total_shares: shareFiles.length,
      },
    }],
    ...(pool.problem ? { problems: [pool.problem] } : {}),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
