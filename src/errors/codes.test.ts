import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackendCapacityError, BackendError, BackendObjectNotFound, Conflict, Forbidden, InvalidInput, NoValidBackend, NotFound, NotSupported,
  QuotaExceeded, type FlintError,
} from './errors.js';
import { errorFromCode, HIDDEN_ERROR_TEXT, knownErrorCodes, registerErrorCode, RemoteError } from './codes.js';

const samples: FlintError[] = [
  new InvalidInput('size must be positive'), new NotFound('Volume', 'v1'), new Forbidden('admin only'), new Conflict('busy'),
  new QuotaExceeded('over quota'), new NotSupported('h@b', 'extend'), new NoValidBackend('no pool fits'),
  new BackendError('array said no'), new BackendCapacityError('full'), new BackendObjectNotFound('no LUN'),
];

test('every registered code round-trips: class, status and user text', () => {
  for (const e of samples) {
    const back = errorFromCode(e.code, e.userText ?? null);
    assert.equal(back.constructor, e.constructor, e.code);
    assert.equal(back.code, e.code);
    assert.equal(back.httpStatus, e.httpStatus);
    // A public error's message crosses whole; a private one's only as its public detail, or the hidden text.
    assert.equal(back.message, e.safe ? e.message : (e.publicDetail ?? HIDDEN_ERROR_TEXT), e.code);
    assert.equal(back.safe, true);
  }
  assert.notEqual(errorFromCode('backend_error', new BackendError('array said no').userText ?? null).message, 'array said no');
  for (const e of samples) assert.ok(knownErrorCodes().includes(e.code), e.code);
});

test('an unknown code keeps its code as a backend error; no text means the hidden text', () => {
  const e = errorFromCode('vendor_fault_17', 'the array is resyncing');
  assert.ok(e instanceof RemoteError);
  assert.equal(e.code, 'vendor_fault_17');
  assert.equal(e.httpStatus, 500);
  assert.equal(errorFromCode(null, null).message, HIDDEN_ERROR_TEXT);
  assert.equal(errorFromCode('invalid_input', null).message, HIDDEN_ERROR_TEXT);
});

test('a service can register its own code', () => {
  class ShareBusy extends Conflict {}
  registerErrorCode('share_busy', (t, o) => new ShareBusy(t, o));
  assert.ok(errorFromCode('share_busy', 'share is busy') instanceof ShareBusy);
});
