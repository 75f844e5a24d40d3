// Stable error codes, and the error each one is rebuilt as when it crosses a process boundary
// (a failed task row carries the code and the text a user may read; nothing parses messages).
import {
  BackendCapacityError, BackendError, BackendObjectNotFound, Conflict, FlintError, Forbidden, InvalidInput, NoValidBackend,
  NotFound, NotSupported, QuotaExceeded, type FlintErrorOptions,
} from './errors.js';

/** The text shown when the original error had nothing safe to show. */
export const HIDDEN_ERROR_TEXT = 'internal error in the backend (see the service log)';

type Rebuild = (text: string, opts: FlintErrorOptions) => FlintError;

/** Sets the text of an error whose constructor composes its own message (NotFound, NotSupported). */
function withText<E extends FlintError>(e: E, text: string): E {
  // `safe` too: the text was safe where it was recorded, whatever the class's default.
  return Object.assign(e, { message: text, safe: true });
}

/** An error whose code this process has no class for: keeps the code, and a backend error's status. */
export class RemoteError extends BackendError {
  override readonly code: string;
  constructor(code: string, text: string, opts: FlintErrorOptions) {
    super(text, opts);
    this.code = code;
  }
}

/** A task ended by an admin override (reset-status, force delete) or by its caller giving up. */
export class TaskSuperseded extends FlintError {
  override readonly code = 'superseded';
  override readonly httpStatus = 409;
}

const rebuilders = new Map<string, Rebuild>([
  ['invalid_input', (t, o) => new InvalidInput(t, o)],
  ['not_found', (t) => withText(new NotFound('', ''), t)],
  ['forbidden', (t, o) => new Forbidden(t, o)],
  ['conflict', (t, o) => new Conflict(t, o)],
  ['quota_exceeded', (t, o) => new QuotaExceeded(t, o)],
  ['not_supported', (t) => withText(new NotSupported('', ''), t)],
  ['no_valid_backend', (t, o) => new NoValidBackend(t, o)],
  ['backend_error', (t, o) => new BackendError(t, o)],
  ['backend_capacity', (t, o) => new BackendCapacityError(t, o)],
  ['backend_object_not_found', (t, o) => new BackendObjectNotFound(t, o)],
  ['superseded', (t, o) => new TaskSuperseded(t, o)],
]);

/** Lets a service or driver add the codes of its own error classes. */
export function registerErrorCode(code: string, rebuild: Rebuild): void {
  rebuilders.set(code, rebuild);
}

export function knownErrorCodes(): string[] {
  return [...rebuilders.keys()].sort();
}

/**
 * The error a code and its user text stand for. The text was safe to show where it was
 * recorded, so the rebuilt error is safe; with no text, it carries HIDDEN_ERROR_TEXT.
 */
export function errorFromCode(code: string | null, text: string | null): FlintError {
  const message = text ?? HIDDEN_ERROR_TEXT;
  const opts: FlintErrorOptions = { safe: true };
  const rebuild = code ? rebuilders.get(code) : undefined;
  return rebuild ? rebuild(message, opts) : new RemoteError(code ?? 'internal_error', message, opts);
}
