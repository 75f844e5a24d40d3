// flint share create NAME --size N [--proto NFS] [--type T] [--snapshot S] [--property k=v]… [--wait]
import type { Command } from 'commander';
import { collectProperty, positiveInt } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { shareClientFor, shareRecord, waitShare } from './share-kit.js';

export function register(parent: Command): void {
  parent.command('create')
    .description('Create a share')
    .argument('[name]', 'share name')
    .requiredOption('--size <gib>', 'size in GiB', positiveInt('--size'))
    .option('--proto <protocol>', 'NFS or CIFS', 'NFS')
    .option('--type <type>', 'share type name or id')
    .option('--snapshot <snapshot>', 'create from this share snapshot (name or id)')
    .option('--availability-zone <az>', 'availability zone')
    .option('--description <text>', 'description')
    .option('--property <key=value>', 'metadata (repeatable)', collectProperty)
    .option('--public', 'visible to every project')
    .option('--wait', 'wait until the share is available')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const snapshotId = o.snapshot ? await client.snapshotId(o.snapshot) : null;
      let s = (await client.call('POST', '/shares', {
        share: {
          size: o.size, share_proto: o.proto, name: name ?? null, description: o.description ?? null, share_type: o.type ?? null,
          availability_zone: o.availabilityZone ?? null, snapshot_id: snapshotId, metadata: o.property ?? {}, is_public: !!o.public,
        },
      })).share;
      if (o.wait) {
        await waitShare(client, s.id, `creating share ${s.id}`, (x) => x.status === 'available');
        s = (await client.call('GET', `/shares/${s.id}`)).share;
      }
      emit(o.json, s, () => printRecord(shareRecord(s)));
    });
}
