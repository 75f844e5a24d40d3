// Turns Manila access rules into Ganesha CLIENT blocks, with a result per rule: NFS here
// grants by IPv4 address or CIDR only, so any other rule is refused (state `error`) and
// never reaches the export.
import type { AccessRuleResults, DriverAccessRule } from '../interface/share.js';
import { isIpv4OrCidr, type GaneshaClientRule } from '../../targets/ganesha/ganesha-config.js';

export interface PlannedAccess {
  clients: GaneshaClientRule[];
  results: AccessRuleResults;
}

/** The rules that should be on the share: `all`, plus `add`, minus `remove` (by id). */
export function desiredRules(all: readonly DriverAccessRule[], add: readonly DriverAccessRule[], remove: readonly DriverAccessRule[]): DriverAccessRule[] {
  const byId = new Map<string, DriverAccessRule>();
  for (const r of [...all, ...add]) byId.set(r.id, r);
  for (const r of remove) byId.delete(r.id);
  return [...byId.values()];
}

export function planAccess(rules: readonly DriverAccessRule[]): PlannedAccess {
  const results: AccessRuleResults = {};
  const byClient = new Map<string, GaneshaClientRule>();
  for (const r of rules) {
    if (r.accessType !== 'ip') {
      results[r.id] = { state: 'error', reason: `Access type '${r.accessType}' is not supported for NFS on this backend; only 'ip' is.` };
      continue;
    }
    const clients = normalize(r.accessTo);
    if (!isIpv4OrCidr(clients)) {
      results[r.id] = { state: 'error', reason: `'${r.accessTo}' is not an IPv4 address or CIDR.` };
      continue;
    }
    // Two rules for one client: the wider grant wins, as two Manila rules would add up.
    const prev = byClient.get(clients);
    const access = r.accessLevel === 'rw' || prev?.access === 'RW' ? 'RW' : 'RO';
    byClient.set(clients, { clients, access });
    results[r.id] = { state: 'active' };
  }
  return { clients: [...byClient.values()], results };
}

/** `10.0.0.5/32` and `10.0.0.5` are one client; a bare address stays bare. */
function normalize(accessTo: string): string {
  const t = accessTo.trim();
  return t.endsWith('/32') ? t.slice(0, -3) : t;
}
