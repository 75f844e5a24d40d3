// Rows turned into what share drivers see: backend names, extra specs, metadata, rules, servers.
import type { ShareAccessRuleRow, ShareRow, ShareSnapshotRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { readMetadata } from '../db/repos/metadata.js';
import { shareExtraSpecsOf } from '../db/repos/share-types.js';
import type {
  AccessLevel, AccessType, DriverAccessRule, DriverShare, DriverShareServer, DriverShareSnapshot, ShareProto,
} from '../drivers/interface/share.js';
import { NotFound } from '../errors/errors.js';

export interface ShareNameTemplates {
  share: string;
  snapshot: string;
}
export const DEFAULT_SHARE_TEMPLATES: ShareNameTemplates = { share: 'share-%s', snapshot: 'share-snapshot-%s' };

export async function toDriverShareServer(tx: Tx, id: string | null): Promise<DriverShareServer | null> {
  if (!id) return null;
  const s = await tx.selectFrom('shareServers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) return null;
  return { id: s.id, shareNetworkId: s.shareNetworkId, backendDetails: JSON.parse(s.backendDetails) as Record<string, string> };
}

export async function toDriverShare(tx: Tx, s: ShareRow, templates: ShareNameTemplates = DEFAULT_SHARE_TEMPLATES): Promise<DriverShare> {
  return {
    id: s.id,
    name: templates.share.replace('%s', s.id),
    size: s.size,
    shareProto: s.shareProto as ShareProto,
    host: s.host,
    providerLocation: s.providerLocation,
    shareTypeId: s.shareTypeId,
    extraSpecs: await shareExtraSpecsOf(tx, s.shareTypeId),
    metadata: await readMetadata(tx, 'shareMetadata', s.id),
    shareServer: await toDriverShareServer(tx, s.shareServerId),
  };
}

export async function toDriverShareSnapshot(tx: Tx, snap: ShareSnapshotRow, templates: ShareNameTemplates = DEFAULT_SHARE_TEMPLATES): Promise<DriverShareSnapshot> {
  const share = await tx.selectFrom('shares').selectAll().where('id', '=', snap.shareId).executeTakeFirst();
  if (!share) throw new NotFound('Share', snap.shareId);
  return {
    id: snap.id,
    name: templates.snapshot.replace('%s', snap.id),
    shareSize: snap.shareSize,
    share: await toDriverShare(tx, share, templates),
    providerLocation: snap.providerLocation,
  };
}

export function toDriverRule(r: ShareAccessRuleRow): DriverAccessRule {
  return { id: r.id, accessType: r.accessType as AccessType, accessTo: r.accessTo, accessLevel: r.accessLevel as AccessLevel };
}
