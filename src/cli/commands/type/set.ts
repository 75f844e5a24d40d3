// flint type set TYPE [--property k=v]… [--name N] [--description D]
import type { Command } from 'commander';
import { clientFor, collectProperty } from '../../command-kit.js';

export function register(parent: Command): void {
  parent.command('set')
    .description('Change a volume type: extra specs, name, description')
    .argument('<type>', 'type name or id')
    .option('--property <key=value>', 'extra spec to set (repeatable)', collectProperty)
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .action(async (type: string, o, cmd: Command) => {
      if (!o.property && !o.name && o.description === undefined) throw new Error('Nothing to set: give --property, --name or --description.');
      const client = clientFor(cmd);
      const id = (await client.call('GET', `/types/${encodeURIComponent(type)}`)).volume_type.id as string;
      if (o.property) await client.call('POST', `/types/${id}/extra_specs`, { extra_specs: o.property });
      if (o.name || o.description !== undefined) {
        await client.call('PUT', `/types/${id}`, { volume_type: { ...(o.name ? { name: o.name } : {}), ...(o.description !== undefined ? { description: o.description } : {}) } });
      }
    });
}
