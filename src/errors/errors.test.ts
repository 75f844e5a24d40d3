import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackendCapacityError, BackendError, BackendObjectNotFound, CommandError, ConfigError, Conflict, FlintError, Forbidden,
  InvalidInput, InvalidStatus, NoValidBackend, NotFound, NotSupported, QuotaExceeded, Unauthorized, VersionNotSupported,
  toFlintError,
} from './errors.js';

test('an error is private unless its class or its raiser marks it public (Cinder\'s rule)', () => {
  for (const e of [new FlintError('db pool exhausted at 10.0.0.5'), new BackendError('array said: lun busy'), new ConfigError('x'), toFlintError(new Error('boom'))]) {
    assert.equal(e.safe, false, e.name);
    assert.equal(e.userText, undefined, e.name);
  }
});

test('the errors that describe the request, not the system, are public by class', () => {
  const safe = [
    new InvalidInput('size must be a positive integer'), new NotFound('Volume', 'v1'), new Forbidden('admin only'),
    new Unauthorized('no token'), new Conflict('in use'), new InvalidStatus('volume', 'v1', 'error', ['available'], 'extend'),
    new QuotaExceeded('gigabytes'), new NotSupported('b1', 'extend'), new VersionNotSupported('3.99'), new NoValidBackend('none fit'),
  ];
  for (const e of safe) {
    assert.equal(e.safe, true, e.name);
    assert.equal(e.userText, e.message, e.name);
  }
});

test('an explicit flag wins over the class default, both ways', () => {
  assert.equal(new BackendError('Backend b1 did not answer within 5 s.', { safe: true }).userText, 'Backend b1 did not answer within 5 s.');
  assert.equal(new InvalidInput('echoes a secret', { safe: false }).userText, undefined);
});

test('a private error shows only its public detail', () => {
  const e = new BackendError('tgtadm: can\'t find the target (rc 22) on /var/run/tgtd/socket.7', { publicDetail: 'the iSCSI target refused the export' });
  assert.equal(e.safe, false);
  assert.equal(e.userText, 'the iSCSI target refused the export');
  assert.match(e.message, /socket\.7/, 'the message (for the log) keeps everything');
});

test('backend capacity and missing-object errors are private with a generic public detail', () => {
  const cap = new BackendCapacityError('Pool /srv/pool0 has 3 GiB free, needs 5');
  assert.equal(cap.safe, false);
  assert.doesNotMatch(cap.userText ?? '', /srv/);
  assert.ok(cap.userText);
  const gone = new BackendObjectNotFound('Backend file volume-1 does not exist in /srv/pool0');
  assert.equal(gone.safe, false);
  assert.doesNotMatch(gone.userText ?? '', /srv/);
  assert.ok(gone.userText);
  assert.equal(new BackendCapacityError('x', { publicDetail: 'no FlexVol fits' }).userText, 'no FlexVol fits');
});

test('a failed command shows its name and exit code, never its output', () => {
  const e = new CommandError(['/usr/sbin/tgtadm', '--lld', 'iscsi'], 22, '', 'secret=hunter2 rejected');
  assert.equal(e.safe, false);
  assert.equal(e.userText, 'command tgtadm failed with exit code 22');
  assert.match(e.message, /hunter2/);
});
