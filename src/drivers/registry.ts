// Typed maps, one per kind of backend (`volume_driver`, `share_driver`), from a driver name
// to its factory and options. An unknown name fails start-up listing the known ones.
import { ConfigError } from '../errors/errors.js';
import type { OptionSpec } from '../config/options.js';
import {
  BACKEND_OPTIONS, DRIVER_KEY, TARGET_HELPER_OPTIONS, type DriverCatalog, type DriverKind,
} from '../config/driver-options.js';
import type { DriverFactory } from './interface/core.js';
import type { ShareDriverFactory } from './interface/share.js';

export type { DriverKind } from '../config/driver-options.js';

interface RegistrationBase {
  name: string;
  description: string;
  /** The driver's own options, beyond those every backend of its kind accepts. */
  options: readonly OptionSpec[];
  /** Exports through an iSCSI target helper, so its sections take the target options. */
  usesTargetHelper?: boolean;
}

/** A driver of one kind (the key that names it in a backend section: `volume` when not given), loaded lazily so a deployment only imports the drivers it enables. */
export type DriverRegistration = RegistrationBase & (
  | { kind?: 'volume'; load(): Promise<DriverFactory> }
  | { kind: 'share'; load(): Promise<ShareDriverFactory> }
);

const registrations: Record<DriverKind, Map<string, DriverRegistration>> = { volume: new Map(), share: new Map() };

export function registerDriver(reg: DriverRegistration): void {
  registrations[reg.kind ?? 'volume'].set(reg.name, reg);
}

export function driverRegistration(name: string, section: string, kind: DriverKind = 'volume'): DriverRegistration {
  const known = registrations[kind];
  const reg = known.get(name);
  if (reg) return reg;
  const key = DRIVER_KEY[kind];
  if (known.size === 0) throw new ConfigError(`Unknown ${key} '${name}' in section [${section}]: no ${kind} drivers are registered.`);
  throw new ConfigError(`Unknown ${key} '${name}' in section [${section}]. Known drivers: ${knownDrivers(kind).join(', ')}.`);
}

export function knownDrivers(kind: DriverKind = 'volume'): string[] {
  return [...registrations[kind].keys()].sort();
}

/** Every option of a section whose driver is `reg`. */
export function sectionOptions(reg: DriverRegistration): readonly OptionSpec[] {
  return [...BACKEND_OPTIONS[reg.kind ?? 'volume'], ...(reg.usesTargetHelper ? TARGET_HELPER_OPTIONS : []), ...reg.options];
}

/** The registry as config sees it (config/ does not import drivers/). */
export const driverCatalog: DriverCatalog = {
  optionsFor: (kind, name, section) => sectionOptions(driverRegistration(name, section, kind)),
};
