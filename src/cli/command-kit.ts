// What every command shares: the client from global options, and --json.
import { InvalidArgumentError, type Command } from 'commander';
import { FlintClient } from './client.js';

export interface GlobalOptions {
  url?: string;
  project?: string;
  token?: string;
}

export function clientFor(cmd: Command): FlintClient {
  const g = cmd.optsWithGlobals() as GlobalOptions;
  return new FlintClient({ url: g.url, project: g.project, token: g.token });
}

/** Parses a positive integer option, naming it when it is not one. */
export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'.`);
    return Number(value);
  };
}

/** `--property k=v` repeated into an object. */
export function collectProperty(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i < 1) throw new InvalidArgumentError(`--property expects key=value, got '${value}'.`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}
