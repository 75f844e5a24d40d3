// flint snapshot delete SNAP… [--wait]
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { waitFor } from '../../wait.js';

export function register(parent: Command): void {
  parent.command('delete')
    .description('Delete snapshots')
    .argument('<snapshots...>', 'snapshot ids or names')
    .option('--wait', 'wait until they are gone')
    .action(async (ids: string[], o, cmd: Command) => {
      const client = clientFor(cmd);
      ids = await Promise.all(ids.map((x) => client.snapshotId(x)));
      for (const id of ids) await client.call('DELETE', `/snapshots/${encodeURIComponent(id)}`);
      if (!o.wait) return;
      for (const id of ids) {
        await waitFor<{ status: string }>({
          label: `deleting snapshot ${id}`,
          poll: async () => (await client.call('GET', `/snapshots/${encodeURIComponent(id)}`)).snapshot,
          status: (s) => s?.status ?? 'deleted',
          done: (s) => s === null,
          failed: (s) => s !== null && s.status.startsWith('error'),
        });
      }
    });
}
