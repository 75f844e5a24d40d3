import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor, redact } from './executor.js';
import { CommandError } from '../errors/errors.js';
import { sleep } from '../util/clock.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'flint-exec-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** A script that counts its runs in $1 and fails (with $2 on stderr) until run number $3. */
async function flakyScript(): Promise<string> {
  const script = join(dir, 'flaky.sh');
  await writeFile(script, [
    'n=$(cat "$1" 2>/dev/null || echo 0)',
    'n=$((n + 1))',
    'echo "$n" > "$1"',
    'if [ "$n" -lt "$3" ]; then echo "$2" >&2; exit 1; fi',
    'echo ok',
  ].join('\n'));
  return script;
}

async function runs(counter: string): Promise<number> {
  return Number((await readFile(counter, 'utf8')).trim());
}

async function expectCommandError(p: Promise<unknown>): Promise<CommandError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CommandError, `expected CommandError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the command to fail');
}

describe('ShellExecutor retries', () => {
  test('a command that fails twice then succeeds is retried with backoff until it succeeds', async () => {
    const script = await flakyScript();
    const counter = join(dir, 'count-ok');
    const ex = new ShellExecutor({ tries: 3, backoffMs: 1 });
    const r = await ex.run(['sh', script, counter, 'transient glitch', '3']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), 'ok');
    assert.equal(await runs(counter), 3);
  });

  test('it gives up after `tries` attempts with the last failure', async () => {
    const script = await flakyScript();
    const counter = join(dir, 'count-giveup');
    const ex = new ShellExecutor({ tries: 3, backoffMs: 1 });
    const e = await expectCommandError(ex.run(['sh', script, counter, 'still broken', '10'], { tries: 2 }));
    assert.equal(e.exitCode, 1);
    assert.match(e.stderr, /still broken/);
    assert.equal(await runs(counter), 2, 'per-call tries overrides the executor default');
  });

  test('a non-retryable error pattern stops retrying at once', async () => {
    const script = await flakyScript();
    const counter = join(dir, 'count-nonretry');
    const ex = new ShellExecutor({ tries: 5, backoffMs: 1 });
    const e = await expectCommandError(
      ex.run(['sh', script, counter, 'tgtadm: this target is still active', '10'], { nonRetryable: [/still active/] }),
    );
    assert.equal(await runs(counter), 1);
    assert.equal(e.retryable, false);
  });
});

describe('ShellExecutor timeouts', () => {
  test('a command that outlives its timeout is killed and reports exit code 124', { timeout: 20_000 }, async () => {
    const ex = new ShellExecutor({ tries: 1 });
    const e = await expectCommandError(ex.run(['sleep', '30'], { timeoutMs: 100 }));
    assert.equal(e.exitCode, 124);
    assert.match(e.stderr, /timed out after 100 ms/);
  });

  test('the timeout kills the command’s children too (a grandchild must not keep it waiting)', { timeout: 20_000 }, async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const ex = new ShellExecutor({ tries: 1 });
    const e = await expectCommandError(
      ex.run(['sh', '-c', 'sleep 60 & echo $! > "$0"; wait', pidFile], { timeoutMs: 300 }),
    );
    assert.equal(e.exitCode, 124);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    // Killed processes may linger as zombies for a moment until they are reaped.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try { process.kill(pid, 0); await sleep(20); } catch { alive = false; }
    }
    assert.equal(alive, false, `grandchild ${pid} survived the timeout`);
  });
});

describe('ShellExecutor redaction and refusal', () => {
  test('secrets are redacted from the CommandError message, argv, stdout and stderr', async () => {
    const ex = new ShellExecutor({ tries: 1 });
    const e = await expectCommandError(ex.run(
      ['sh', '-c', 'echo "user chap pass $0" ; echo "login failed for $0" >&2; exit 3', 's3cr3t-Pw'],
      { secrets: ['s3cr3t-Pw'] },
    ));
    assert.equal(e.exitCode, 3);
    for (const text of [e.message, e.stdout, e.stderr, e.argv.join(' ')]) {
      assert.ok(!text.includes('s3cr3t-Pw'), `secret leaked in: ${text}`);
    }
    assert.match(e.message, /login failed for \*\*\*/);
    assert.ok(e.argv.includes('***'));
  });

  test('a secret containing another secret is redacted whole', () => {
    assert.equal(redact('pw=hunter22 pw2=hunter', ['hunter', 'hunter22']), 'pw=*** pw2=***');
  });

  test('a command outside the allowed list is refused without running', async () => {
    const marker = join(dir, 'should-not-exist');
    const ex = new ShellExecutor({ allowed: new Set(['true']) });
    const e = await expectCommandError(ex.run(['/usr/bin/touch', marker]));
    assert.match(e.message, /touch is not in the allowed list/);
    await assert.rejects(readFile(marker), { code: 'ENOENT' });
    assert.equal((await ex.run(['/bin/true'])).exitCode, 0, 'allowed commands match by basename');
  });
});

describe('ShellExecutor basics', () => {
  test('okExitCodes, stdin input, env and cwd are honoured', async () => {
    const ex = new ShellExecutor();
    assert.equal((await ex.run(['sh', '-c', 'exit 2'], { okExitCodes: [0, 2] })).exitCode, 2);
    assert.equal((await ex.run(['cat'], { input: 'block bytes' })).stdout, 'block bytes');
    assert.equal((await ex.run(['sh', '-c', 'echo "$FLINT_X"'], { env: { FLINT_X: 'y' } })).stdout.trim(), 'y');
    assert.equal((await ex.run(['pwd'], { cwd: dir })).stdout.trim(), dir);
  });

  test('a missing program fails with exit code 127; an empty argv is refused', async () => {
    const ex = new ShellExecutor();
    assert.equal((await expectCommandError(ex.run(['/nonexistent/flint-nope']))).exitCode, 127);
    await expectCommandError(ex.run([]));
  });
});
