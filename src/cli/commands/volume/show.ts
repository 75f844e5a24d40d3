// flint volume show VOL
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { volumeRecord } from './volume-wait.js';

export function register(parent: Command): void {
  parent.command('show')
    .description('Show a volume')
    .argument('<volume>', 'volume id')
    .option('--json', 'print JSON')
    .action(async (id: string, o, cmd: Command) => {
      const v = (await clientFor(cmd).call('GET', `/volumes/${encodeURIComponent(id)}`)).volume;
      emit(o.json, v, () => printRecord(volumeRecord(v)));
    });
}
