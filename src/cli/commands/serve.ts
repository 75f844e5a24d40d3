// `flint serve`: run every role (or one) until SIGINT/SIGTERM.
import { startService, type Role } from '../../service/flint-service.js';
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
    roles: o.role ? (o.role.split(',').map((r) => r.trim()) as Role[]) : undefined,
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
