// The fake share driver's own options: pools, capacity, share servers and fault injection.
import type { OptionSpec } from '../../config/options.js';

export const FAKE_SHARE_DRIVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'driver_handles_share_servers', type: 'bool', default: false, help: 'Whether this backend creates share servers (DHSS=true) for share networks.' },
  { name: 'fake_share_pools', type: 'list', default: ['pool0'], help: 'Pool names the fake share backend reports.' },
  { name: 'fake_share_capacity_gib', type: 'int', default: 1000, min: 0, help: 'Total capacity of each pool in GiB.' },
  { name: 'fake_share_protocols', type: 'enum', default: 'NFS_CIFS', choices: ['NFS', 'CIFS', 'NFS_CIFS'], help: 'Protocols the backend serves.' },
  { name: 'fake_share_export_ip', type: 'string', default: '127.0.0.1', help: 'Address export locations name.' },
  {
    name: 'fake_share_disabled_capabilities', type: 'list', default: [],
    help: 'Capabilities (snapshot, create_share_from_snapshot, revert_to_snapshot, extend, shrink, manage, manage_snapshot, share_servers) this backend lacks.',
  },
  { name: 'fake_share_fail_operations', type: 'list', default: [], help: 'Operations (e.g. create_share or createShare) that always throw a BackendError.' },
  { name: 'fake_share_error_access_to', type: 'list', default: [], help: 'access_to values whose rules the backend reports as error (per-rule fault).' },
  { name: 'fake_share_delay_ms', type: 'int', default: 0, min: 0, max: 600_000, help: 'Milliseconds each operation waits before doing its work.' },
  { name: 'fake_share_state_file', type: 'string', default: null, help: 'JSON file keeping the backend state across restarts; in memory only when unset.' },
];
