// iSCSI and iSER protocol helpers: the seeds' provider_location / provider_auth formats
// and connection properties, shared by every iSCSI-speaking driver.
import { InvalidInput } from '../errors/errors.js';
import type { Connector, IscsiConnectionData, ConnectionInfo } from './connection-info.js';

export interface IscsiLocation {
  /** `ip:port` */
  portal: string;
  portals?: string[];
  /** Target portal group tag; omitted when the storage system reports none (ONTAP REST). */
  tpgt?: number;
  iqn: string;
  lun: number;
}

export interface ChapAuth {
  method: 'CHAP';
  username: string;
  secret: string;
}

/** `ip:port,tpgt iqn lun` (Cinder's provider_location for iSCSI). Multipath portals are `;`-joined. */
export function formatIscsiLocation(loc: IscsiLocation): string {
  const portals = loc.portals && loc.portals.length > 0 ? loc.portals.join(';') : loc.portal;
  return `${portals}${loc.tpgt === undefined ? '' : `,${loc.tpgt}`} ${loc.iqn} ${loc.lun}`;
}

export function parseIscsiLocation(location: string): IscsiLocation {
  const parts = location.trim().split(/\s+/);
  if (parts.length < 2) throw new InvalidInput(`Malformed iSCSI provider_location '${location}'.`);
  const [portalPart, iqn, lunText] = parts as [string, string, string | undefined];
  const [portalsText, tpgtText] = portalPart.split(',');
  const portals = (portalsText ?? '').split(';').filter(Boolean);
  const lun = lunText === undefined ? 0 : Number(lunText);
  const tpgt = tpgtText === undefined ? 1 : Number(tpgtText);
  if (portals.length === 0 || !Number.isInteger(lun) || lun < 0 || !Number.isInteger(tpgt)) {
    throw new InvalidInput(`Malformed iSCSI provider_location '${location}'.`);
  }
  return { portal: portals[0]!, portals: portals.length > 1 ? portals : undefined, tpgt, iqn, lun };
}

/** `CHAP user secret` */
export function formatChapAuth(auth: ChapAuth): string {
  return `${auth.method} ${auth.username} ${auth.secret}`;
}

export function parseChapAuth(providerAuth: string | null): ChapAuth | null {
  if (!providerAuth) return null;
  const [method, username, secret] = providerAuth.trim().split(/\s+/);
  if (method !== 'CHAP' || !username || !secret) throw new InvalidInput('Malformed provider_auth; expected "CHAP user secret".');
  return { method: 'CHAP', username, secret };
}

export function validateIscsiConnector(connector: Connector): void {
  if (typeof connector.initiator !== 'string' || connector.initiator.length === 0) {
    throw new InvalidInput('The connector must carry an iSCSI initiator name (connector.initiator).');
  }
  if (!/^(iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16}|naa\.([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32}))$/.test(connector.initiator)) {
    throw new InvalidInput(`connector.initiator '${connector.initiator}' is not a valid iSCSI name (iqn., eui. or naa.).`);
  }
}

/** The seeds' iSCSI connection properties from a volume's provider_location and provider_auth. */
export function iscsiConnectionInfo(
  volumeId: string,
  providerLocation: string,
  providerAuth: string | null,
  opts: { protocol?: 'iscsi' | 'iser'; accessMode?: 'rw' | 'ro'; discard?: boolean } = {},
): ConnectionInfo {
  const loc = parseIscsiLocation(providerLocation);
  const data: IscsiConnectionData = {
    target_discovered: false,
    target_portal: loc.portal,
    target_iqn: loc.iqn,
    target_lun: loc.lun,
    volume_id: volumeId,
    access_mode: opts.accessMode ?? 'rw',
  };
  if (loc.portals) {
    data.target_portals = loc.portals;
    data.target_iqns = loc.portals.map(() => loc.iqn);
    data.target_luns = loc.portals.map(() => loc.lun);
  }
  const chap = parseChapAuth(providerAuth);
  if (chap) {
    data.auth_method = 'CHAP';
    data.auth_username = chap.username;
    data.auth_password = chap.secret;
  }
  if (opts.discard) data.discard = true;
  return { driver_volume_type: opts.protocol ?? 'iscsi', data };
}
