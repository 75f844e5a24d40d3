// The required driver core: what every volume backend implements (Cinder's VolumeDriverCore).
import type { Logger } from '../../util/logger.js';
import type { Executor } from '../../exec/executor.js';
import type { BackendStats } from './stats.js';
import type { Connector, ConnectionInfo, DriverVolume, ModelUpdate } from './objects.js';
import type { OptionValues } from '../../config/options.js';

/** Everything a driver gets at construction. */
export interface DriverContext {
  /** The config section name, e.g. `lvm-1`. */
  backendName: string;
  /** `host@backend` as placement addresses it. */
  host: string;
  /** Validated option values for this backend (common options plus the driver's own). */
  options: OptionValues;
  executor: Executor;
  logger: Logger;
  /** A directory the driver may keep private state in (pool images, sockets…). */
  stateDir: string;
}

/**
 * Every method is idempotent by Flint's id: the same call after a crash must succeed,
 * and must not create a second object. Deleting what is already gone succeeds.
 * Methods return field updates; drivers never write Flint's database.
 */
export interface VolumeDriverCore {
  readonly backendName: string;

  /** Connect to the backend, probe it, create pools; called once at start. */
  doSetup(): Promise<void>;
  /** Throws a FlintError naming what is missing or wrong. */
  checkForSetupError(): Promise<void>;
  getVolumeStats(refresh: boolean): Promise<BackendStats>;

  createVolume(volume: DriverVolume): Promise<ModelUpdate | void>;
  deleteVolume(volume: DriverVolume): Promise<void>;

  createExport(volume: DriverVolume, connector: Connector | null): Promise<ModelUpdate | void>;
  /** Recreate an export that should exist (after a target or Flint restart). */
  ensureExport(volume: DriverVolume): Promise<ModelUpdate | void>;
  removeExport(volume: DriverVolume): Promise<void>;

  initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo>;
  /** `connector` null means: terminate every connection (force detach). */
  terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void>;

  /** Release resources (processes, sockets) at shutdown. Optional to implement. */
  shutdown?(): Promise<void>;
}

export type DriverFactory = (ctx: DriverContext) => VolumeDriverCore;
