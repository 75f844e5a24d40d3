// scripts/with-test-postgres.sh: with nothing answering at the URL it is given (a
// deliberately dead port), it starts a private PostgreSQL under ./var/ for the command,
// exports its URL, and stops and removes it afterwards; the real server is left alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PG_URL } from '../support/test-service.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/with-test-postgres.sh');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function run(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('scripts/with-test-postgres.sh', () => {
  test('a dead port gets a private cluster for the command, gone afterwards; the real server keeps running', async () => {
    assert.ok(await answers(PG_URL), `the test server at ${PG_URL} must answer before`);
    const dead = await freePort();
    const deadUrl = `postgres://postgres@127.0.0.1:${dead}/test`;
    // The command reports the URL it got and proves a query runs there.
    const probe = `node --input-type=module -e '
      import pg from "pg";
      const c = new pg.Client({ connectionString: process.env.FLINT_TEST_PG_URL });
      await c.connect();
      const r = await c.query("select current_database() as db, host(inet_server_addr()) as addr, current_setting(\\$\\$data_directory\\$\\$) as dir");
      console.log(JSON.stringify({ url: process.env.FLINT_TEST_PG_URL, ...r.rows[0] }));
      await c.end();'`;
    const r = await run({ FLINT_TEST_PG_URL: deadUrl }, ['bash', '-c', probe]);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { url: string; db: string; addr: string; dir: string };
    assert.match(got.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
    assert.notEqual(got.url, deadUrl);
    assert.equal(got.db, 'test');
    assert.equal(got.addr, '127.0.0.1');
    assert.ok(got.dir.startsWith(join(ROOT, 'var') + '/'), `data directory ${got.dir} is under ./var/`);
    // Stopped and removed once the command ended.
    assert.equal(await answers(got.url), false);
    assert.equal(existsSync(got.dir), false);
    assert.ok(await answers(PG_URL), 'the real server still answers');
  });

  test("the command's exit status comes through, and the cluster is stopped all the same", async () => {
    const r = await run({ FLINT_TEST_PG_PRIVATE: '1' }, ['bash', '-c', 'echo "$FLINT_TEST_PG_URL"; exit 7']);
    assert.equal(r.code, 7, r.stderr);
    const url = r.stdout.trim();
    assert.notEqual(url, PG_URL);
    assert.equal(await answers(url), false);
    assert.ok(await answers(PG_URL));
  });

  test('a server that answers is used as it is', async () => {
    const r = await run({ FLINT_TEST_PG_URL: PG_URL }, ['bash', '-c', 'echo "$FLINT_TEST_PG_URL"']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), PG_URL);
  });
});
