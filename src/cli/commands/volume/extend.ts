// flint volume extend VOL --size N [--wait]
import type { Command } from 'commander';
import { clientFor, positiveInt } from '../../command-kit.js';
import { waitVolume } from './volume-wait.js';

export function register(parent: Command): void {
  parent.command('extend')
    .description('Grow a volume')
    .argument('<volume>', 'volume id or name')
    .requiredOption('--size <gib>', 'new size in GiB', positiveInt('--size'))
    .option('--wait', 'wait until the volume has the new size')
    .action(async (id: string, o, cmd: Command) => {
      const client = clientFor(cmd);
      id = await client.volumeId(id);
      await client.call('POST', `/volumes/${encodeURIComponent(id)}/action`, { 'os-extend': { new_size: o.size } });
      if (o.wait) await waitVolume(client, id, `extending volume ${id}`, (v) => v.size === o.size && (v.status === 'available' || v.status === 'in-use'));
    });
}
