// Typed map from a `volume_driver` name to its factory and options. An unknown name
// fails start-up listing the known ones.
import { ConfigError } from '../errors/errors.js';
import type { OptionSpec } from '../config/options.js';
import type { DriverFactory } from './interface/core.js';

export interface DriverRegistration {
  name: string;
  description: string;
  /** The driver's own options, beyond COMMON_BACKEND_OPTIONS. */
  options: readonly OptionSpec[];
  /** Loaded lazily so a deployment only imports the drivers it enables. */
  load(): Promise<DriverFactory>;
}

const registrations = new Map<string, DriverRegistration>();

export function registerDriver(reg: DriverRegistration): void {
  registrations.set(reg.name, reg);
}

export function driverRegistration(name: string, section: string): DriverRegistration {
  const reg = registrations.get(name);
  if (!reg) {
    throw new ConfigError(
      `Unknown volume_driver '${name}' in section [${section}]. Known drivers: ${[...registrations.keys()].sort().join(', ')}.`,
    );
  }
  return reg;
}

export function knownDrivers(): string[] {
  return [...registrations.keys()].sort();
}
