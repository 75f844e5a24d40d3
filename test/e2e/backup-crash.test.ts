// A backup and a restore killed mid-way: the backup service runs in its own process (role
// `backup`, PostgreSQL shared with this test's API, scheduler and `local` volume manager) and
// gets SIGKILL while it streams a volume over iSCSI. At its restart the half-done work is
// undone (the export made for it, its qemu-nbd, the partial objects) and started over: the
// backup ends available with the right bytes, the volume in its previous status, the quota
// counting one backup; the restore ends with the volume available and holding the backup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/executor.js';
import { compareData, copyData } from '../../src/connector/volume-io.js';
import type { VolumeEndpoint } from '../../src/connector/volume-endpoint.js';
import type { ConnectionInfo } from '../../src/drivers/interface/objects.js';
import { freePort } from '../support/local-test-backend.js';
import { PG_URL, startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';
import { bundledServeChild, startFlintProcess, stopFlintProcess } from '../support/flint-process.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const PROJECT = 'backup-crash';
const exec = new ShellExecutor({ tries: 1, timeoutMs: 120_000 });

describe('backup service killed mid-way (SIGKILL), separate process, PostgreSQL', () => {
  let svc: TestService | undefined;
  let child: ChildProcess | null = null;
  let entry = '';
  let dir = '';
  let port = 0;
  const schema = `flint_bkcrash_${process.pid}_${Date.now().toString(36)}`;
  const initiator = `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;
  const connector = { initiator, host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };
  const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(svc!.url!, PROJECT, method, path, body, '3.51');
  const ok = expectStatus;
  const config = () => join(dir, 'flint.conf');
  const backupsDir = () => join(dir, 'backups');

  const qemuNbdOfOurs = (): string[] => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.startsWith('qemu-nbd') && cmd.includes(dir);
    } catch { return false; }
  });
  const startBackupProcess = async () => { child = await startFlintProcess(config(), '127.0.0.1:0', 'error', ['backup'], entry); };
  const killBackupProcess = async () => {
    const c = child!;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await exited;
    child = null;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flint-backup-crash-'));
    port = await freePort();
    entry = await bundledServeChild();
    svc = await startTestService({
      dir, db: 'postgres', schema, roles: ['api', 'scheduler', 'volume@local'],
      defaults: {
        database_connection: `${PG_URL}?options=-c%20search_path%3D${schema}`, task_lease_seconds: 5,
        backup_posix_path: join(dir, 'backups'), backup_object_size: 4 * MiB, backup_objects_in_flight: 1,
      },
      backends: {
        local: {
          volume_driver: 'local', local_pool_dir: join(dir, 'pool'), local_pool_image: join(dir, 'pool.img'), local_pool_image_size_gib: 20,
          target_port: port, tgtd_control_port: port % 32768, tgtd_health_interval_ms: 300,
        },
      },
    });
    await startBackupProcess();
  });

  after(async () => {
    if (child) await stopFlintProcess(child).catch(() => undefined);
    await svc?.cleanup().catch(() => undefined);
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      const cmd = (() => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } })();
      const ours = (cmd[0] === 'tgtd' && cmd.includes(`portal=127.0.0.1:${port}`)) || (cmd[0]?.endsWith('qemu-nbd') && cmd.some((a) => a.includes(dir)));
      if (ours) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
    }
    const pool = join(dir, 'pool');
    if (readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === pool)) await exec.run(['umount', '-l', pool]).catch(() => undefined);
    const loops = await exec.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
    for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await exec.run(['losetup', '-d', m[1]!]).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const volumeStatus = (id: string, want: string[], timeoutMs = 180_000): Promise<any> => waitUntil(async () => {
    const v = ok(await call('GET', `/volumes/${id}`), 200).volume;
    return want.includes(v.status) ? v : undefined;
  }, timeoutMs, 100);
  const backupStatus = (id: string, want: string[]): Promise<any> => waitUntil(async () => {
    const r = await call('GET', `/backups/${id}`);
    if (r.status === 404) return want.includes('deleted') ? { status: 'deleted' } : undefined;
    return want.includes(r.json.backup.status) ? r.json.backup : undefined;
  }, 300_000, 100);
  const attach = async (volumeId: string): Promise<{ id: string; ep: VolumeEndpoint }> => {
    const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector } }), 200).attachment;
    ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
    await volumeStatus(volumeId, ['in-use']);
    return { id: a.id as string, ep: { kind: 'iscsi', info: a.connection_info as ConnectionInfo, initiator } };
  };
  const detach = async (attachmentId: string, volumeId: string) => {
    ok(await call('DELETE', `/attachments/${attachmentId}`), 200);
    await volumeStatus(volumeId, ['available']);
  };
  const createVolume = async (name: string): Promise<string> => {
    const id = ok(await call('POST', '/volumes', { volume: { size: 1, name } }), 202).volume.id as string;
    await volumeStatus(id, ['available']);
    return id;
  };
  const taskPercent = async (kind: string): Promise<number> => {
    const t = await svc!.db.kysely.selectFrom('tasks').select(['percent', 'status']).where('kind', '=', kind).where('status', '=', 'running').executeTakeFirst();
    return t?.percent ?? 0;
  };
  const exportedVolumes = async () => (await svc!.db.kysely.selectFrom('volumes').select(['id', 'exported']).where('exported', '!=', 0).execute()).map((v) => v.id);
  const files = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : statSync(join(d, e.name)).isFile() ? [join(d, e.name)] : []));
    } catch { return []; }
  };

  test('a backup and a restore SIGKILLed while streaming are started over and end right', async () => {
    const vol = await createVolume('crash-src');
    const expected = join(dir, 'expected.raw');
    writeFileSync(expected, '');
    const fh = await open(expected, 'r+');
    await fh.truncate(GiB);
    await fh.write(randomBytes(96 * MiB), 0, 96 * MiB, 0);
    await fh.write(randomBytes(32 * MiB), 0, 32 * MiB, 700 * MiB);
    await fh.close();
    let a = await attach(vol);
    await copyData(exec, { kind: 'file', path: expected, format: 'raw' }, a.ep);
    await detach(a.id, vol);

    // Backup: killed once objects are being written.
    const b = ok(await call('POST', '/backups', { backup: { volume_id: vol, name: 'crashy' } }), 202).backup;
    await waitUntil(async () => ((await taskPercent('create_backup')) >= 5 ? true : undefined), 300_000, 50);
    await killBackupProcess();
    assert.equal(ok(await call('GET', `/volumes/${vol}`), 200).volume.status, 'backing-up', 'the kill landed mid-backup');
    assert.equal(ok(await call('GET', `/backups/${b.id}`), 200).backup.status, 'creating');
    assert.ok(files(backupsDir()).length > 0, 'partial objects exist before the restart');
    await startBackupProcess();
    const done = await backupStatus(b.id, ['available', 'error']);
    assert.equal(done.status, 'available', `the backup ended ${done.status}: ${done.fail_reason}`);
    assert.equal((await volumeStatus(vol, ['available', 'in-use', 'error'])).status, 'available', 'the volume is back in its previous status');
    assert.deepEqual(await exportedVolumes(), [], 'no export is left for the backup');
    assert.deepEqual(qemuNbdOfOurs(), [], 'no qemu-nbd is left');
    const q = ok(await call('GET', `/os-quota-sets/${PROJECT}?usage=True`), 200).quota_set;
    assert.deepEqual([q.backups.in_use, q.backups.reserved, q.backup_gigabytes.in_use], [1, 0, 1]);

    // Restore into a new volume: killed while writing.
    const r = ok(await call('POST', `/backups/${b.id}/restore`, { restore: { name: 'crash-restored' } }), 202).restore;
    await waitUntil(async () => ((await taskPercent('restore_backup')) >= 5 ? true : undefined), 300_000, 50);
    await killBackupProcess();
    assert.equal(ok(await call('GET', `/volumes/${r.volume_id}`), 200).volume.status, 'restoring-backup', 'the kill landed mid-restore');
    await startBackupProcess();
    assert.equal((await volumeStatus(r.volume_id, ['available', 'error_restoring'])).status, 'available');
    assert.equal((await backupStatus(b.id, ['available', 'error'])).status, 'available');
    assert.deepEqual(await exportedVolumes(), []);
    a = await attach(r.volume_id);
    try {
      assert.ok(await compareData(exec, a.ep, { kind: 'file', path: expected, format: 'raw' }), 'the restored volume holds the backed-up bytes');
    } finally {
      await detach(a.id, r.volume_id);
    }

    // Deleting it leaves no object behind: the killed attempt's partial objects were removed too.
    ok(await call('DELETE', `/backups/${b.id}`), 202);
    await backupStatus(b.id, ['deleted']);
    assert.deepEqual(files(backupsDir()), [], 'no object of any attempt is left');
    assert.deepEqual(qemuNbdOfOurs(), []);
  });
});
