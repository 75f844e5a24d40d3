// How Flint runs tgtd so the iSCSI data path costs little CPU. tgtd moves every byte through
// one event-loop thread (socket reads and writes) before its I/O threads pread/pwrite the
// backing file, so on a loaded host a 1 GiB copy is bounded by that thread's CPU, not the disk.
// Measured with perf on these machines (bench/local.bench.ts has the figures): most of that
// CPU went to page faults on freshly mapped command buffers and to per-PDU syscalls.

/**
 * glibc settings for tgtd's environment. tgtd allocates each command's data buffer with
 * posix_memalign and frees it when the response is sent; buffers of a few MiB are above
 * glibc's mmap threshold, so every command mapped fresh pages, faulted each 4 KiB page in while
 * copying from the socket, and unmapped them again (7 of tgtd's 8 CPU seconds per GiB
 * written). A 32 MiB threshold serves them from the heap, and a 64 MiB trim threshold keeps
 * the freed heap for the next command instead of returning it at every free: tgtd then holds
 * at most its in-flight buffers plus 64 MiB of free heap.
 */
export const TGTD_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864';

/** tgtd's environment: ours first, so an operator's own GLIBC_TUNABLES (parsed later) win. */
export function tgtdEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, GLIBC_TUNABLES: [TGTD_GLIBC_TUNABLES, base.GLIBC_TUNABLES].filter(Boolean).join(':') };
}

/**
 * iSCSI session limits each target offers (tgtadm --mode target --op update --name/--value).
 * tgtd's defaults, 8 KiB data segments and 256 KiB bursts, cut 1 GiB into 131 072 PDUs, each a
 * read() and an epoll round in the event-loop thread; these cut tgtd's CPU per GiB written by
 * half again. Every value is negotiated down to what the initiator declares (open-iscsi and
 * libiscsi offer 256 KiB segments), so no initiator is refused. iSER negotiates its own.
 */
export const ISCSI_TARGET_PARAMS: readonly (readonly [name: string, value: number])[] = [
  ['MaxRecvDataSegmentLength', 262_144],
  ['MaxXmitDataSegmentLength', 262_144],
  ['FirstBurstLength', 262_144],
  ['MaxBurstLength', 1_048_576],
];
