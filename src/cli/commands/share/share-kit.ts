// What the share commands share: the client, waiting on shares and snapshots, the fields shown.
import type { Command } from 'commander';
import type { GlobalOptions } from '../../command-kit.js';
import { ShareClient } from '../../share-client.js';
import { waitFor } from '../../wait.js';

export function shareClientFor(cmd: Command): ShareClient {
  const g = cmd.optsWithGlobals() as GlobalOptions;
  return new ShareClient({ url: g.url, project: g.project, token: g.token });
}

type Share = { id: string; status: string; size: number; access_rules_status?: string };

/** Until `done` holds; an error status fails the wait. */
export function waitShare(client: ShareClient, id: string, label: string, done: (s: Share) => boolean) {
  return waitFor<Share>({
    label,
    poll: async () => (await client.call<{ share: Share }>('GET', `/shares/${id}`)).share,
    status: (s) => s?.status ?? 'deleted',
    done: (s) => s !== null && done(s),
    failed: (s) => s === null || s.status.includes('error'),
  });
}

export function waitShareGone(client: ShareClient, id: string) {
  return waitFor<Share>({
    label: `deleting share ${id}`,
    poll: async () => (await client.call<{ share: Share }>('GET', `/shares/${id}`)).share,
    status: (s) => s?.status ?? 'deleted',
    done: (s) => s === null,
    failed: (s) => s !== null && s.status.includes('error'),
  });
}

export function waitSnapshot(client: ShareClient, id: string, label: string, gone: boolean) {
  return waitFor<Share>({
    label,
    poll: async () => (await client.call<{ snapshot: Share }>('GET', `/snapshots/${id}`)).snapshot,
    status: (s) => s?.status ?? 'deleted',
    done: (s) => (gone ? s === null : s?.status === 'available'),
    failed: (s) => (gone ? s !== null && s.status.includes('error') : s === null || s.status.includes('error')),
  });
}

export const SHARE_FIELDS = ['id', 'name', 'status', 'size', 'share_proto', 'share_type_name', 'availability_zone', 'access_rules_status', 'is_public', 'metadata', 'host', 'created_at'];

export function shareRecord(s: Record<string, unknown>, exportPaths: string[] = []): Record<string, unknown> {
  const out = Object.fromEntries(SHARE_FIELDS.filter((f) => f in s).map((f) => [f, s[f]]));
  if (exportPaths.length) out.export_locations = exportPaths.join(', ');
  return out;
}
