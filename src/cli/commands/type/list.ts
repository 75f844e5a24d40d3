// flint type list
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';

type T = { id: string; name: string; is_public: boolean; extra_specs: Record<string, string>; description: string | null };

export function register(parent: Command): void {
  parent.command('list')
    .description('List volume types')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const types = (await clientFor(cmd).call<{ volume_types: T[] }>('GET', '/types')).volume_types;
      emit(o.json, types, () => printTable(types, [
        ['ID', (t) => t.id], ['Name', (t) => t.name], ['Public', (t) => t.is_public],
        ['Extra specs', (t) => Object.entries(t.extra_specs).map(([k, v]) => `${k}=${v}`).join(', ')],
      ]));
    });
}
