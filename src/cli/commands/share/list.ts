// flint share list [--json]
import type { Command } from 'commander';
import { emit, printTable } from '../../output.js';
import { shareClientFor } from './share-kit.js';

type Row = { id: string; name: string | null; status: string; size: number; share_proto: string; share_type_name: string | null };

export function register(parent: Command): void {
  parent.command('list')
    .description('List shares')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const shares = (await shareClientFor(cmd).call<{ shares: Row[] }>('GET', '/shares/detail')).shares;
      emit(o.json, shares, () => printTable(shares, [
        ['ID', (s) => s.id], ['Name', (s) => s.name], ['Status', (s) => s.status], ['Size', (s) => s.size], ['Proto', (s) => s.share_proto], ['Type', (s) => s.share_type_name],
      ]));
    });
}
