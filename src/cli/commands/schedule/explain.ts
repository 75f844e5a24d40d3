// flint schedule explain --size N [--type T]: what placement would decide, and why.
import type { Command } from 'commander';
import { clientFor, positiveInt } from '../../command-kit.js';
import { emit, printTable } from '../../output.js';
import type { Explanation } from '../../../scheduler/scheduler.js';

export function register(parent: Command): void {
  parent.command('explain')
    .description('Explain where a volume of this size and type would be placed')
    .requiredOption('--size <gib>', 'size in GiB', positiveInt('--size'))
    .option('--type <type>', 'volume type name or id')
    .option('--availability-zone <az>', 'availability zone')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const { explanation } = await clientFor(cmd).call<{ explanation: Explanation }>('POST', '/flint/schedule-explain', {
        size: o.size, volume_type: o.type ?? null, availability_zone: o.availabilityZone ?? null,
      });
      emit(o.json, explanation, () => {
        process.stdout.write(`Chosen: ${explanation.chosen ?? '(none)'}\n${explanation.summary}\n`);
        printTable(explanation.pools, [
          ['Pool', (p) => p.poolHost],
          ['Filters', (p) => p.verdicts.map((v) => `${v.passed ? 'pass' : 'FAIL'} ${v.filter}: ${v.reason}`).join('\n')],
          ['Weight', (p) => p.totalWeight ?? ''],
        ]);
      });
    });
}
