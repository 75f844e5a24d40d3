// Fibre Channel protocol helpers: target WWN lists and the initiator→target map.
import { InvalidInput } from '../errors/errors.js';
import type { Connector, ConnectionInfo } from './connection-info.js';

export function validateFcConnector(connector: Connector): void {
  if (!Array.isArray(connector.wwpns) || connector.wwpns.length === 0) {
    throw new InvalidInput('The connector must carry Fibre Channel port names (connector.wwpns).');
  }
  for (const w of connector.wwpns) {
    if (typeof w !== 'string' || !/^[0-9a-fA-F]{16}$/.test(w.replace(/:/g, ''))) {
      throw new InvalidInput(`connector.wwpns entry '${String(w)}' is not a 16-hex-digit WWPN.`);
    }
  }
}

export function normalizeWwn(w: string): string {
  return w.replace(/:/g, '').toLowerCase();
}

export function fcConnectionInfo(
  volumeId: string,
  lun: number,
  targetWwns: string[],
  initiatorTargetMap: Record<string, string[]> | undefined,
  accessMode: 'rw' | 'ro' = 'rw',
): ConnectionInfo {
  return {
    driver_volume_type: 'fibre_channel',
    data: {
      target_discovered: false,
      target_lun: lun,
      target_wwn: targetWwns.map(normalizeWwn),
      initiator_target_map: initiatorTargetMap,
      volume_id: volumeId,
      access_mode: accessMode,
    },
  };
}
