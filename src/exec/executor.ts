// The one command runner: argv arrays (never a shell string), retries with backoff for
// flaky commands, non-retryable error patterns, timeouts, and secret-free logging.
import { spawn } from 'node:child_process';
import { CommandError } from '../errors/errors.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { sleep } from '../util/clock.js';

export interface RunOptions {
  /** Total attempts; defaults to the executor's `tries` (num_shell_tries). */
  tries?: number;
  timeoutMs?: number;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: number[];
  /** stderr/stdout patterns that must not be retried (the command will fail the same way). */
  nonRetryable?: RegExp[];
  /** Values to replace with *** in logs and errors (passwords passed via env or argv). */
  secrets?: string[];
  env?: Record<string, string>;
  input?: string | Buffer;
  cwd?: string;
  /** Do not log at info level (hot paths, polling). */
  quiet?: boolean;
  /** A failure is an expected answer (a liveness probe while a daemon starts): logged at debug, not as a warning. */
  probe?: boolean;
  /** Called with each stdout chunk as it arrives (progress output of long commands). */
  onStdout?: (chunk: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Executor {
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

export interface ShellExecutorOptions {
  tries?: number;
  /** First backoff delay; doubles per attempt (capped at 10 s). */
  backoffMs?: number;
  timeoutMs?: number;
  /** Commands that may run, by basename; anything else is refused. */
  allowed?: ReadonlySet<string>;
  logger?: Logger;
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is not left half-shown.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***');
  return out;
}

export class ShellExecutor implements Executor {
  private readonly tries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: ShellExecutorOptions = {}) {
    this.tries = opts.tries ?? 1;
    this.backoffMs = opts.backoffMs ?? 200;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.log = opts.logger ?? rootLogger;
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new CommandError([], null, '', 'empty command');
    const base = argv[0]!.split('/').pop()!;
    if (this.opts.allowed && !this.opts.allowed.has(base)) {
      throw new CommandError([base], null, '', `command ${base} is not in the allowed list`);
    }
    const tries = Math.max(1, opts.tries ?? this.tries);
    const secrets = opts.secrets ?? [];
    const shown = argv.map((a) => redact(a, secrets));
    let last: CommandError | undefined;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const started = Date.now();
      const result = await this.once(argv, opts);
      const ms = Date.now() - started;
      const ok = (opts.okExitCodes ?? [0]).includes(result.exitCode);
      const logFields = { cmd: shown, exitCode: result.exitCode, ms, attempt };
      if (ok) {
        if (opts.quiet) this.log.debug(logFields, 'command ok');
        else this.log.info(logFields, 'command ok');
        return result;
      }
      const stderr = redact(result.stderr, secrets);
      const stdout = redact(result.stdout, secrets);
      last = new CommandError(shown, result.exitCode, stdout, stderr);
      if (opts.probe) this.log.debug({ ...logFields, stderr: stderr.slice(0, 500) }, 'probe answered no');
      else this.log.warn({ ...logFields, stderr: stderr.slice(0, 500) }, 'command failed');
      const text = `${result.stderr}\n${result.stdout}`;
      if (opts.nonRetryable?.some((re) => re.test(text))) break;
      if (attempt < tries) await sleep(Math.min(this.backoffMs * 2 ** (attempt - 1), 10_000));
    }
    throw last!;
  }

  private once(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        cwd: opts.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Own process group, so a timeout kills the command's children too: a grandchild
        // holding stdout open would otherwise keep 'close' (and the caller) waiting.
        detached: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, opts.timeoutMs ?? this.timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        out.push(b);
        opts.onStdout?.(b.toString());
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ stdout: '', stderr: `${e.message}`, exitCode: 127 });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString() + (timedOut ? `\ntimed out after ${opts.timeoutMs ?? this.timeoutMs} ms` : '');
        resolve({ stdout: Buffer.concat(out).toString(), stderr, exitCode: timedOut ? 124 : (code ?? 128) });
      });
      child.stdin.on('error', () => {});
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  }
}
