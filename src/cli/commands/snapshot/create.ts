// flint snapshot create VOL [--name N] [--force] [--wait]
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { waitFor } from '../../wait.js';

type S = { id: string; status: string };

export function register(parent: Command): void {
  parent.command('create')
    .description('Snapshot a volume')
    .argument('<volume>', 'volume id or name')
    .option('--name <name>', 'snapshot name')
    .option('--description <text>', 'description')
    .option('--force', 'snapshot an in-use volume')
    .option('--wait', 'wait until the snapshot is available')
    .option('--json', 'print JSON')
    .action(async (volumeId: string, o, cmd: Command) => {
      const client = clientFor(cmd);
      let s = (await client.call('POST', '/snapshots', { snapshot: { volume_id: await client.volumeId(volumeId), name: o.name ?? null, description: o.description ?? null, force: !!o.force } })).snapshot;
      if (o.wait) {
        await waitFor<S>({
          label: `creating snapshot ${s.id}`,
          poll: async () => (await client.call<{ snapshot: S }>('GET', `/snapshots/${s.id}`)).snapshot,
          status: (x) => x?.status ?? 'deleted',
          done: (x) => x?.status === 'available',
          failed: (x) => x === null || x.status.startsWith('error'),
        });
        s = (await client.call('GET', `/snapshots/${s.id}`)).snapshot;
      }
      emit(o.json, s, () => printRecord({ id: s.id, name: s.name, status: s.status, size: s.size, volume_id: s.volume_id, created_at: s.created_at }));
    });
}
