// The fake driver's export and connection shapes per `fake_protocol`: the real iSCSI/FC
// properties (so protocol-shape checks run against the fake), or a minimal 'fake' shape.
import { InvalidInput } from '../../errors/errors.js';
import { randomSecret } from '../../util/ids.js';
import type { Options } from '../../config/options.js';
import type { Connector, ConnectionInfo, DriverVolume } from '../interface/objects.js';
import { formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, validateIscsiConnector } from '../../protocols/iscsi.js';
import { fcConnectionInfo, normalizeWwn, validateFcConnector } from '../../protocols/fibre-channel.js';

export type FakeProtocol = 'fake' | 'iscsi' | 'iser' | 'fibre_channel';

export function validateFakeConnector(protocol: FakeProtocol, connector: Connector): void {
  if (protocol === 'fibre_channel') return validateFcConnector(connector);
  if (protocol === 'iscsi' || protocol === 'iser') return validateIscsiConnector(connector);
  if (typeof connector.initiator !== 'string' || connector.initiator.length === 0) {
    throw new InvalidInput('The connector must carry an initiator name (connector.initiator).');
  }
}

/** The key a connection is recorded under: the initiator, or the sorted WWPNs for FC. */
export function connectionKey(protocol: FakeProtocol, connector: Connector): string {
  if (protocol === 'fibre_channel') return (connector.wwpns ?? []).map(normalizeWwn).sort().join(',');
  return String(connector.initiator);
}

/** provider_location/provider_auth a new export records. */
export function exportLocation(
  protocol: FakeProtocol, opt: Options, volume: DriverVolume, pool: string,
): { providerLocation: string; providerAuth: string | null } {
  if (protocol === 'iscsi' || protocol === 'iser') {
    const ip = opt.str('target_ip_address');
    const port = opt.int('target_port');
    const portal = `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
    const secondary = opt.list('target_secondary_ip_addresses').map((a) => `${a}:${port}`);
    const providerLocation = formatIscsiLocation({
      portal,
      portals: secondary.length > 0 ? [portal, ...secondary] : undefined,
      tpgt: 1,
      iqn: `${opt.str('iscsi_target_prefix')}${volume.name}`,
      lun: 1,
    });
    const providerAuth = opt.bool('use_chap_auth')
      ? formatChapAuth({
          method: 'CHAP',
          username: opt.optStr('chap_username') ?? `fake${randomSecret(8)}`,
          secret: opt.optStr('chap_password') ?? randomSecret(16),
        })
      : null;
    return { providerLocation, providerAuth };
  }
  if (protocol === 'fibre_channel') return { providerLocation: `fc:${pool}/${volume.name} 1`, providerAuth: null };
  return { providerLocation: `fake:${pool}/${volume.name}`, providerAuth: null };
}

export function connectionInfo(
  protocol: FakeProtocol, opt: Options, volume: DriverVolume, connector: Connector,
  location: { providerLocation: string; providerAuth: string | null }, pool: string,
): ConnectionInfo {
  if (protocol === 'iscsi' || protocol === 'iser') {
    return iscsiConnectionInfo(volume.id, location.providerLocation, location.providerAuth, {
      protocol, discard: opt.bool('report_discard_supported'),
    });
  }
  if (protocol === 'fibre_channel') {
    const targets = opt.list('fake_fc_target_wwns').map(normalizeWwn);
    const map = Object.fromEntries((connector.wwpns ?? []).map((w) => [normalizeWwn(w), targets]));
    return fcConnectionInfo(volume.id, 1, targets, map);
  }
  return {
    driver_volume_type: 'fake',
    data: { volume_id: volume.id, access_mode: 'rw', backend: opt.values.volume_backend_name ?? null, pool, name: volume.name },
  };
}
