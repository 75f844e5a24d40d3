// The host side of an attachment (os-brick's connector) and what a driver answers with:
// the connection info per transport. Shared by drivers, target helpers and the connector.

/** The host side of an attachment, as os-brick reports it. */
export interface Connector {
  initiator?: string;
  host?: string;
  ip?: string;
  wwpns?: string[];
  wwnns?: string[];
  multipath?: boolean;
  platform?: string;
  os_type?: string;
  [key: string]: unknown;
}

export type DriverVolumeType = 'iscsi' | 'iser' | 'fibre_channel' | 'local' | 'fake' | 'nfs';

export interface IscsiConnectionData {
  target_discovered: boolean;
  target_portal: string;
  target_iqn: string;
  target_lun: number;
  target_portals?: string[];
  target_iqns?: string[];
  target_luns?: number[];
  volume_id: string;
  access_mode: 'rw' | 'ro';
  auth_method?: 'CHAP';
  auth_username?: string;
  auth_password?: string;
  discovery_auth_method?: 'CHAP';
  discovery_auth_username?: string;
  discovery_auth_password?: string;
  encrypted?: boolean;
  [key: string]: unknown;
}

export interface FibreChannelConnectionData {
  target_discovered: boolean;
  target_lun: number;
  target_wwn: string[];
  initiator_target_map?: Record<string, string[]>;
  volume_id: string;
  access_mode: 'rw' | 'ro';
  [key: string]: unknown;
}

export interface LocalConnectionData {
  device_path: string;
  volume_id: string;
  access_mode: 'rw' | 'ro';
  [key: string]: unknown;
}

export type ConnectionInfo =
  | { driver_volume_type: 'iscsi' | 'iser'; data: IscsiConnectionData }
  | { driver_volume_type: 'fibre_channel'; data: FibreChannelConnectionData }
  | { driver_volume_type: 'local' | 'fake'; data: LocalConnectionData | Record<string, unknown> };
