// `flint doctor`: checks the host and the configuration before `flint serve` and says, for
// each problem, what is wrong and how to fix it. A `fail` blocks serve; a `warn` does not.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { loadConfig, type FlintConfig } from '../config/flint-config.js';
import { buildSettings, type BackendSettings, type Settings } from '../config/settings.js';
import { openDatabase, pendingMigrations } from '../db/database.js';
import { driverCatalog, driverRegistration } from '../drivers/registry.js';
import '../drivers/index.js';
import { ShellExecutor } from '../exec/executor.js';
import { logger } from '../util/logger.js';
import { redactUrl } from './startup-summary.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface CheckResult { check: string; status: CheckStatus; detail: string; fix?: string }

export interface DoctorOptions {
  configFile: string | null;
  /** Also set up each backend and run its own check (starts and stops its daemons). */
  backends: boolean;
}

const quiet = logger.child({}, { level: 'silent' });
const sh = new ShellExecutor({ tries: 1, logger: quiet, timeoutMs: 60_000 });

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Which commands each driver needs, and the Debian package that brings them. */
const TOOLS: Record<string, Array<[cmd: string, pkg: string]>> = {
  any: [['qemu-img', 'qemu-utils']],
  targetHelper: [['tgtd', 'tgt'], ['tgtadm', 'tgt']],
  local: [['losetup', 'mount'], ['mkfs.xfs', 'xfsprogs'], ['xfs_io', 'xfsprogs'], ['mount', 'mount']],
  localShare: [['losetup', 'mount'], ['mkfs.xfs', 'xfsprogs'], ['xfs_freeze', 'xfsprogs'], ['xfs_growfs', 'xfsprogs'], ['xfs_admin', 'xfsprogs'],
    ['mount', 'mount'], ['ganesha.nfsd', 'nfs-ganesha nfs-ganesha-vfs'], ['dbus-daemon', 'dbus'], ['dbus-send', 'dbus']],
  /** ganesha_nfsv3: Ganesha and its own rpcbind in a network namespace. */
  localShareNfsv3: [['rpcbind', 'rpcbind'], ['rpcinfo', 'rpcbind'], ['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux']],
};

function toolChecks(settings: Settings): CheckResult[] {
  const needed = new Map<string, string>(TOOLS.any);
  for (const b of settings.backends) {
    if (b.config.kind === 'share' && b.config.driver === 'local') {
      for (const [c, p] of TOOLS.localShare) needed.set(c, p);
      if ((b.config.options as Record<string, unknown>).ganesha_nfsv3 === true) for (const [c, p] of TOOLS.localShareNfsv3) needed.set(c, p);
    }
    if (b.config.kind !== 'volume') continue;
    const reg = driverRegistration(b.config.driver, b.section, b.config.kind);
    if (reg.usesTargetHelper && (b.config.options as Record<string, unknown>).target_helper === 'tgtadm') for (const [c, p] of TOOLS.targetHelper) needed.set(c, p);
    if (b.config.driver === 'local') for (const [c, p] of TOOLS.local) needed.set(c, p);
  }
  return [...needed].map(([cmd, pkg]) => (onPath(cmd)
    ? { check: `command ${cmd}`, status: 'ok' as const, detail: 'found' }
    : { check: `command ${cmd}`, status: 'fail' as const, detail: `${cmd} is not on PATH`, fix: `apt-get install ${pkg}` }));
}

function stateDirCheck(cfg: FlintConfig): CheckResult {
  try {
    mkdirSync(cfg.statePath, { recursive: true });
    const probe = join(cfg.statePath, `.doctor-${process.pid}`);
    writeFileSync(probe, 'x');
    rmSync(probe);
    return { check: 'state directory', status: 'ok', detail: `${cfg.statePath} is writable` };
  } catch (e) {
    return { check: 'state directory', status: 'fail', detail: `${cfg.statePath}: ${(e as Error).message}`, fix: 'set state_path to a directory Flint may write, or fix its permissions' };
  }
}

