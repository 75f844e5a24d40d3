// flint volume create NAME --size N [--type T] [--property k=v]… [--wait]
import type { Command } from 'commander';
import { clientFor, collectProperty, positiveInt } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { volumeRecord, waitVolume } from './volume-wait.js';

export function register(parent: Command): void {
  parent.command('create')
    .description('Create a volume')
    .argument('[name]', 'volume name')
    .requiredOption('--size <gib>', 'size in GiB', positiveInt('--size'))
    .option('--type <type>', 'volume type name or id')
    .option('--availability-zone <az>', 'availability zone')
    .option('--snapshot <id>', 'create from this snapshot')
    .option('--source <id>', 'clone this volume')
    .option('--image-path <path>', 'copy this image file (on the Flint host) onto the volume')
    .option('--description <text>', 'description')
    .option('--property <key=value>', 'metadata (repeatable)', collectProperty)
    .option('--bootable', 'mark bootable')
    .option('--multiattach', 'allow several attachments')
    .option('--wait', 'wait until the volume is available')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o, cmd: Command) => {
      const client = clientFor(cmd);
      const body = {
        volume: {
          size: o.size, name: name ?? null, description: o.description ?? null, volume_type: o.type ?? null,
          availability_zone: o.availabilityZone ?? null, snapshot_id: o.snapshot ?? null, source_volid: o.source ?? null,
          metadata: o.property ?? {}, ...(o.imagePath ? { image_path: o.imagePath } : {}),
          ...(o.bootable ? { bootable: true } : {}), ...(o.multiattach ? { multiattach: true } : {}),
        },
      };
      let v = (await client.call('POST', '/volumes', body)).volume;
      if (o.wait) {
        await waitVolume(client, v.id, `creating volume ${v.id}`, (x) => x.status === 'available');
        v = (await client.call('GET', `/volumes/${v.id}`)).volume;
      }
      emit(o.json, v, () => printRecord(volumeRecord(v)));
    });
}
