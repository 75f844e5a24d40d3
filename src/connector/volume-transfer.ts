// Moves bytes between endpoints: volume → volume (across backends too), image file → volume,
// volume → image file. An endpoint is a file or an iSCSI connection; which one a volume is,
// is decided above (the volume flows ask the driver), so this layer knows no driver.
import type { Executor } from '../exec/executor.js';
import { BackendCapacityError } from '../errors/errors.js';
import type { VolumeEndpoint } from './volume-endpoint.js';
import { assertFormat, copyData, copyToNewImage, imageInfo, readCapacity, type CopyOptions } from './volume-io.js';

export function copyVolumeToVolume(executor: Executor, src: VolumeEndpoint, dst: VolumeEndpoint, opts: CopyOptions = {}): Promise<void> {
  return copyData(executor, src, dst, opts);
}

/** Writes an image (qcow2/raw, format probed when not given) onto a volume; refuses one larger than the volume. */
export async function copyImageToVolume(
  executor: Executor, imagePath: string, imageFormat: string | null, dst: VolumeEndpoint, opts: CopyOptions = {},
): Promise<void> {
  const info = await imageInfo(executor, imagePath, imageFormat ?? undefined);
  const format = assertFormat(info.format);
  const capacity = await readCapacity(executor, dst);
  if (info.virtualSize > capacity) {
    throw new BackendCapacityError(`Image of ${info.virtualSize} bytes does not fit on a volume of ${capacity} bytes.`);
  }
  await copyData(executor, { kind: 'file', path: imagePath, format }, dst, opts);
}

/** Reads a volume into a new image file (qcow2 or raw), reporting progress in percent. */
export function copyVolumeToImage(
  executor: Executor, src: VolumeEndpoint, imagePath: string, imageFormat: string, opts: CopyOptions = {},
): Promise<void> {
  return copyToNewImage(executor, src, imagePath, assertFormat(imageFormat), opts);
}

export { readCapacity, compareData } from './volume-io.js';
export type { VolumeEndpoint } from './volume-endpoint.js';
