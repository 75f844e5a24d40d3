// flint backend list: capacity per pool, from the scheduler stats.
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';

type Pool = { name: string; capabilities: Record<string, unknown> };

export function register(parent: Command): void {
  parent.command('list')
    .description('List backend pools and their capacity')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const pools = (await clientFor(cmd).call<{ pools: Pool[] }>('GET', '/scheduler-stats/get_pools?detail=True')).pools;
      const problems = (p: Pool) => (p.capabilities.backend_problems as string[] | undefined) ?? [];
      emit(o.json, pools, () => {
        printTable(pools, [
          ['Pool', (p) => p.name], ['Backend', (p) => p.capabilities.volume_backend_name], ['Protocol', (p) => p.capabilities.storage_protocol],
          ['Total GiB', (p) => p.capabilities.total_capacity_gb], ['Free GiB', (p) => p.capabilities.free_capacity_gb],
          ['Provisioned GiB', (p) => p.capabilities.provisioned_capacity_gb], ['Thin', (p) => p.capabilities.thin_provisioning_support],
          ['Oversub', (p) => p.capabilities.max_over_subscription_ratio],
          // Only when some backend has one: a problem must not hide in a column that is usually empty.
          ...(pools.some((p) => problems(p).length > 0) ? [['Problems', (p: Pool) => problems(p).length] as [string, (p: Pool) => unknown]] : []),
        ]);
        // Problems are sentences; a table cell would cut them.
        for (const p of pools) for (const text of problems(p)) process.stderr.write(`warning: ${p.name}: ${text}\n`);
      });
    });
}
