// flint snapshot list [--volume VOL]
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';

type S = { id: string; name: string | null; status: string; size: number; volume_id: string };

export function register(parent: Command): void {
  parent.command('list')
    .description('List snapshots')
    .option('--volume <id>', 'only snapshots of this volume')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const qs = o.volume ? `?volume_id=${encodeURIComponent(o.volume)}` : '';
      const snapshots = (await clientFor(cmd).call<{ snapshots: S[] }>('GET', `/snapshots/detail${qs}`)).snapshots;
      emit(o.json, snapshots, () => printTable(snapshots, [
        ['ID', (s) => s.id], ['Name', (s) => s.name], ['Status', (s) => s.status], ['Size', (s) => s.size], ['Volume', (s) => s.volume_id],
      ]));
    });
}
