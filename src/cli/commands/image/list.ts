// flint image list: this project's images, then those shared with it or public.
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';

type I = { id: string; name: string; owner: string; status: string; visibility: string; size: number | null };

export function register(parent: Command): void {
  parent.command('list')
    .description('List the images this project may use (its own, then shared with it or public)')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const images = (await clientFor(cmd).call<{ images: I[] }>('GET', '/flint/images')).images;
      emit(o.json, images, () => printTable(images, [
        ['ID', (i) => i.id], ['Name', (i) => i.name], ['Owner', (i) => i.owner], ['Visibility', (i) => i.visibility],
        ['Status', (i) => i.status], ['Size', (i) => i.size ?? ''],
      ]));
    });
}
