// Who holds a task's lease: the owner id a process's worker writes on the tasks it claims,
// and the judgement another process of the same machine makes of it (is that process dead,
// so its tasks can be taken at once instead of after their lease?).
//
// A pid means something only inside its PID namespace: a container sharing the hostname (host
// networking) sees a live process of another namespace as "no such process". So the id names
// its namespace (the boot id, random per boot of the machine, and the namespace's inode) and
// only an owner of this very namespace is judged. A pid can also be reused: the id records
// the process's start time (/proc/<pid>/stat, clock ticks since boot), so a new process with
// an old pid is not taken for the owner. Whatever cannot be read is "cannot judge": the lease
// runs out as before. Only a live owner judged dead would be harmful (two workers on one task).
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostname } from 'node:os';

/** The fields of an owner id written by newLeaseOwner. */
export interface LeaseOwner {
  host: string;
  pid: number;
  /** Boot id and PID namespace inode, `<16 hex>.<inode>`; null when they could not be read. */
  pidNamespace: string | null;
  /** The process's start, in clock ticks after boot; null when unreadable. */
  startTicks: string | null;
  role: string;
  since: number;
}

export type OwnerState = 'alive' | 'dead' | 'unknown';

// Not the old `host:pid:role:ms` shape on purpose: a process of an older release, which judged
// by `host:pid` alone, skips these ids instead of misjudging them.
const TAG = 'lease2';
const SEP = '|';
const MAX_LENGTH = 255; // tasks.lease_owner is varchar(255)

interface Self {
  pidNamespace: string | null;
  startTicks: string | null;
  /** /proc shows this process's own namespace, so /proc/<pid> of an owner is that owner. */
  procIsOurs: boolean;
}

let self: Self | null = null;

function thisProcess(): Self {
  if (self) return self;
  const ours = procIsOurs();
  const stat = ours ? readStat('self') : null;
  self = { pidNamespace: readPidNamespace(), startTicks: stat && stat !== 'gone' ? stat.startTicks : null, procIsOurs: ours };
  return self;
}

function readPidNamespace(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 16);
    const ino = statSync('/proc/self/ns/pid').ino;
    return /^[0-9a-f]{16}$/.test(boot) && ino > 0 ? `${boot}.${ino}` : null;
  } catch {
    return null;
  }
}

/** A process's state letter and start (field 22, clock ticks after boot); 'gone' when it has no entry, null when unreadable. */
function readStat(pid: number | 'self'): { state: string; startTicks: string } | 'gone' | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, ticks] = [fields[0], fields[22 - 3]];
    return state && ticks && /^\d+$/.test(ticks) ? { state, startTicks: ticks } : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
}

function procIsOurs(): boolean {
  try {
    return readlinkSync('/proc/self') === String(process.pid);
  } catch {
    return false;
  }
}

/** A fresh owner id for one worker of this process (`role`: scheduler, a backend host…). */
export function newLeaseOwner(role: string): string {
  const me = thisProcess();
  return formatLeaseOwner({ host: hostname(), pid: process.pid, pidNamespace: me.pidNamespace, startTicks: me.startTicks, role, since: Date.now() });
}

/** The owner id of `o` (newLeaseOwner's, or a test's); at most 255 characters, the role cut first. */
export function formatLeaseOwner(o: LeaseOwner): string {
  const clean = (v: string) => v.replaceAll(SEP, '_');
  const head = [TAG, clean(o.host), o.pid, o.pidNamespace ?? '-', o.startTicks ?? '-', clean(o.role)].join(SEP);
  const tail = `${SEP}${o.since}`;
  return head.slice(0, MAX_LENGTH - tail.length) + tail;
}

/** The fields of an id newLeaseOwner wrote; null for any other (older releases', tests'). */
export function parseLeaseOwner(id: string): LeaseOwner | null {
  const parts = id.split(SEP);
  if (parts.length !== 7 || parts[0] !== TAG) return null;
  const [, host, pid, ns, start, role, since] = parts as [string, string, string, string, string, string, string];
  if (!/^\d+$/.test(pid) || !/^\d+$/.test(since)) return null;
  return {
    host, pid: Number(pid), pidNamespace: ns === '-' ? null : ns, startTicks: start === '-' ? null : start, role, since: Number(since),
  };
}

/**
 * Whether the process that wrote owner id `id` is alive, dead, or cannot be judged from
 * here: not an id of this release, another PID namespace or machine, or nothing readable.
 */
export function judgeLeaseOwner(id: string): OwnerState {
  const owner = parseLeaseOwner(id);
  const me = thisProcess();
  if (!owner || owner.pidNamespace === null || owner.pidNamespace !== me.pidNamespace) return 'unknown';
  if (owner.pid === process.pid) {
    // This pid in this namespace: this process, or one that had the pid before it.
    if (owner.startTicks === null || me.startTicks === null) return 'unknown';
    return owner.startTicks === me.startTicks ? 'alive' : 'dead';
  }
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ESRCH: no such process. EPERM: a process of another user exists with the pid.
    if (code === 'ESRCH') return 'dead';
    if (code !== 'EPERM') return 'unknown';
  }
  // Something has the pid: the owner, or a process that reused it since.
  if (owner.startTicks === null || !me.procIsOurs) return 'alive';
  const now = readStat(owner.pid);
  if (now === 'gone') return 'dead'; // exited since the signal
  if (now === null) return 'alive';
  // Another start: the pid was reused. A zombie (killed, not yet reaped by its parent) still
  // answers the signal but runs nothing.
  return now.startTicks !== owner.startTicks || now.state === 'Z' || now.state === 'X' ? 'dead' : 'alive';
}
