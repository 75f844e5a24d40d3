// flint type create NAME [--property k=v]… [--private] [--description D]
import type { Command } from 'commander';
import { clientFor, collectProperty } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';

export function register(parent: Command): void {
  parent.command('create')
    .description('Create a volume type')
    .argument('<name>', 'type name')
    .option('--property <key=value>', 'extra spec (repeatable)', collectProperty)
    .option('--description <text>', 'description')
    .option('--private', 'visible only to projects given access')
    .option('--json', 'print JSON')
    .action(async (name: string, o, cmd: Command) => {
      const t = (await clientFor(cmd).call('POST', '/types', {
        volume_type: { name, description: o.description ?? null, 'os-volume-type-access:is_public': !o.private, extra_specs: o.property ?? {} },
      })).volume_type;
      emit(o.json, t, () => printRecord(t));
    });
}
