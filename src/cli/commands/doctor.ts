// `flint doctor`: what on this host or in this configuration stops `flint serve`, and how to fix it.
import type { Command } from 'commander';
// The doctor's checks load the service's modules (database, drivers): imported only when it runs,
// so every other command starts without them.
import type { CheckResult } from '../../service/doctor.js';

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function register(program: Command): void {
  program.command('doctor')
    .description('Check the host and configuration for flint serve; exits 1 when something blocks it')
    .option('--config <file>', 'configuration file (INI)')
    .option('--no-backends', 'skip setting each backend up (which starts and stops its daemons)')
    .option('--json', 'print JSON')
    .action(async (o: { config?: string; backends: boolean; json?: boolean }) => {
      const { runDoctor } = await import('../../service/doctor.js');
      const results = await runDoctor({ configFile: o.config ?? process.env.FLINT_CONFIG ?? null, backends: o.backends });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        for (const r of results) {
          process.stdout.write(`${MARK[r.status]}  ${r.check}: ${r.detail}\n`);
          if (r.fix && r.status !== 'ok') process.stdout.write(`      fix: ${r.fix}\n`);
        }
        const failed = results.filter((r) => r.status === 'fail').length;
        process.stdout.write(failed === 0 ? 'Nothing blocks flint serve.\n' : `${failed} problem(s) block flint serve.\n`);
      }
      if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
    });
}
