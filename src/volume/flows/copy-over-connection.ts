// The generic data path for a driver without image transfer, as Cinder's base driver's
// copy_image_to_volume: attach the volume to this host (its file when the driver offers
// LocalPath, else the driver's own export and iSCSI connection), write the image through the
// connector, and detach again whatever happened.
import { hostname } from 'node:os';
import { LocalPath, ValidateConnector } from '../../drivers/interface/capabilities.js';
import type { VolumeDriverCore } from '../../drivers/interface/core.js';
import type { Connector, DriverVolume } from '../../drivers/interface/objects.js';
import { copyImageToVolume, type VolumeEndpoint } from '../../connector/volume-transfer.js';
import { NotSupported } from '../../errors/errors.js';
import { ShellExecutor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';

/** The initiator name this host's copies log in with (libiscsi takes any well-formed name). */
export function hostInitiator(): string {
  return `iqn.2010-10.org.openstack:flint-${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
}

export interface GenericCopyOptions {
  backendName: string;
  logger: Logger;
  onProgress?: (percent: number) => void;
}

/** Writes `imagePath` (format probed) onto `volume` over a connection the driver itself gives. */
export async function copyImageOverConnection(
  driver: VolumeDriverCore, volume: DriverVolume, imagePath: string, imageFormat: string | null, o: GenericCopyOptions,
): Promise<void> {
  // Copies of large images take long; qemu-img reports progress meanwhile.
  const executor = new ShellExecutor({ tries: 1, timeoutMs: 6 * 3600_000, logger: o.logger });
  const copy = (dst: VolumeEndpoint) => copyImageToVolume(executor, imagePath, imageFormat, dst, { onProgress: o.onProgress });
  if (LocalPath.is(driver)) {
    await copy({ kind: 'file', path: await driver.localPath(volume), format: 'raw' });
    return;
  }
  const initiator = hostInitiator();
  const connector: Connector = { initiator, host: hostname(), ip: '127.0.0.1', multipath: false, platform: process.arch, os_type: 'linux' };
  if (ValidateConnector.is(driver)) driver.validateConnector(connector);
  const exported = { ...volume, ...((await driver.createExport(volume, connector)) ?? {}) } as DriverVolume;
  try {
    const info = await driver.initializeConnection(exported, connector);
    try {
      if (info.driver_volume_type !== 'iscsi' && info.driver_volume_type !== 'iser') {
        throw new NotSupported(o.backendName, 'create volume from image');
      }
      await copy({ kind: 'iscsi', info, initiator });
    } finally {
      await driver.terminateConnection(exported, connector);
    }
  } finally {
    await driver.removeExport(exported);
  }
}
