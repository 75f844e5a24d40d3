// Pieces the volume service's api modules share.
import type { VolumeRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import type { TaskKind, TaskPayloads } from './task-kinds.js';

/** Enqueues a task for the volume's backend, deduplicated per resource; returns the task id. */
export type Enqueue = <K extends TaskKind>(tx: Tx, kind: K, v: VolumeRow, payload: TaskPayloads[K], resourceType?: string, resourceId?: string) => Promise<string>;

/** Quota deltas of a volume change: the totals, and the type's own counters when it has a name. */
export function typeQuotaDeltas(typeName: string | null, volumes: number, gigabytes: number): Record<string, number> {
  const d: Record<string, number> = { volumes, gigabytes };
  if (typeName) {
    d[`volumes_${typeName}`] = volumes;
    d[`gigabytes_${typeName}`] = gigabytes;
  }
  return d;
}

/**
 * Quota deltas of snapshots, as Cinder counts them (no_snapshot_gb_quota off): each snapshot
 * counts once and its volume's size counts against gigabytes, in the totals and in the
 * volume type's own counters.
 */
export function snapshotQuotaDeltas(typeName: string | null, snapshots: number, gigabytes: number): Record<string, number> {
  const d: Record<string, number> = { snapshots, gigabytes };
  if (typeName) {
    d[`snapshots_${typeName}`] = snapshots;
    d[`gigabytes_${typeName}`] = gigabytes;
  }
  return d;
}
