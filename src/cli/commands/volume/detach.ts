// flint volume detach VOL [--attachment ID]: delete the volume's attachment(s).
import type { Command } from 'commander';
import { clientFor } from '../../command-kit.js';

export function register(parent: Command): void {
  parent.command('detach')
    .description('Detach a volume (all its attachments, or one)')
    .argument('<volume>', 'volume id or name')
    .option('--attachment <id>', 'only this attachment')
    .action(async (id: string, o, cmd: Command) => {
      const client = clientFor(cmd);
      id = await client.volumeId(id);
      let ids: string[] = o.attachment ? [o.attachment] : [];
      if (!o.attachment) {
        const list = (await client.call<{ attachments: { id: string; status: string }[] }>('GET', `/attachments?volume_id=${encodeURIComponent(id)}`)).attachments;
        ids = list.filter((a) => a.status !== 'detached').map((a) => a.id);
        if (ids.length === 0) throw new Error(`Volume ${id} has no attachments.`);
      }
      for (const a of ids) await client.call('DELETE', `/attachments/${encodeURIComponent(a)}`);
    });
}
