// flint volume list [--all-projects] [--status S] [--name N] [--limit N]
import type { Command } from 'commander';
import { clientFor, positiveInt } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';

type V = { id: string; name: string | null; status: string; size: number; volume_type: string | null; attachments: { server_id: string | null; host_name: string | null; device: string | null }[] };

export function register(parent: Command): void {
  parent.command('list')
    .description('List volumes')
    .option('--all-projects', 'every project (admin)')
    .option('--status <status>', 'only this status')
    .option('--name <name>', 'only this name')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'))
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const qs = new URLSearchParams();
      if (o.allProjects) qs.set('all_tenants', '1');
      if (o.status) qs.set('status', o.status);
      if (o.name) qs.set('name', o.name);
      if (o.limit) qs.set('limit', String(o.limit));
      const volumes = (await clientFor(cmd).call<{ volumes: V[] }>('GET', `/volumes/detail${qs.size ? `?${qs}` : ''}`)).volumes;
      emit(o.json, volumes, () => printTable(volumes, [
        ['ID', (v) => v.id], ['Name', (v) => v.name], ['Status', (v) => v.status], ['Size', (v) => v.size], ['Type', (v) => v.volume_type],
        ['Attached to', (v) => v.attachments.map((a) => `${a.server_id ?? a.host_name ?? '?'}${a.device ? ` on ${a.device}` : ''}`).join(', ')],
      ]));
    });
}
