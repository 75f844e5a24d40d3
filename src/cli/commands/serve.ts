// `flint serve`: run every role (or one) until SIGINT/SIGTERM.
import { startService } from '../../service/flint-service.js';
import { parseRoles } from '../../service/roles.js';
import { logger } from '../../util/logger.js';

export interface ServeOptions {
  role?: string;
  config?: string;
  listen?: string;
  allowInsecureNoauth?: boolean;
}

export async function serve(o: ServeOptions): Promise<void> {
  const configFile = o.config ?? process.env.FLINT_CONFIG ?? null;
  const svc = await startService({
    configFile,
    roles: o.role ? parseRoles(o.role) : undefined,
    listen: o.listen,
    allowInsecureNoauth: o.allowInsecureNoauth,
  });
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
