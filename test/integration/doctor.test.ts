// `flint doctor` run as an operator runs it: exit 0 when nothing blocks serve, exit 1 naming
// each blocking problem with its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/http.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Check { check: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string }

async function doctor(conf: string, ...args: string[]): Promise<{ code: number; checks: Check[] }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'doctor', '--config', conf, '--json', ...args], { cwd: ROOT });
    return { code: 0, checks: JSON.parse(r.stdout) as Check[] };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, checks: JSON.parse(err.stdout) as Check[] };
  }
}

test('doctor passes a working configuration and sets its backend up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-doctor-'));
  try {
    const conf = join(dir, 'flint.conf');
    writeFileSync(conf, `[DEFAULT]\nenabled_backends = fake1\nstate_path = ${dir}/var\nosapi_volume_listen_port = 0\n[fake1]\nvolume_driver = fake\n`);
    const r = await doctor(conf);
    assert.equal(r.code, 0, JSON.stringify(r.checks));
    assert.deepEqual(r.checks.filter((c) => c.status === 'fail'), []);
    assert.ok(r.checks.some((c) => c.check === 'backend fake1 (fake)' && c.status === 'ok'));
    assert.ok(r.checks.some((c) => c.check === 'database' && /reachable/.test(c.detail)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('doctor names what blocks serve (database, Keystone, a port taken by something else) and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-doctor-'));
  const squatter = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  const taken = (squatter.address() as { port: number }).port;
  try {
    const deadPg = await freePort();
    const deadKeystone = await freePort();
    const conf = join(dir, 'flint.conf');
    writeFileSync(conf, [
      '[DEFAULT]', 'enabled_backends = fake1', `state_path = ${dir}/var`, `osapi_volume_listen_port = ${taken}`,
      `database_connection = postgres://postgres:hunter2pw@127.0.0.1:${deadPg}/x`,
      'auth_strategy = keystone', `keystone_url = http://127.0.0.1:${deadKeystone}`,
      '[fake1]', 'volume_driver = fake', '',
    ].join('\n'));
    const r = await doctor(conf, '--no-backends');
    assert.equal(r.code, 1);
    const failed = Object.fromEntries(r.checks.filter((c) => c.status === 'fail').map((c) => [c.check, c]));
    assert.deepEqual(Object.keys(failed).sort(), [`API port 127.0.0.1:${taken}`, 'database', 'keystone']);
    assert.match(failed.database!.detail, /ECONNREFUSED/);
    assert.ok(!JSON.stringify(r.checks).includes('hunter2pw'), 'the database password was printed');
    for (const c of Object.values(failed)) assert.ok(c.fix && c.fix.length > 0, `${c.check} has no fix`);
  } finally {
    squatter.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('doctor checks the commands a local share backend needs (Ganesha, D-Bus; rpcbind and namespaces for NFSv3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-doctor-'));
  try {
    const conf = join(dir, 'flint.conf');
    writeFileSync(conf, `[DEFAULT]\nenabled_backends = nas\nstate_path = ${dir}/var\nosapi_volume_listen_port = 0\n[nas]\nshare_driver = local\nganesha_nfsv3 = true\n`);
    const r = await doctor(conf, '--no-backends');
    const commands = r.checks.filter((c) => c.check.startsWith('command ')).map((c) => [c.check.slice('command '.length), c.status]);
    for (const cmd of ['ganesha.nfsd', 'dbus-daemon', 'dbus-send', 'xfs_freeze', 'xfs_growfs', 'xfs_admin', 'rpcbind', 'rpcinfo', 'nsenter', 'unshare']) {
      assert.ok(commands.some(([c, s]) => c === cmd && s === 'ok'), `${cmd} checked: ${JSON.stringify(commands)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
