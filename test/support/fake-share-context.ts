// A ShareDriverContext for fake share driver tests: raw option strings validated as a config section would be.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions } from '../../src/config/options.js';
import { SHARE_BACKEND_OPTIONS } from '../../src/config/driver-options.js';
import type { ShareDriverContext } from '../../src/drivers/interface/share.js';
import { FAKE_SHARE_DRIVER_OPTIONS } from '../../src/drivers/fake-share/fake-share-options.js';
import { ShellExecutor } from '../../src/exec/executor.js';
import { logger } from '../../src/util/logger.js';

export function fakeShareContext(backendName: string, raw: Record<string, string | number | boolean> = {}, stateDir = join(tmpdir(), `flint-fake-share-${backendName}`)): ShareDriverContext {
  const options = resolveOptions(backendName, { share_driver: 'fake', ...raw }, [...SHARE_BACKEND_OPTIONS, ...FAKE_SHARE_DRIVER_OPTIONS]);
  return { backendName, host: `fakehost@${backendName}`, options, executor: new ShellExecutor({ tries: 1 }), logger, stateDir };
}