async function portFree(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The API port: free, or already held by a running Flint (then backends are its business). */
async function apiPortCheck(settings: Settings): Promise<{ result: CheckResult; flintRunning: boolean }> {
  const { listenAddress: host, listenPort: port } = settings.api;
  const check = `API port ${host}:${port}`;
  if (port === 0) return { result: { check, status: 'ok', detail: 'a free port is picked at start' }, flintRunning: false };
  const free = await portFree(host, port);
  if (free === true) return { result: { check, status: 'ok', detail: 'free' }, flintRunning: false };
  const answer = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  if (answer?.ok) return { result: { check, status: 'warn', detail: 'a Flint already serves here', fix: 'stop it before starting another, or set osapi_volume_listen_port' }, flintRunning: true };
  return { result: { check, status: 'fail', detail: `in use (${free}) by something that is not Flint`, fix: 'free the port or set osapi_volume_listen_port' }, flintRunning: false };
}

async function loopCheck(): Promise<CheckResult> {
  try {
    const r = await sh.run(['losetup', '-f'], { quiet: true });
    return { check: 'loop devices', status: 'ok', detail: `next free: ${r.stdout.trim()}` };
  } catch (e) {
    return { check: 'loop devices', status: 'fail', detail: `no free loop device (${(e as Error).message.split('\n')[0]})`, fix: 'modprobe loop, or run where /dev/loop-control exists (a privileged container)' };
  }
}

/** The local pool's set-up in miniature: an XFS image with reflink, loop-mounted, one reflink copy. */
async function reflinkCheck(stateDir: string): Promise<CheckResult> {
  const dir = mkdtempSync(join(stateDir, '.doctor-reflink-'));
  const img = join(dir, 'probe.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  try {
    await sh.run(['truncate', '-s', '320M', img], { quiet: true });
    await sh.run(['mkfs.xfs', '-q', '-m', 'reflink=1', img], { quiet: true });
    await sh.run(['mount', '-o', 'loop', img, mnt], { quiet: true });
    mounted = true;
    writeFileSync(join(mnt, 'a'), Buffer.alloc(65536, 1));
    await sh.run(['cp', '--reflink=always', join(mnt, 'a'), join(mnt, 'b')], { quiet: true });
    return { check: 'XFS reflink on a loop device', status: 'ok', detail: 'snapshots and clones are constant-time' };
  } catch (e) {
    return {
      check: 'XFS reflink on a loop device', status: 'warn', detail: (e as Error).message.split('\n')[0]!,
      fix: 'run as root with loop devices and xfsprogs; without reflink, local snapshots copy data',
    };
  } finally {
    if (mounted) await sh.run(['umount', mnt], { quiet: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function databaseCheck(cfg: FlintConfig): Promise<CheckResult> {
  const shown = redactUrl(cfg.databaseUrl);
  let db;
  try {
    db = await openDatabase({ url: cfg.databaseUrl, migrate: false });
    const pending = await pendingMigrations(db);
    if (pending.length === 0) return { check: 'database', status: 'ok', detail: `${shown} reachable and migrated` };
    return { check: 'database', status: 'warn', detail: `${shown} reachable; ${pending.length} migration(s) not run yet (${pending.join(', ')})`, fix: 'flint serve runs them at start' };
  } catch (e) {
    return { check: 'database', status: 'fail', detail: `${shown}: ${(e as Error).message.split('\n')[0]}`, fix: 'start the database or correct database_connection' };
  } finally {
    await db?.close().catch(() => undefined);
  }
}

async function keystoneCheck(settings: Settings): Promise<CheckResult | null> {
  if (settings.api.authStrategy !== 'keystone') return null;
  const url = settings.api.keystone.url;
  if (!url) return { check: 'keystone', status: 'fail', detail: 'auth_strategy = keystone but keystone_url is not set', fix: 'set keystone_url' };
  const r = await fetch(`${url.replace(/\/+$/, '')}/v3`, { signal: AbortSignal.timeout(5000) }).catch((e: Error) => e);
  if (r instanceof Error) return { check: 'keystone', status: 'fail', detail: `${url} does not answer (${r.message})`, fix: 'start Keystone or correct keystone_url' };
  if (r.status >= 400) return { check: 'keystone', status: 'fail', detail: `${url}/v3 answered ${r.status}`, fix: 'keystone_url must be the base URL, e.g. http://127.0.0.1:5000' };
  return { check: 'keystone', status: 'ok', detail: `${url} answers` };
}

/** Set the backend up as serve would, run its own check, and stop what it started. */
async function backendCheck(settings: Settings, b: BackendSettings): Promise<CheckResult> {
  const check = `backend ${b.section} (${b.config.driver})`;
  if (b.config.kind !== 'volume') return { check, status: 'warn', detail: `${b.config.kind} backends are not checked by this build` };
  let driver;
  try {
    const reg = driverRegistration(b.config.driver, b.section, 'volume');
    if (reg.kind === 'share') throw new Error(`${reg.name} is a share driver`);
    const factory = await reg.load();
    const stateDir = join(settings.statePath, 'backends', b.section);
    mkdirSync(stateDir, { recursive: true });
    driver = factory({ backendName: b.section, host: `${settings.host}@${b.section}`, options: b.config.options, logger: quiet, stateDir, executor: new ShellExecutor({ tries: b.numShellTries, logger: quiet }) });
    await driver.doSetup();
    await driver.checkForSetupError();
    const stats = await driver.getVolumeStats(true);
    const problems = stats.problems ?? [];
    if (problems.length > 0) return { check, status: 'warn', detail: problems.join('; ') };
    return { check, status: 'ok', detail: `${stats.pools.length} pool(s) report` };
  } catch (e) {
    return { check, status: 'fail', detail: (e as Error).message.split('\n')[0]!, fix: `correct section [${b.section}] (see \`flint backend list\` and the driver's options)` };
  } finally {
    await driver?.shutdown?.().catch(() => undefined);
  }
}

export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  let cfg: FlintConfig;
  try {
    cfg = loadConfig(o.configFile, process.env, driverCatalog);
  } catch (e) {
    return [{ check: 'configuration', status: 'fail', detail: (e as Error).message, fix: 'correct the configuration file' }];
  }
  const settings = buildSettings(cfg);
  const results: CheckResult[] = [{ check: 'configuration', status: 'ok', detail: cfg.source ?? 'built-in defaults' }];
  results.push(...toolChecks(settings));
  results.push(stateDirCheck(cfg));
  const api = await apiPortCheck(settings);
  results.push(api.result);
  results.push(await databaseCheck(cfg));
  const ks = await keystoneCheck(settings);
  if (ks) results.push(ks);
  if (settings.backends.some((b) => b.config.driver === 'local')) {
    results.push(await loopCheck());
    if (results.at(-1)!.status === 'ok') results.push(await reflinkCheck(cfg.statePath));
  }
  if (o.backends && !api.flintRunning) {
    for (const b of settings.backends) results.push(await backendCheck(settings, b));
  } else if (o.backends) {
    results.push({ check: 'backends', status: 'warn', detail: 'not set up here: the running Flint owns them; see its /readyz' });
  }
  return results;
}
