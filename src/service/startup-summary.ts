// What `flint serve` tells an operator once it is up: where the API is and how it
// authenticates, which database and state directory it uses, and each backend with its
// driver, pools, capacity and the daemons it exports through. Read from the configuration and
// the backends' first stats reports; passwords in database URLs never appear.
import { buildSettings } from '../config/settings.js';
import type { RunningService } from './flint-service.js';

export interface StartupSummary {
  api: { url: string | null; auth: string };
  database: string;
  statePath: string;
  backends: Array<{
    section: string; kind: string; driver: string; host: string;
    pools: Array<{ name: string; totalGiB: number | null; freeGiB: number | null }>;
    exportsThrough: string | null;
    problems: string[];
  }>;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

interface PoolJson { poolName: string; capacity: { known: boolean; totalGiB?: number; freeGiB?: number } }

export async function startupSummary(svc: RunningService): Promise<StartupSummary> {
  const settings = buildSettings(svc.config);
  const rows = await svc.db.kysely.selectFrom('backendStats').select(['backendHost', 'stats', 'problems']).execute();
  const byHost = new Map(rows.map((r) => [r.backendHost, r]));
  const api = settings.api;
  return {
    api: {
      url: svc.url,
      auth: api.authStrategy === 'keystone' ? `keystone (${api.keystone.url ?? 'no keystone_url'})` : 'noauth (every caller is admin)',
    },
    database: redactUrl(svc.config.databaseUrl),
    statePath: svc.config.statePath,
    backends: settings.backends.map((b) => {
      const host = `${settings.host}@${b.section}`;
      const row = byHost.get(host);
      let pools: PoolJson[] = [];
      let problems: string[] = [];
      try {
        pools = row ? ((JSON.parse(row.stats) as { pools?: PoolJson[] }).pools ?? []) : [];
        problems = row ? (JSON.parse(row.problems) as string[]) : [];
      } catch {
        problems = ['stats report unreadable'];
      }
      const o = b.config.options as Record<string, unknown>;
      const helper = typeof o.target_helper === 'string' ? o.target_helper : null;
      return {
        section: b.section,
        kind: b.config.kind,
        driver: b.config.driver,
        host,
        pools: pools.map((p) => ({
          name: p.poolName,
          totalGiB: p.capacity.known ? p.capacity.totalGiB ?? null : null,
          freeGiB: p.capacity.known ? p.capacity.freeGiB ?? null : null,
        })),
        exportsThrough: helper ? `iSCSI via ${helper} on ${String(o.target_ip_address ?? '?')}:${String(o.target_port ?? '?')}` : null,
        problems: row ? problems : ['not running in this process, or has not reported yet'],
      };
    }),
  };
}

/** The summary as lines for a terminal. */
export function formatSummary(s: StartupSummary): string[] {
  const gib = (n: number | null) => (n === null ? 'unknown' : `${Math.round(n * 10) / 10} GiB`);
  const lines = [
    `Flint is up`,
    `  API        ${s.api.url ?? 'not served by this process'}   auth: ${s.api.auth}`,
    `  database   ${s.database}`,
    `  state      ${s.statePath}`,
  ];
  for (const b of s.backends) {
    lines.push(`  backend    ${b.section} (${b.kind}, driver ${b.driver})${b.exportsThrough ? `, ${b.exportsThrough}` : ''}`);
    for (const p of b.pools) lines.push(`               pool ${p.name}: ${gib(p.freeGiB)} free of ${gib(p.totalGiB)}`);
    for (const problem of b.problems) lines.push(`               ! ${problem}`);
  }
  return lines;
}
