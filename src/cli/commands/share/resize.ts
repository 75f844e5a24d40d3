// flint share extend|shrink SHARE --size N [--wait]
import type { Command } from 'commander';
import { positiveInt } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';
import { shareClientFor, shareRecord, waitShare } from './share-kit.js';

function resize(verb: 'extend' | 'shrink') {
  return (parent: Command) => parent.command(verb)
    .description(verb === 'extend' ? 'Grow a share' : 'Shrink a share (refused while its data would not fit)')
    .argument('<share>', 'share name or id')
    .requiredOption('--size <gib>', 'new size in GiB', positiveInt('--size'))
    .option('--wait', 'wait until the share is available at its new size')
    .option('--json', 'print JSON (with --wait)')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      await client.call('POST', `/shares/${id}/action`, { [verb]: { new_size: o.size } });
      if (!o.wait) return;
      const s = await waitShare(client, id, `${verb === 'extend' ? 'extending' : 'shrinking'} share ${id}`, (x) => x.status === 'available');
      // A refused shrink leaves the share available at its old size: say so.
      if (s && s.size !== o.size) throw new Error(`share ${id} is still ${s.size} GiB: the backend refused to ${verb} it (see its messages).`);
      const shown = (await client.call('GET', `/shares/${id}`)).share;
      emit(o.json, shown, () => printRecord(shareRecord(shown)));
    });
}

export const extend = { register: resize('extend') };
export const shrink = { register: resize('shrink') };
