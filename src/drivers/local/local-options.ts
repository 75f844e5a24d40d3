// Options of the `local` driver (beyond the common backend options).
import type { OptionSpec } from '../../config/options.js';
import { TGTD_GLIBC_TUNABLES } from '../../targets/tgt/tgtd-tuning.js';

export const LOCAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'local_pool_dir', type: 'string', default: null, help: 'Directory holding the volume files; defaults to <state dir>/pool.' },
  { name: 'local_pool_image', type: 'string', default: null, help: 'Sparse image file to create, format as XFS with reflink and loop-mount at local_pool_dir; empty: use local_pool_dir as it is.' },
  { name: 'local_pool_loop_direct_io', type: 'bool', default: true, help: 'Put the pool image\'s loop device in direct-I/O mode, so pool data is not cached twice (once above, once in the image file\'s filesystem).' },
  { name: 'local_pool_image_size_gib', type: 'int', default: 100, min: 1, help: 'Size of local_pool_image when it is created.' },
  { name: 'tgtd_managed', type: 'bool', default: true, help: `Start and supervise a tgtd of this backend (true) or use one already running on tgtd_control_port (false; start that one with GLIBC_TUNABLES=${TGTD_GLIBC_TUNABLES}, or iSCSI I/O costs it several times the CPU).` },
  { name: 'tgtd_control_port', type: 'int', default: null, min: 0, max: 32767, help: 'tgtd control socket number (-C N, at most 32767); defaults to target_port modulo 32768 so backends on different ports do not collide.' },
  { name: 'tgtd_stop_on_shutdown', type: 'bool', default: true, help: 'Stop the managed tgtd and unmount the pool at shutdown (false: leave them serving; the next start adopts the running tgtd).' },
  { name: 'target_flags', type: 'enum', default: 'direct', choices: ['none', 'direct', 'sync', 'direct:sync'], help: 'tgtd backing-store open flags for each LUN (Cinder\'s target_flags, passed as --bsoflags); direct keeps iSCSI I/O out of the page cache (fastest); sync makes each write durable on completion, for initiators that never flush. With any value, data is on stable storage once an initiator\'s SYNCHRONIZE CACHE or FUA write returns.' },
  { name: 'tgtd_health_interval_ms', type: 'int', default: 1000, min: 100, help: 'How often the supervisor checks that tgtd answers.' },
];
