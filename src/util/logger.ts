// The one structured logger; secrets are redacted by key wherever they appear.
import { pino, type Logger } from 'pino';

export const REDACTED_KEYS = [
  'password', 'auth_password', 'secret', 'chap_secret', 'provider_auth', 'token',
  'netapp_password', 'san_password', 'backup_s3_store_secret_key', 'backup_s3_store_access_key', 'x-auth-token', 'authorization', 'discovery_auth_password',
];

const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `headers["${k}"]`, `req.headers["${k}"]`]);

export const logger: Logger = pino({
  level: process.env.FLINT_LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'),
  redact: { paths, censor: '***' },
  base: { pid: process.pid },
});

export type { Logger };
