// What Flint's manager calls to move bytes: volume → volume (across backends too), image file →
// volume, volume → image file. A driver with LocalPath is read/written directly; others over iSCSI.
import type { Executor } from '../exec/executor.js';
import { BackendCapacityError, InvalidInput } from '../errors/errors.js';
import { LocalPath } from '../drivers/interface/capabilities.js';
import type { VolumeDriverCore } from '../drivers/interface/core.js';
import type { ConnectionInfo, DriverVolume } from '../drivers/interface/objects.js';
import type { VolumeEndpoint } from './volume-endpoint.js';
import { assertFormat, copyData, copyToNewImage, imageInfo, readCapacity, type CopyOptions } from './volume-io.js';

/**
 * The endpoint for a volume: its file when the driver offers LocalPath, else the iSCSI
 * connection `info` (from initialize_connection with a connector naming `initiator`).
 */
export async function endpointFor(
  driver: VolumeDriverCore, volume: DriverVolume, info: ConnectionInfo | null, initiator: string,
): Promise<VolumeEndpoint> {
  if (LocalPath.is(driver)) return { kind: 'file', path: await driver.localPath(volume), format: 'raw' };
  if (!info) throw new InvalidInput(`Volume ${volume.id} has no local path on backend ${driver.backendName} and no connection info was given.`);
  return { kind: 'iscsi', info, initiator };
}

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
