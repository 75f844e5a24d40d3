// Flint's roles record their heartbeats as flint-*; the API shows and accepts Cinder's binary
// names, which clients and Tempest use (`cinder-volume` is the os-services PUT default and
// what Tempest picks os-hosts entries by).
const CINDER_BINARY: Record<string, string> = { 'flint-api': 'cinder-api', 'flint-scheduler': 'cinder-scheduler', 'flint-volume': 'cinder-volume', 'flint-backup': 'cinder-backup' };

export const publicBinary = (binary: string): string => CINDER_BINARY[binary] ?? binary;

/** Both names a binary may be stored under, from either. */
export function binaryNames(binary: string): string[] {
  const stored = Object.entries(CINDER_BINARY).find(([, c]) => c === binary)?.[0] ?? binary;
  return [...new Set([stored, publicBinary(stored)])];
}
