import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTargetHelper, type TargetHelperConfig } from './target-factory.js';
import { RecordingExecutor } from '../../test/support/recording-executor.js';
import { ConfigError } from '../errors/errors.js';
import { logger } from '../util/logger.js';

const base: TargetHelperConfig = {
  helper: 'tgtadm', executor: new RecordingExecutor(), ip: '127.0.0.1', port: 3260, protocol: 'iscsi', controlPort: 3260,
  logger, tgtdManaged: false, tgtdHealthIntervalMs: 1000,
};

test('each helper states what it can do, so the driver asks instead of testing which helper it has', () => {
  const caps = Object.fromEntries(['tgtadm', 'lioadm', 'ietadm', 'fake'].map((h) => [h, makeTargetHelper({ ...base, helper: h }).capabilities]));
  assert.deepEqual(caps, {
    tgtadm: { onlineExtend: true, chap: true, directIo: true },
    lioadm: { onlineExtend: true, chap: true, directIo: false },
    ietadm: { onlineExtend: false, chap: true, directIo: false },
    fake: { onlineExtend: true, chap: true, directIo: false },
  });
});

test('helpers without a daemon of their own start and stop as no-ops', async () => {
  for (const h of ['lioadm', 'ietadm', 'fake']) {
    const t = makeTargetHelper({ ...base, helper: h });
    await t.start({ restarted: () => assert.fail('no restart'), down: () => assert.fail('no down') });
    await t.stop({ stopDaemon: true });
    assert.equal(t.daemonPid, null);
  }
});

test('an unknown helper name fails start-up listing the known ones', () => {
  assert.throws(() => makeTargetHelper({ ...base, helper: 'scst' }), (e: unknown) => e instanceof ConfigError && /tgtadm, lioadm, ietadm, fake/.test(e.message));
});
