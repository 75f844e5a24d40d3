// A Flint process for tests that kill and restart it: `serve-child.ts CONFIG LISTEN [ROLES]`.
import { loadConfig } from '../../src/config/flint-config.js';
import { driverCatalog } from '../../src/drivers/registry.js';
import { startService, type Role } from '../../src/service/flint-service.js';

const [configFile, listen, roles] = process.argv.slice(2);
const svc = await startService({ config: loadConfig(configFile!, {}, driverCatalog), listen, roles: roles ? (roles.split(',') as Role[]) : undefined });
process.stdout.write(`LISTENING ${svc.url}\n`);
process.on('SIGTERM', () => void svc.close().then(() => process.exit(0)));
