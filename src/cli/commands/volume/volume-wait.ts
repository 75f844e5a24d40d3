// Waiting on volumes: until available (create, extend), until gone (delete).
import type { FlintClient } from '../../client.js';
import { waitFor } from '../../wait.js';

type Volume = { id: string; status: string; size: number };

export function waitVolume(client: FlintClient, id: string, label: string, done: (v: Volume) => boolean) {
  return waitFor<Volume>({
    label,
    poll: async () => (await client.call<{ volume: Volume }>('GET', `/volumes/${id}`)).volume,
    status: (v) => v?.status ?? 'deleted',
    done: (v) => v !== null && done(v),
    failed: (v) => v === null || v.status.startsWith('error'),
  });
}

export function waitVolumeGone(client: FlintClient, id: string) {
  return waitFor<Volume>({
    label: `deleting volume ${id}`,
    poll: async () => (await client.call<{ volume: Volume }>('GET', `/volumes/${id}`)).volume,
    status: (v) => v?.status ?? 'deleted',
    done: (v) => v === null,
    failed: (v) => v !== null && v.status.startsWith('error'),
  });
}

export const VOLUME_FIELDS = ['id', 'name', 'status', 'size', 'volume_type', 'availability_zone', 'bootable', 'multiattach', 'attachments', 'metadata', 'os-vol-host-attr:host', 'created_at'];

export function volumeRecord(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(VOLUME_FIELDS.filter((f) => f in v).map((f) => [f, v[f]]));
}
