// Chooses the target helper named by the `target_helper` option (Cinder's target_helper).
import type { Executor } from '../exec/executor.js';
import type { Logger } from '../util/logger.js';
import { ConfigError } from '../errors/errors.js';
import type { TargetHelper } from './target-helper.js';
import { TgtadmTarget } from './tgt/tgtadm-target.js';
import { LioadmTarget } from './lio/lioadm-target.js';
import { IetadmTarget } from './iet/ietadm-target.js';
import { FakeTarget } from './fake-target.js';

export interface TargetHelperConfig {
  helper: string;
  executor: Executor;
  ip: string;
  port: number;
  protocol: 'iscsi' | 'iser';
  /** tgtd control port (tgtadm only). */
  controlPort: number;
  /** Backing-store open flags, Cinder's target_flags (tgtadm only: `--bsoflags`, e.g. `direct`). */
  targetFlags?: string | null;
  logger: Logger;
  /** tgtadm only: false uses a tgtd someone else runs on the control port. */
  tgtdManaged: boolean;
  tgtdHealthIntervalMs: number;
}

export function makeTargetHelper(c: TargetHelperConfig): TargetHelper {
  const portal = `${c.ip}:${c.port}`;
  switch (c.helper) {
    case 'tgtadm': return new TgtadmTarget({ executor: c.executor, controlPort: c.controlPort, portal, lld: c.protocol, bsoflags: c.targetFlags ?? null,
      supervise: { logger: c.logger, managed: c.tgtdManaged, healthIntervalMs: c.tgtdHealthIntervalMs },
    });
    case 'lioadm': return new LioadmTarget({ executor: c.executor, ip: c.ip, port: c.port, iser: c.protocol === 'iser' });
    case 'ietadm': return new IetadmTarget({ executor: c.executor, portal });
    case 'fake': return new FakeTarget(portal);
    default: throw new ConfigError(`Unknown target_helper '${c.helper}' (allowed: tgtadm, lioadm, ietadm, fake).`);
  }
}
