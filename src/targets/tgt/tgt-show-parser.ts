// Parses `tgtadm --mode target --op show` into targets with their LUNs, ACLs, accounts and sessions.

export interface TgtTarget {
  tid: number;
  iqn: string;
  luns: number[];
  acls: string[];
  accounts: string[];
  /** I_T nexus (session) ids with the initiator name each belongs to. */
  sessions: { sid: number; initiator: string; cids: number[] }[];
}

/** Section headings are at 4 spaces, their items deeper; LUN/nexus blocks have their own keys. */
export function parseTgtShow(text: string): TgtTarget[] {
  const targets: TgtTarget[] = [];
  let cur: TgtTarget | null = null;
  let section = '';
  for (const line of text.split('\n')) {
    const head = /^Target (\d+): (\S+)/.exec(line);
    if (head) {
      cur = { tid: Number(head[1]), iqn: head[2]!, luns: [], acls: [], accounts: [], sessions: [] };
      targets.push(cur);
      section = '';
      continue;
    }
    if (!cur) continue;
    const sec = /^ {4}(\S[^:]*):\s*$/.exec(line);
    if (sec) { section = sec[1]!; continue; }
    const item = line.trim();
    if (!item) continue;
    if (section === 'LUN information') {
      const m = /^LUN: (\d+)$/.exec(item);
      if (m && Number(m[1]) !== 0) cur.luns.push(Number(m[1]));
    } else if (section === 'I_T nexus information') {
      const nexus = /^I_T nexus: (\d+)$/.exec(item);
      if (nexus) cur.sessions.push({ sid: Number(nexus[1]), initiator: '', cids: [] });
      const last = cur.sessions[cur.sessions.length - 1];
      const ini = /^Initiator: (\S+)/.exec(item);
      if (ini && last) last.initiator = ini[1]!;
      const conn = /^Connection: (\d+)$/.exec(item);
      if (conn && last) last.cids.push(Number(conn[1]));
    } else if (section === 'ACL information') {
      cur.acls.push(item);
    } else if (section === 'Account information') {
      cur.accounts.push(item.replace(/\s*\(outgoing\)$/, ''));
    }
  }
  return targets;
}
