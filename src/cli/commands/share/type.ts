// flint share type create|list: share types (driver_handles_share_servers is required).
import type { Command } from 'commander';
import { collectProperty } from '../../command-kit.js';
import { emit, printRecord, printTable } from '../../output.js';
import { shareClientFor } from './share-kit.js';

type ShareType = { id: string; name: string; extra_specs: Record<string, string>; 'share_type_access:is_public': boolean };

export function register(parent: Command): void {
  const type = parent.command('type').description('Share types');
  type.command('create')
    .description('Create a share type')
    .argument('<name>', 'type name')
    .option('--dhss', 'backends handle share servers (driver_handles_share_servers = True)')
    .option('--property <key=value>', 'extra spec (repeatable), e.g. snapshot_support=True', collectProperty)
    .option('--private', 'only projects given access may use it')
    .option('--json', 'print JSON')
    .action(async (name: string, o, cmd: Command) => {
      const t = (await shareClientFor(cmd).call<{ share_type: ShareType }>('POST', '/types', {
        share_type: { name, extra_specs: { driver_handles_share_servers: o.dhss ? 'True' : 'False', ...(o.property ?? {}) }, 'share_type_access:is_public': !o.private },
      })).share_type;
      emit(o.json, t, () => printRecord({ id: t.id, name: t.name, extra_specs: t.extra_specs, is_public: t['share_type_access:is_public'] }));
    });
  type.command('list')
    .description('List share types')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const types = (await shareClientFor(cmd).call<{ share_types: ShareType[] }>('GET', '/types')).share_types;
      emit(o.json, types, () => printTable(types, [['ID', (t) => t.id], ['Name', (t) => t.name], ['Extra specs', (t) => t.extra_specs], ['Public', (t) => t['share_type_access:is_public']]]));
    });
}
