// A DriverContext for fake-driver tests: raw option strings validated as a config section would be.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions } from '../../src/config/options.js';
import { COMMON_BACKEND_OPTIONS } from '../../src/config/driver-options.js';
import type { DriverContext } from '../../src/drivers/interface/core.js';
import { FAKE_DRIVER_OPTIONS } from '../../src/drivers/fake/fake-options.js';
import { ShellExecutor } from '../../src/exec/executor.js';
import { logger } from '../../src/util/logger.js';

/**
 * A context for tests: raw option strings are validated exactly as a config section would be.
 * `stateDir` defaults to the OS temp directory (the fake only writes backup devices there).
 */
export function fakeDriverContext(
  backendName: string,
  raw: Record<string, string | number | boolean> = {},
  stateDir: string = join(tmpdir(), `flint-fake-${backendName}`),
): DriverContext {
  const options = resolveOptions(backendName, { volume_driver: 'fake', ...raw }, [...COMMON_BACKEND_OPTIONS, ...FAKE_DRIVER_OPTIONS]);
  return {
    backendName,
    host: `fakehost@${backendName}`,
    options,
    executor: new ShellExecutor({ tries: 1 }),
    logger,
    stateDir,
  };
}
