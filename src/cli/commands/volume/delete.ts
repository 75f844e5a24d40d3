// flint volume delete VOL… [--cascade] [--force] [--wait]
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { waitVolumeGone } from './volume-wait.js';

export function register(parent: Command): void {
  parent.command('delete')
    .description('Delete volumes')
    .argument('<volumes...>', 'volume ids or names')
    .option('--cascade', 'delete its snapshots too')
    .option('--force', 'delete whatever the status (admin)')
    .option('--wait', 'wait until the volumes are gone')
    .action(async (ids: string[], o, cmd: Command) => {
      const client = clientFor(cmd);
      const qs = new URLSearchParams();
      if (o.cascade) qs.set('cascade', 'true');
      if (o.force) qs.set('force', 'true');
      ids = await Promise.all(ids.map((x) => client.volumeId(x)));
      for (const id of ids) await client.call('DELETE', `/volumes/${encodeURIComponent(id)}${qs.size ? `?${qs}` : ''}`);
      if (o.wait) for (const id of ids) await waitVolumeGone(client, id);
    });
}
