// What `flint serve` prints for a person and for a log collector: a start-up summary in
// readable lines or one JSON record, and never a secret in either form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PG_URL } from '../support/test-service.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRETS = ['pg-s3cret-xyz', 'keystone-s3cret-xyz', 'chap-s3cret-xyz'];

/** Runs `flint serve` until it prints that it listens, then stops it; returns everything it printed. */
async function serveOutput(format: 'pretty' | 'json', dir: string, schema: string): Promise<string> {
  const url = new URL(PG_URL);
  url.password = SECRETS[0]!;
  // A schema of its own: the shared one may hold another checkout's migrations, which Flint refuses.
  url.searchParams.set('options', `-c search_path=${schema}`);
  writeFileSync(join(dir, 'flint.conf'), [
    '[DEFAULT]', 'enabled_backends = fake1', `state_path = ${join(dir, 'var')}`, 'osapi_volume_listen_port = 0',
    // trust auth ignores the password, so the URL works and still carries a secret to hide
    `database_connection = ${url.toString()}`,
    `keystone_password = ${SECRETS[1]}`,
    '[fake1]', 'volume_driver = fake', `chap_password = ${SECRETS[2]}`, '',
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--config', join(dir, 'flint.conf'), '--log-format', format],
    { cwd: ROOT, env: { ...process.env, NODE_TEST_CONTEXT: '', FLINT_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Flint is listening on') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await exited;
  assert.ok(out.includes('Flint is listening on'), out.slice(-2000));
  return out;
}

for (const format of ['pretty', 'json'] as const) {
  test(`serve --log-format ${format}: a start-up summary and no secret`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-serve-'));
    const schema = `flint_serve_${process.pid}_${format}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    try {
      const out = await serveOutput(format, dir, schema);
      for (const s of SECRETS) assert.ok(!out.includes(s), `${s} printed`);
      if (format === 'pretty') {
        assert.match(out, /^ {2}API {8}http:\/\/127\.0\.0\.1:\d+ {3}auth: noauth/m);
        assert.match(out, /^ {2}database {3}postgres:\/\/[^:]+:\*\*\*@/m);
        assert.match(out, /^ {2}backend {4}fake1 \(volume, driver fake\)/m);
        assert.match(out, /pool pool0: [\d.]+ GiB free of [\d.]+ GiB/);
        assert.ok(!out.split('\n').some((l) => l.startsWith('{')), 'a JSON line on a readable log');
      } else {
        const records = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
        const up = records.find((r) => r.msg === 'Flint is up');
        assert.ok(up, 'no start-up record');
        assert.equal(up.summary.backends[0].section, 'fake1');
        assert.match(up.summary.database, /:\*\*\*@/);
        assert.ok(up.summary.backends[0].pools.length >= 1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
}
