// flint volume attach VOL --initiator IQN [--host H]: attach to a host and print the connection info.
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { clientFor } from '../../command-kit.js';
import { emit, printRecord } from '../../output.js';

export function register(parent: Command): void {
  parent.command('attach')
    .description('Attach a volume to a host (attachments API) and print how to connect to it')
    .argument('<volume>', 'volume id or name')
    .requiredOption('--initiator <iqn>', 'the host\'s iSCSI initiator name')
    .option('--host <name>', 'host name', hostname())
    .option('--ip <addr>', 'host address', '127.0.0.1')
    .option('--mode <mode>', 'rw or ro', 'rw')
    .option('--json', 'print JSON')
    .action(async (id: string, o, cmd: Command) => {
      const client = clientFor(cmd);
      id = await client.volumeId(id);
      const connector = { initiator: o.initiator, host: o.host, ip: o.ip, multipath: false, platform: process.arch, os_type: process.platform };
      const a = (await client.call('POST', '/attachments', { attachment: { volume_uuid: id, connector, mode: o.mode } })).attachment;
      await client.call('POST', `/attachments/${a.id}/action`, { 'os-complete': null });
      const info = a.connection_info ?? {};
      emit(o.json, { attachment_id: a.id, connection_info: info }, () =>
        printRecord({ attachment_id: a.id, driver_volume_type: info.driver_volume_type, ...(info.data ?? {}) }));
    });
}
