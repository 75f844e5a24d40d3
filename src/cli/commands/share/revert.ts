// flint share revert SHARE SNAPSHOT [--wait]: back to its latest snapshot.
import type { Command } from 'commander';
import { shareClientFor, waitShare } from './share-kit.js';

export function register(parent: Command): void {
  parent.command('revert')
    .description('Revert a share to its latest snapshot')
    .argument('<share>', 'share name or id')
    .argument('<snapshot>', 'snapshot name or id')
    .option('--wait', 'wait until the share is available again')
    .action(async (ref: string, snapRef: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      await client.call('POST', `/shares/${id}/action`, { revert: { snapshot_id: await client.snapshotId(snapRef) } });
      if (o.wait) await waitShare(client, id, `reverting share ${id}`, (x) => x.status === 'available');
    });
}
