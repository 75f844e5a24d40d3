// The durable operations of the share service and their payloads.

export interface ShareTaskPayloads {
  /** Scheduler: place a new share, then hand it to its backend's manager. */
  schedule_share: { reservation: string; excludeHosts: string[]; lastError?: string };
  create_share: { reservation: string; excludeHosts: string[] };
  delete_share: { reservation: string };
  extend_share: { newSize: number; oldSize: number; reservation: string };
  shrink_share: { newSize: number; oldSize: number; reservation: string };
  revert_share: { snapshotId: string };
  create_share_snapshot: { reservation: string };
  delete_share_snapshot: { reservation: string };
  /** Apply the share's queued rules (queued_to_apply / queued_to_deny) on its backend. */
  update_share_access: Record<string, never>;
  manage_share: { exportPath: string; driverOptions: Record<string, string>; reservation: string };
  unmanage_share: { reservation: string };
  manage_share_snapshot: { providerLocation: string; reservation: string };
  unmanage_share_snapshot: { reservation: string };
}

export type ShareTaskKind = keyof ShareTaskPayloads;
