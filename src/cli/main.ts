// The `flint` command line: every resource's commands, plus `serve`.
import { Command, CommanderError } from 'commander';
import { ApiError } from './client.js';
import { OperationFailed } from './wait.js';
import * as doctor from './commands/doctor.js';
import * as volumeCreate from './commands/volume/create.js';
import * as volumeList from './commands/volume/list.js';
import * as volumeShow from './commands/volume/show.js';
import * as volumeDelete from './commands/volume/delete.js';
import * as volumeExtend from './commands/volume/extend.js';
import * as volumeAttach from './commands/volume/attach.js';
import * as volumeDetach from './commands/volume/detach.js';
import * as volumeUpload from './commands/volume/upload.js';
import * as snapshotCreate from './commands/snapshot/create.js';
import * as snapshotList from './commands/snapshot/list.js';
import * as snapshotDelete from './commands/snapshot/delete.js';
import * as imageList from './commands/image/list.js';
import * as typeCreate from './commands/type/create.js';
import * as typeList from './commands/type/list.js';
import * as typeSet from './commands/type/set.js';
import * as backendList from './commands/backend/list.js';
import * as scheduleExplain from './commands/schedule/explain.js';
import * as shareCreate from './commands/share/create.js';
import * as shareList from './commands/share/list.js';
import * as shareShow from './commands/share/show.js';
import * as shareDelete from './commands/share/delete.js';
import { extend as shareExtend, shrink as shareShrink } from './commands/share/resize.js';
import * as shareRevert from './commands/share/revert.js';
import * as shareAccess from './commands/share/access.js';
import * as shareSnapshot from './commands/share/snapshot.js';
import * as shareType from './commands/share/type.js';

export function buildProgram(): Command {
  const program = new Command('flint')
    .description('Flint: block and file storage control plane (OpenStack Block Storage v3 and Shared File Systems v2 APIs)')
    .option('--url <url>', 'API URL (env FLINT_URL, default http://127.0.0.1:8776)')
    .option('--project <id>', 'project id (env FLINT_PROJECT, default admin)')
    .option('--token <token>', 'Keystone token (env FLINT_TOKEN or OS_TOKEN)')
    .showHelpAfterError();

  const groups: [string, string, { register(c: Command): void }[]][] = [
    ['volume', 'Volumes', [volumeCreate, volumeList, volumeShow, volumeDelete, volumeExtend, volumeAttach, volumeDetach, volumeUpload]],
    ['snapshot', 'Snapshots', [snapshotCreate, snapshotList, snapshotDelete]],
    ['type', 'Volume types', [typeCreate, typeList, typeSet]],
    ['image', 'Images in Flint\'s image directory', [imageList]],
    ['backend', 'Backends and pools', [backendList]],
    ['schedule', 'Placement', [scheduleExplain]],
    ['share', 'Shares (Shared File Systems API v2)', [shareCreate, shareList, shareShow, shareDelete, shareExtend, shareShrink, shareRevert, shareAccess, shareSnapshot, shareType]],
  ];
  for (const [name, description, commands] of groups) {
    const group = program.command(name).description(description);
    for (const c of commands) c.register(group);
  }

  doctor.register(program);

  program.command('serve')
    .description('Run Flint: API, scheduler, volume managers and the backup service (all roles by default)')
    .option('--role <roles>', 'run only these roles, comma separated: api, scheduler, volume@BACKEND, share@BACKEND, backup')
    .option('--config <file>', 'configuration file (INI)')
    .option('--listen <addr:port>', 'API listen address')
    .option('--allow-insecure-noauth', 'allow noauth on a non-loopback address')
    .option('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)')
    // serve.ts is the lead's; imported lazily so the CLI builds without it.
    .action(async (o) => (await import('./commands/serve.js')).serve(o));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ApiError || e instanceof OperationFailed || e instanceof Error) {
      process.stderr.write(`flint: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`flint: ${String(e)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A command may set process.exitCode itself (doctor: checks ran, some failed).
  main(process.argv).then((code) => { process.exitCode = code !== 0 ? code : process.exitCode ?? 0; });
}
