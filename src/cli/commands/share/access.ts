// flint share access allow|deny|list: the share's access rules.
import type { Command } from 'commander';
import { emit, printRecord, printTable } from '../../output.js';
import { waitFor } from '../../wait.js';
import { shareClientFor } from './share-kit.js';

type Rule = { id: string; access_type: string; access_to: string; access_level: string; state: string };

export function register(parent: Command): void {
  const access = parent.command('access').description('Access rules of a share');
  access.command('allow')
    .description('Allow a client (ip rw by default)')
    .argument('<share>', 'share name or id')
    .argument('<access-to>', 'IP address or CIDR (or user for CIFS)')
    .option('--type <type>', 'ip or user', 'ip')
    .option('--level <level>', 'rw or ro', 'rw')
    .option('--wait', 'wait until the rule is active')
    .option('--json', 'print JSON')
    .action(async (ref: string, to: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      let rule = (await client.call<{ access: Rule }>('POST', `/shares/${id}/action`, { allow_access: { access_type: o.type, access_to: to, access_level: o.level } })).access;
      if (o.wait) {
        rule = (await waitFor<Rule>({
          label: `applying rule ${rule.id}`,
          poll: async () => (await client.call<{ access: Rule }>('GET', `/share-access-rules/${rule.id}`)).access,
          status: (r) => r?.state ?? 'gone',
          done: (r) => r?.state === 'active',
          failed: (r) => r === null || r.state === 'error',
        }))!;
      }
      emit(o.json, rule, () => printRecord({ ...rule }));
    });
  access.command('deny')
    .description('Remove a rule')
    .argument('<share>', 'share name or id')
    .argument('<rule-id>', 'access rule id')
    .option('--wait', 'wait until the rule is gone')
    .action(async (ref: string, ruleId: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      await client.call('POST', `/shares/${id}/action`, { deny_access: { access_id: ruleId } });
      if (o.wait) {
        await waitFor<Rule>({
          label: `denying rule ${ruleId}`,
          poll: async () => (await client.call<{ access_list: Rule[] }>('GET', `/share-access-rules?share_id=${id}`)).access_list.find((r) => r.id === ruleId) ?? null,
          status: (r) => r?.state ?? 'gone',
          done: (r) => r === null,
          failed: (r) => r?.state === 'error',
        });
      }
    });
  access.command('list')
    .description('List a share\'s rules')
    .argument('<share>', 'share name or id')
    .option('--json', 'print JSON')
    .action(async (ref: string, o, cmd: Command) => {
      const client = shareClientFor(cmd);
      const id = await client.shareId(ref);
      const rules = (await client.call<{ access_list: Rule[] }>('GET', `/share-access-rules?share_id=${id}`)).access_list;
      emit(o.json, rules, () => printTable(rules, [['ID', (r) => r.id], ['Type', (r) => r.access_type], ['To', (r) => r.access_to], ['Level', (r) => r.access_level], ['State', (r) => r.state]]));
    });
}
