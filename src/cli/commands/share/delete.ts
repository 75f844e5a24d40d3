// flint share delete SHARE [--wait]
import type { Command } from 'commander';
import { shareClientFor, waitShareGone } from './share-kit.js';

export function register(parent: Command): void {
  parent.command('delete')
    .description('Delete a share')
    .argument('<share>', 'share name or id')
    .option('--wait', 'wait until it is gone')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      await client.call('DELETE', `/shares/${id}`);
      if (o.wait) await waitShareGone(client, id);
    });
}
