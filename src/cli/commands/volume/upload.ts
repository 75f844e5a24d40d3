// flint volume upload VOL FILE [--format qcow2|raw] [--force]: copy a volume into a local image file.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { deleteImage, downloadImageFile, followProgress, generatedImageName, refuseOverwrite } from './image-transfer.js';

const FORMATS = ['raw', 'qcow2'];

export function register(parent: Command): void {
  parent.command('upload')
    .description('Copy a volume into a local image file (through an image in Flint\'s image directory, removed afterwards)')
    .argument('<volume>', 'volume id or name')
    .argument('<file>', 'image file to write')
    .option('--format <format>', 'raw or qcow2 (default: qcow2 when FILE ends in .qcow2, else raw)', (f: string) => {
      if (!FORMATS.includes(f)) throw new InvalidArgumentError(`--format must be raw or qcow2, got '${f}'.`);
      return f;
    })
    .option('--force', 'replace FILE if it exists')
    .option('--json', 'print JSON')
    .action(async (volume: string, file: string, o, cmd: Command) => {
      // Refused before any work; checked again, race-free, when the file is put in place.
      if (!o.force && existsSync(file)) throw refuseOverwrite(file);
      const format: string = o.format ?? (extname(file).toLowerCase() === '.qcow2' ? 'qcow2' : 'raw');
      const client = clientFor(cmd);
      const id = await client.volumeId(volume);
      const previous: string = (await client.call('GET', `/volumes/${encodeURIComponent(id)}`)).volume.status;
      const image = generatedImageName(`volume-${id.slice(0, 8)}`, `.${format}`);
      await client.call('POST', `/volumes/${encodeURIComponent(id)}/action`, { 'os-volume_upload_image': { image_name: image, disk_format: format } });
      let size: number;
      try {
        await followProgress(client, id, `uploading volume ${id}`, (s) => s === previous);
        size = await downloadImageFile(client, image, file, Boolean(o.force));
      } finally {
        await deleteImage(client, image);
      }
      const result = { volume_id: id, file, format, size };
      emit(o.json, result, () => printRecord(result));
    });
}
