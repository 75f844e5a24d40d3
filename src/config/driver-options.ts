// Options of backend sections: those every volume backend accepts (the seeds' VolumeDriver
// options), those of a driver that exports through a target helper, and the key that names a
// section's driver for each kind of backend. The driver registry adds each driver's own.
import type { OptionSpec } from './options.js';

/** The kinds of backend a section can configure; each names its driver with its own key. */
export type DriverKind = 'volume' | 'share';
export const DRIVER_KINDS: readonly DriverKind[] = ['volume', 'share'];
export const DRIVER_KEY: Record<DriverKind, string> = { volume: 'volume_driver', share: 'share_driver' };

/** What config asks of the driver registry, injected so that config does not import drivers. */
export interface DriverCatalog {
  /** Every option a section with driver `name` of `kind` accepts; a ConfigError naming `section` when unknown. */
  optionsFor(kind: DriverKind, name: string, section: string): readonly OptionSpec[];
}

/** Options every backend section accepts, whatever its kind. */
const ANY_BACKEND_OPTIONS: readonly OptionSpec[] = [
  { name: 'backend_availability_zone', type: 'string', default: null, help: 'Availability zone of this backend; defaults to [DEFAULT] storage_availability_zone.' },
  { name: 'reserved_percentage', type: 'int', default: 0, min: 0, max: 100, help: 'Percentage of backend capacity kept free.' },
  { name: 'max_over_subscription_ratio', type: 'float', default: 20.0, min: 1, help: 'Ratio of provisioned to total capacity allowed with thin provisioning.' },
  { name: 'num_shell_tries', type: 'int', default: 3, min: 1, max: 20, help: 'Times to try a flaky shell command.' },
];

/** Options every volume backend section accepts. */
export const VOLUME_BACKEND_OPTIONS: readonly OptionSpec[] = [
  { name: 'volume_driver', type: 'string', required: true, help: 'Volume driver name from the registry (e.g. fake, local, netapp_ontap).' },
  { name: 'volume_backend_name', type: 'string', default: null, help: 'Backend name matched by the volume_backend_name extra spec; defaults to the section name.' },
  ...ANY_BACKEND_OPTIONS,
  { name: 'volume_clear', type: 'enum', default: 'zero', choices: ['none', 'zero', 'shred'], help: 'Method used to wipe deleted volumes.' },
  { name: 'volume_clear_size', type: 'int', default: 0, min: 0, help: 'MiB from the start of the volume to wipe; 0 means all.' },
  { name: 'volume_clear_ionice', type: 'string', default: null, help: 'ionice class options for the wipe.' },
  { name: 'use_chap_auth', type: 'bool', default: true, help: 'Require CHAP on exports.' },
  { name: 'chap_username', type: 'string', default: '', help: 'Fixed CHAP user; generated per volume when empty.' },
  { name: 'chap_password', type: 'string', default: '', secret: true, help: 'Fixed CHAP secret; generated per volume when empty.' },
  { name: 'volume_name_template', type: 'string', default: 'volume-%s', help: 'Template for backend volume names.' },
  { name: 'snapshot_name_template', type: 'string', default: 'snapshot-%s', help: 'Template for backend snapshot names.' },
  { name: 'filter_function', type: 'string', default: null, help: 'Expression deciding whether this backend may take a volume.' },
  { name: 'goodness_function', type: 'string', default: null, help: 'Expression rating this backend for a volume, 0..100.' },
  { name: 'report_discard_supported', type: 'bool', default: false, help: 'Report discard support in connection info.' },
  { name: 'driver_ssl_cert_verify', type: 'bool', default: true, help: 'Verify TLS certificates of the backend.' },
  { name: 'driver_ssl_cert_path', type: 'string', default: null, help: 'CA bundle used to verify the backend.' },
];

/** Options every share backend section accepts. */
export const SHARE_BACKEND_OPTIONS: readonly OptionSpec[] = [
  { name: 'share_driver', type: 'string', required: true, help: 'Share driver name from the registry.' },
  { name: 'share_backend_name', type: 'string', default: null, help: 'Backend name matched by the share_backend_name extra spec; defaults to the section name.' },
  ...ANY_BACKEND_OPTIONS,
  { name: 'filter_function', type: 'string', default: null, help: 'Expression deciding whether this backend may take a share.' },
  { name: 'goodness_function', type: 'string', default: null, help: 'Expression rating this backend for a share, 0..100.' },
];

/** Options of a volume driver that exports through an iSCSI target helper (tgtadm, lioadm, ietadm). */
export const TARGET_HELPER_OPTIONS: readonly OptionSpec[] = [
  { name: 'iscsi_target_prefix', type: 'string', default: 'iqn.2010-10.org.openstack:', deprecatedNames: ['target_prefix'], help: 'Prefix for iSCSI target names.' },
  { name: 'target_ip_address', type: 'string', default: '127.0.0.1', deprecatedNames: ['iscsi_ip_address'], help: 'IP address the target listens on.' },
  { name: 'target_secondary_ip_addresses', type: 'list', default: [], help: 'More portal addresses, for multipath.' },
  { name: 'target_port', type: 'int', default: 3260, min: 1, max: 65535, deprecatedNames: ['iscsi_port'], help: 'Port the target listens on.' },
  { name: 'target_helper', type: 'enum', default: 'tgtadm', choices: ['tgtadm', 'lioadm', 'ietadm', 'fake'], help: 'Target helper that exports volumes.' },
  { name: 'target_protocol', type: 'enum', default: 'iscsi', choices: ['iscsi', 'iser'], help: 'Protocol the target exports with.' },
  { name: 'volumes_dir', type: 'string', default: null, help: 'Directory for target configuration files.' },
];

export const BACKEND_OPTIONS: Record<DriverKind, readonly OptionSpec[]> = { volume: VOLUME_BACKEND_OPTIONS, share: SHARE_BACKEND_OPTIONS };

/** Every option of a volume driver that uses a target helper (the local and fake drivers). */
export const COMMON_BACKEND_OPTIONS: readonly OptionSpec[] = [...VOLUME_BACKEND_OPTIONS, ...TARGET_HELPER_OPTIONS];
