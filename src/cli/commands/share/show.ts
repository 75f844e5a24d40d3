// flint share show SHARE [--json]: the share with its export locations.
import type { Command } from 'commander';
import { emit, printRecord } from '../../output.js';
import { shareClientFor, shareRecord } from './share-kit.js';

export function register(parent: Command): void {
  parent.command('show')
    .description('Show a share and where to mount it')
    .argument('<share>', 'share name or id')
    .option('--json', 'print JSON')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      const s = (await client.call('GET', `/shares/${id}`)).share;
      const exports = (await client.call<{ export_locations: Array<{ path: string }> }>('GET', `/shares/${id}/export_locations`)).export_locations;
      emit(o.json, { ...s, export_locations: exports }, () => printRecord(shareRecord(s, exports.map((e) => e.path))));
    });
}
