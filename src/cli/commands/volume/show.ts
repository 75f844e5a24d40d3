// flint volume show VOL
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { volumeRecord } from './volume-wait.js';

export function register(parent: Command): void {
  parent.command('show')
    .description('Show a volume')
    .argument('<volume>', 'volume id or name')
    .option('--json', 'print JSON')
    .action(async (id: string, o, cmd: Command) => {
      const client = clientFor(cmd);
      const v = (await client.call('GET', `/volumes/${encodeURIComponent(await client.volumeId(id))}`)).volume;
      emit(o.json, v, () => printRecord(volumeRecord(v)));
    });
}
