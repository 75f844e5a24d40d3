// flint share snapshot create|list|delete
import type { Command } from 'commander';
import { emit, printRecord, printTable } from '../../output.js';
import { shareClientFor, waitSnapshot } from './share-kit.js';

type Snap = { id: string; name: string | null; status: string; size: number; share_id: string };

export function register(parent: Command): void {
  const snapshot = parent.command('snapshot').description('Share snapshots');
  snapshot.command('create')
    .description('Snapshot a share')
    .argument('<share>', 'share name or id')
    .option('--name <name>', 'snapshot name')
    .option('--wait', 'wait until the snapshot is available')
    .option('--json', 'print JSON')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      let s = (await client.call<{ snapshot: Snap }>('POST', '/snapshots', { snapshot: { share_id: await client.shareId(ref), name: o.name ?? null } })).snapshot;
      if (o.wait) {
        await waitSnapshot(client, s.id, `creating share snapshot ${s.id}`, false);
        s = (await client.call<{ snapshot: Snap }>('GET', `/snapshots/${s.id}`)).snapshot;
      }
      emit(o.json, s, () => printRecord({ ...s }));
    });
  snapshot.command('list')
    .description('List share snapshots')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const snaps = (await shareClientFor(cmd).call<{ snapshots: Snap[] }>('GET', '/snapshots/detail')).snapshots;
      emit(o.json, snaps, () => printTable(snaps, [['ID', (s) => s.id], ['Name', (s) => s.name], ['Status', (s) => s.status], ['Size', (s) => s.size], ['Share', (s) => s.share_id]]));
    });
  snapshot.command('delete')
    .description('Delete a share snapshot')
    .argument('<snapshot>', 'snapshot name or id')
    .option('--wait', 'wait until it is gone')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.snapshotId(ref);
      await client.call('DELETE', `/snapshots/${id}`);
      if (o.wait) await waitSnapshot(client, id, `deleting share snapshot ${id}`, true);
    });
}
