// Renders NFS-Ganesha's configuration: the main file of one supervised daemon and one
// `EXPORT {}` block per share (the same text serves the %include'd file and D-Bus AddExport).
import { InvalidInput } from '../../errors/errors.js';

export type GaneshaAccess = 'RW' | 'RO';

/** One CLIENT block: who (an IPv4 address or CIDR) and what they may do. */
export interface GaneshaClientRule {
  clients: string;
  access: GaneshaAccess;
}

export interface GaneshaExport {
  /** 1..65535 (0 is Ganesha's pseudo-root). */
  exportId: number;
  /** The directory exported (a share's mount point). */
  path: string;
  /** The NFSv4 pseudo path, also the NFSv3 mount path (Mount_Path_Pseudo). */
  pseudo: string;
  rules: GaneshaClientRule[];
}

export interface GaneshaMainConfig {
  /** NFSv3 needs rpcbind: only inside the backend's private network namespace. */
  nfsv3: boolean;
  /** Omitted inside a network namespace (getaddrinfo fails there with only `lo`, see the notes). */
  bindAddress: string | null;
  nfsPort: number;
  mountPort: number;
  recoveryRoot: string;
  exportsIndex: string;
}

const PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

function quotedPath(p: string, what: string): string {
  // Paths are ours (state dir + share name); refuse anything that could break out of the quotes.
  if (!PATH_RE.test(p)) throw new InvalidInput(`Invalid ${what} '${p}' for a Ganesha export.`);
  return `"${p}"`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;

export function isIpv4OrCidr(s: string): boolean {
  return IPV4.test(s);
}

function prefixLength(clients: string): number {
  const slash = clients.indexOf('/');
  return slash < 0 ? 32 : Number(clients.slice(slash + 1));
}

/**
 * Ganesha takes the first CLIENT block that matches, so the most specific rule goes first:
 * `127.0.0.1 ro` beside `127.0.0.0/8 rw` keeps 127.0.0.1 read-only, whatever order the rules came in.
 */
export function orderRules(rules: readonly GaneshaClientRule[]): GaneshaClientRule[] {
  return [...rules].sort((a, b) => prefixLength(b.clients) - prefixLength(a.clients) || a.clients.localeCompare(b.clients));
}

export function renderExport(e: GaneshaExport, nfsv3: boolean): string {
  if (!Number.isInteger(e.exportId) || e.exportId < 1 || e.exportId > 65535) throw new InvalidInput(`Invalid Ganesha export id ${e.exportId}.`);
  const lines = [
    'EXPORT {',
    `  Export_Id = ${e.exportId};`,
    `  Path = ${quotedPath(e.path, 'path')};`,
    `  Pseudo = ${quotedPath(e.pseudo, 'pseudo path')};`,
    // The export-level default applies to every client no CLIENT block matches: grant nothing there.
    '  Access_Type = None;',
    '  Squash = No_Root_Squash;',
    `  Protocols = ${nfsv3 ? '3, 4' : '4'};`,
    '  Transports = TCP;',
    '  SecType = sys;',
    '  FSAL { Name = VFS; }',
  ];
  for (const r of orderRules(e.rules)) {
    if (!isIpv4OrCidr(r.clients)) throw new InvalidInput(`Invalid NFS client '${r.clients}': expected an IPv4 address or CIDR.`);
    lines.push(`  CLIENT { Clients = ${r.clients}; Access_Type = ${r.access}; }`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderMainConfig(c: GaneshaMainConfig): string {
  const core = [
    `NFS_Port = ${c.nfsPort};`,
    ...(c.nfsv3 ? [`MNT_Port = ${c.mountPort};`, 'Protocols = 3, 4;', 'Enable_UDP = false;'] : ['Protocols = 4;']),
    ...(c.bindAddress ? [`Bind_addr = ${c.bindAddress};`] : []),
    'Enable_NLM = false;',
    'Enable_RQUOTA = false;',
    // One path for both versions: NFSv3 clients mount the pseudo path too.
    'Mount_Path_Pseudo = true;',
  ];
  return [
    '# Written by Flint; regenerated at every start.',
    `NFS_CORE_PARAM { ${core.join(' ')} }`,
    // Graceless: no 90 s grace period after a (re)start, so exports serve at once.
    `NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = ${quotedPath(c.recoveryRoot, 'recovery root')}; }`,
    'NFS_KRB5 { Active_krb5 = false; }',
    'LOG { Default_Log_Level = EVENT; }',
    `%include ${quotedPath(c.exportsIndex, 'exports index')}`,
    '',
  ].join('\n');
}

/** The index file: one %include per export file (an empty index is valid). */
export function renderExportsIndex(files: readonly string[]): string {
  return ['# Written by Flint: one file per export.', ...files.map((f) => `%include ${quotedPath(f, 'export file')}`), ''].join('\n');
}
