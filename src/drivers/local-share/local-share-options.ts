// Options of the `local` share driver: the pool options it shares with the `local` volume
// driver (same names, same meaning), and its NFS-Ganesha's.
import type { OptionSpec } from '../../config/options.js';
import { LOCAL_OPTIONS } from '../local/local-options.js';

export const LOCAL_SHARE_OPTIONS: readonly OptionSpec[] = [
  ...LOCAL_OPTIONS.filter((o) => o.name.startsWith('local_pool_')),
  { name: 'local_share_mount_dir', type: 'string', default: null, help: 'Directory under which each share\'s filesystem is mounted; defaults to <state dir>/shares.' },
  { name: 'local_share_loop_direct_io', type: 'bool', default: true, help: 'Put each share\'s loop device in direct-I/O mode, so share data is not cached twice.' },
  { name: 'ganesha_bind_address', type: 'string', default: '127.0.0.1', help: 'Address NFS-Ganesha listens on (NFSv4 only mode) and that export locations name.' },
  { name: 'ganesha_nfs_port', type: 'int', default: 2049, min: 1, max: 65535, help: 'Port NFS-Ganesha listens on (NFSv4 only mode).' },
  { name: 'ganesha_nfsv3', type: 'bool', default: false, help: 'Serve NFSv3 too. NFSv3 needs rpcbind, so Ganesha and its own rpcbind then run in a private network namespace (ganesha_netns) and clients mount 127.0.0.1:2049 from inside it.' },
  { name: 'ganesha_netns', type: 'string', default: null, help: 'Network namespace for ganesha_nfsv3; defaults to flint-<backend>.' },
  { name: 'ganesha_health_interval_ms', type: 'int', default: 2000, min: 100, help: 'How often the supervisor checks that NFS-Ganesha, its D-Bus and its rpcbind still answer (an exit is seen at once).' },
  { name: 'ganesha_stop_on_shutdown', type: 'bool', default: true, help: 'Stop NFS-Ganesha and unmount the shares at shutdown (false: leave them serving until the next start, which ends that Ganesha and re-exports from the database).' },
];
