// Pieces the share service's api modules share: the enqueue of a share's task, quota deltas
// per share type, and the checks of names and metadata.
import type { ShareRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { Conflict, InvalidInput, NotSupported } from '../errors/errors.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { backendHostOf, shareQueue } from '../tasks/queues.js';
import type { ShareTaskKind, ShareTaskPayloads } from './task-kinds.js';

/** Lifecycle operations hold this key: one at a time per share (access changes use their own). */
export const shareKey = (id: string) => `share:${id}`;
export const accessKey = (shareId: string) => `share-access:${shareId}`;

/** Enqueues a task for the share's backend; returns the queue to notify after commit. */
export async function enqueueShareTask<K extends ShareTaskKind>(
  tasks: TaskQueue, tx: Tx, kind: K, share: ShareRow, payload: ShareTaskPayloads[K],
  opts: { resourceType?: string; resourceId?: string; dedupeKey?: string | null } = {},
): Promise<string> {
  if (!share.host) throw new Conflict(`Share ${share.id} has no backend yet; try again when it is available.`);
  const queue = shareQueue(backendHostOf(share.host));
  const resourceType = opts.resourceType ?? 'share';
  const resourceId = opts.resourceId ?? share.id;
  await tasks.enqueue(tx, { kind, queue, resourceType, resourceId, payload, dedupeKey: opts.dedupeKey === undefined ? shareKey(share.id) : opts.dedupeKey });
  return queue;
}

/** Manila's quota deltas of a share change, with the share type's own counters. */
export function shareQuotaDeltas(typeName: string | null, shares: number, gigabytes: number): Record<string, number> {
  const d: Record<string, number> = { shares, gigabytes };
  if (typeName) {
    d[`shares_${typeName}`] = shares;
    d[`gigabytes_${typeName}`] = gigabytes;
  }
  return d;
}

export function snapshotQuotaDeltas(typeName: string | null, snapshots: number, gigabytes: number): Record<string, number> {
  const d: Record<string, number> = { snapshots, snapshot_gigabytes: gigabytes };
  if (typeName) {
    d[`snapshots_${typeName}`] = snapshots;
    d[`snapshot_gigabytes_${typeName}`] = gigabytes;
  }
  return d;
}

const MAX_NAME = 255;
export function checkText(field: string, v: string | null | undefined, max = MAX_NAME): void {
  if (v !== undefined && v !== null && (typeof v !== 'string' || v.length > max)) throw new InvalidInput(`${field} must be a string of at most ${max} characters.`);
}

export function checkShareMetadata(md: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(md ?? {})) {
    if (k.length === 0 || k.length > 255) throw new InvalidInput(`Metadata key '${k.slice(0, 40)}' must be 1 to 255 characters.`);
    if (typeof v !== 'string' || v.length > 1023) throw new InvalidInput(`Metadata value for key '${k.slice(0, 40)}' must be a string of at most 1023 characters.`);
  }
}

/** Manila's size rule: a whole number of GiB, greater than 0. */
export function checkShareSize(field: string, size: unknown, max: number): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new InvalidInput(`Share ${field} '${String(size).slice(0, 40)}' must be an integer and greater than 0.`);
  }
  if (size > max) throw new InvalidInput(`Share ${field} ${size} GiB is larger than the maximum, ${max} GiB.`);
  return size;
}

export async function typeNameOf(tx: Tx, typeId: string | null): Promise<string | null> {
  if (!typeId) return null;
  return (await tx.selectFrom('shareTypes').select('name').where('id', '=', typeId).executeTakeFirst())?.name ?? null;
}

/** Throws NotSupported when the share's backend does not advertise `operation` (without stats yet, the manager's guard answers). */
export async function requireShareOperation(tx: Tx, host: string | null, operation: string, what: string): Promise<void> {
  if (!host) return;
  const row = await tx.selectFrom('backendStats').select(['backendName', 'stats']).where('backendHost', '=', backendHostOf(host)).executeTakeFirst();
  if (!row) return;
  const ops = (JSON.parse(row.stats) as { operations?: string[] }).operations ?? [];
  if (!ops.includes(operation)) throw new NotSupported(row.backendName, what);
}
