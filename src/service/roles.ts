// The roles one Flint process can run: the API, the scheduler, one manager per backend
// (`volume@B` for a volume backend, `share@B` for a share backend) and the backup service.
import type { FlintConfig } from '../config/flint-config.js';
import { ConfigError } from '../errors/errors.js';

export type Role = 'api' | 'scheduler' | 'backup' | `volume@${string}` | `share@${string}`;

const ROLE_FORMS = 'api, scheduler, backup, volume@BACKEND, share@BACKEND';

/** Parses `--role a,b,…`; a word that is no role form is refused naming the forms. */
export function parseRoles(text: string): Role[] {
  const roles = text.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (roles.length === 0) throw new ConfigError(`--role names no role; roles are ${ROLE_FORMS}.`);
  for (const r of roles) {
    if (!/^(api|scheduler|backup|(volume|share)@[A-Za-z0-9_.-]+)$/.test(r)) throw new ConfigError(`Unknown role '${r}'; roles are ${ROLE_FORMS}.`);
  }
  return roles as Role[];
}

/** Every role this configuration offers: the default when no role is named. */
export function configuredRoles(cfg: FlintConfig): Role[] {
  return ['api', 'scheduler', ...cfg.backends.map((b) => `${b.kind}@${b.section}` as Role), 'backup'];
}

/** Checks `roles` against the configuration: each must be offered here. */
export function checkRoles(roles: readonly Role[], cfg: FlintConfig): void {
  const offered = configuredRoles(cfg);
  for (const r of roles) {
    if (offered.includes(r)) continue;
    const [kind, section] = r.split('@') as [string, string | undefined];
    const other = cfg.backends.find((b) => b.section === section);
    if (other) throw new ConfigError(`Role '${r}' names backend ${section}, which is a ${other.kind} backend (${other.kind}_driver); its role is ${other.kind}@${section}.`);
    const same = offered.filter((o) => o.startsWith(`${kind}@`));
    throw new ConfigError(`Unknown role '${r}'. Roles here: ${offered.join(', ')}${same.length === 0 && kind === 'share' ? ' (no share backend is enabled)' : ''}.`);
  }
}

/**
 * PostgreSQL connections a process needs for its roles: the API serves concurrent requests,
 * the scheduler and the backup service run one task at a time beside their pollers, and a
 * backend manager runs a task while it heartbeats and reports stats. More only queue; fewer
 * make the roles wait for each other.
 */
export function poolSizeFor(roles: readonly Role[]): number {
  let n = 0;
  for (const r of roles) n += r === 'api' ? 10 : r === 'scheduler' || r === 'backup' ? 2 : 3;
  return Math.max(2, n);
}
