// The one structured logger; secrets are redacted by key wherever they appear (before any
// formatting, so neither the JSON nor the readable form can show them).
// JSON lines by default; `setLogFormat('pretty')` turns them into coloured, readable lines
// (pino-pretty, made for pino's own records) for a person at a terminal.
import { pino, type Logger } from 'pino';

export const REDACTED_KEYS = [
  'password', 'auth_password', 'secret', 'chap_secret', 'provider_auth', 'token',
  'netapp_password', 'san_password', 'backup_s3_store_secret_key', 'backup_s3_store_access_key', 'x-auth-token', 'authorization', 'discovery_auth_password',
];

const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `headers["${k}"]`, `req.headers["${k}"]`]);

export type LogFormat = 'json' | 'pretty';

/** Where serialized lines go; swapped by setLogFormat. */
let sink: { write(line: string): unknown } = process.stdout;

export const logger: Logger = pino({
  level: process.env.FLINT_LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'),
  redact: { paths, censor: '***' },
  base: { pid: process.pid },
}, { write: (line: string) => void sink.write(line) });

/** Readable on a terminal, JSON otherwise (a pipe, a file, a log collector). */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'pretty' : 'json';
}

export async function setLogFormat(format: LogFormat): Promise<void> {
  if (format === 'json') {
    sink = process.stdout;
    return;
  }
  // Loaded only when asked for: most processes (CLI commands, tests) never format for people.
  const { default: pretty } = await import('pino-pretty');
  sink = pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

export type { Logger };
