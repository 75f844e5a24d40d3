// flint volume create NAME --size N [--type T] [--image FILE] [--property k=v]… [--wait]
import { InvalidArgumentError, type Command } from 'commander';
import { clientFor, collectProperty, positiveInt } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { volumeRecord, waitVolume } from './volume-wait.js';
import { deleteImage, followProgress, generatedImageName, uploadImageFile } from './image-transfer.js';

export function register(parent: Command): void {
  parent.command('create')
    .description('Create a volume')
    .argument('[name]', 'volume name')
    .requiredOption('--size <gib>', 'size in GiB', positiveInt('--size'))
    .option('--type <type>', 'volume type name or id')
    .option('--availability-zone <az>', 'availability zone')
    .option('--snapshot <id>', 'create from this snapshot')
    .option('--source <id>', 'clone this volume')
    .option('--image <file>', 'upload this local image file (raw or qcow2) and copy it onto the volume; with --wait the uploaded copy is removed afterwards')
    .option('--image-path <name>', 'copy this image (a name or id of this project\'s images, or one shared with it) onto the volume')
    .option('--description <text>', 'description')
    .option('--property <key=value>', 'metadata (repeatable)', collectProperty)
    .option('--bootable', 'mark bootable')
    .option('--multiattach', 'allow several attachments')
    .option('--wait', 'wait until the volume is available')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o, cmd: Command) => {
      const client = clientFor(cmd);
      if (o.image && o.imagePath) throw new InvalidArgumentError('--image and --image-path both name an image; give one.');
      let uploaded: string | null = null;
      if (o.image) {
        uploaded = generatedImageName(o.image);
        await uploadImageFile(client, o.image, uploaded);
      }
      const image = uploaded ? { imageRef: uploaded } : o.imagePath ? { image_path: o.imagePath } : {};
      const body = {
        volume: {
          size: o.size, name: name ?? null, description: o.description ?? null, volume_type: o.type ?? null,
          availability_zone: o.availabilityZone ?? null, snapshot_id: o.snapshot ?? null, source_volid: o.source ?? null,
          metadata: o.property ?? {}, ...image,
          ...(o.bootable ? { bootable: true } : {}), ...(o.multiattach ? { multiattach: true } : {}),
        },
      };
      let v;
      try {
        v = (await client.call('POST', '/volumes', body)).volume;
      } catch (e) {
        if (uploaded) await deleteImage(client, uploaded);
        throw e;
      }
      if (o.wait) {
        try {
          if (uploaded) await followProgress(client, v.id, `creating volume ${v.id}`, (s) => s === 'available');
          else await waitVolume(client, v.id, `creating volume ${v.id}`, (x) => x.status === 'available');
        } finally {
          // The copy is over either way: the uploaded image has served its purpose.
          if (uploaded) await deleteImage(client, uploaded);
        }
        v = (await client.call('GET', `/volumes/${v.id}`)).volume;
      }
      emit(o.json, v, () => printRecord(volumeRecord(v)));
    });
}
