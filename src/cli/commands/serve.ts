// `flint serve`: run every role (or some) until SIGINT/SIGTERM. Readable logs and a start-up
// summary on a terminal, JSON lines elsewhere or with --log-format json.
import { startService } from '../../service/flint-service.js';
import { parseRoles } from '../../service/roles.js';
import { formatSummary, startupSummary } from '../../service/startup-summary.js';
import { defaultLogFormat, logger, setLogFormat, type LogFormat } from '../../util/logger.js';
import { InvalidInput } from '../../errors/errors.js';

export interface ServeOptions {
  role?: string;
  config?: string;
  listen?: string;
  allowInsecureNoauth?: boolean;
  logFormat?: string;
}

function logFormat(o: ServeOptions): LogFormat {
  if (o.logFormat === undefined) return defaultLogFormat();
  if (o.logFormat === 'json' || o.logFormat === 'pretty') return o.logFormat;
  throw new InvalidInput(`--log-format must be json or pretty, not '${o.logFormat}'.`);
}

export async function serve(o: ServeOptions): Promise<void> {
  const format = logFormat(o);
  await setLogFormat(format);
  const configFile = o.config ?? process.env.FLINT_CONFIG ?? null;
  const svc = await startService({
    configFile,
    roles: o.role ? parseRoles(o.role) : undefined,
    listen: o.listen,
    allowInsecureNoauth: o.allowInsecureNoauth,
  });
  const summary = await startupSummary(svc);
  if (format === 'pretty') process.stdout.write(`${formatSummary(summary).join('\n')}\n`);
  else logger.info({ summary }, 'Flint is up');
  if (svc.url) process.stdout.write(`Flint is listening on ${svc.url}\n`);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await svc.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
