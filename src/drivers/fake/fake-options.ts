// The fake driver's own options (beyond COMMON_BACKEND_OPTIONS): pools, capacity, protocol and fault injection.
import type { OptionSpec } from '../../config/options.js';

export const FAKE_DRIVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'fake_pools', type: 'list', default: ['pool0'], help: 'Pool names the fake backend reports.' },
  { name: 'fake_capacity_gib', type: 'int', default: 1000, min: 0, help: 'Total capacity of each pool in GiB.' },
  {
    name: 'fake_capacity_mode', type: 'enum', default: 'known', choices: ['known', 'infinite', 'unknown'],
    help: 'Report capacity as fake_capacity_gib (known) or as infinite/unknown, like some Cinder backends do.',
  },
  { name: 'fake_thin_provisioning', type: 'bool', default: true, help: 'Pools support thin provisioning (over-subscription up to max_over_subscription_ratio).' },
  {
    name: 'fake_protocol', type: 'enum', default: 'fake', choices: ['fake', 'iscsi', 'iser', 'fibre_channel'],
    help: "driver_volume_type of connections; iscsi/iser/fibre_channel return the real protocol's connection properties.",
  },
  { name: 'fake_fc_target_wwns', type: 'list', default: ['500a0981891b8dc5', '500a0981991b8dc5'], help: 'Target WWPNs reported in fibre_channel mode.' },
  { name: 'fake_replication_targets', type: 'list', default: ['secondary'], help: 'backend ids failover_host accepts.' },
  {
    name: 'fake_disabled_capabilities', type: 'list', default: [],
    help: 'Capabilities (operation names such as extend, snapshot, image_transfer) this fake backend lacks, as a real driver might.',
  },
  { name: 'fake_fail_operations', type: 'list', default: [], help: 'Operations (e.g. create_volume or createVolume) that always throw a BackendError.' },
  { name: 'fake_delay_ms', type: 'int', default: 0, min: 0, max: 600_000, help: 'Milliseconds each operation waits before doing its work.' },
  { name: 'fake_delay_after_ms', type: 'int', default: 0, min: 0, max: 600_000, help: 'Milliseconds each operation waits after its work is done, before returning (a lost reply).' },
  { name: 'fake_state_file', type: 'string', default: null, help: 'JSON file keeping the backend state across restarts; in memory only when unset.' },
];
