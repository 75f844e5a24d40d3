// One error hierarchy: a stable code, an HTTP status, whether the message is safe to
// show a user, and whether the task queue may retry the operation that raised it.
// Errors are private unless marked public (Cinder's rule): a class whose message describes
// the request (bad input, not found, conflict, quota, not supported) is public by default;
// everything else, every backend error included, shows the user a generic text plus any
// explicit `publicDetail`, and the log keeps the whole message.

export interface FlintErrorOptions {
  cause?: unknown;
  /** May the message be shown to an API user? Default: the class's `safeByDefault`. */
  safe?: boolean;
  /** May the task queue retry the work that failed with this error? */
  retryable?: boolean;
  /** For an unsafe error: a short summary that may be shown (no vendor text, no secrets). */
  publicDetail?: string;
}

export class FlintError extends Error {
  /** Whether an instance's message may be shown when its raiser does not say. */
  static readonly safeByDefault: boolean = false;
  readonly code: string = 'internal_error';
  readonly httpStatus: number = 500;
  readonly safe: boolean;
  readonly retryable: boolean;
  readonly publicDetail: string | undefined;

  constructor(message: string, opts: FlintErrorOptions = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.safe = opts.safe ?? (new.target as typeof FlintError).safeByDefault;
    this.retryable = opts.retryable ?? false;
    this.publicDetail = opts.publicDetail;
  }

  /** What a user may read: the message when safe, else the public detail, else nothing. */
  get userText(): string | undefined {
    return this.safe ? this.message : this.publicDetail;
  }
}

/** Bad input: names the field and what is wrong with it. */
export class InvalidInput extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'invalid_input';
  override readonly httpStatus = 400;
}

export class NotFound extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'not_found';
  override readonly httpStatus = 404;
  constructor(kind: string, id: string, opts?: FlintErrorOptions) {
    super(`${kind} ${id} could not be found.`, opts);
  }
}

export class Forbidden extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'forbidden';
  override readonly httpStatus = 403;
}

export class Unauthorized extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'unauthorized';
  override readonly httpStatus = 401;
}

/** A status precondition failed, or the request conflicts with existing state. */
export class Conflict extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'conflict';
  override readonly httpStatus = 409;
}

/** The status compare-and-set found the resource in another status. */
export class InvalidStatus extends Conflict {
  constructor(kind: string, id: string, current: string, allowed: readonly string[], action: string) {
    super(`Cannot ${action} ${kind} ${id}: its status is ${current}, it must be one of ${allowed.join(', ')}.`);
  }
}

export class QuotaExceeded extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'quota_exceeded';
  override readonly httpStatus = 413;
}

/** The backend serving a resource does not implement an optional capability. */
export class NotSupported extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'not_supported';
  override readonly httpStatus = 400;
  constructor(backend: string, operation: string) {
    super(`Operation ${operation} is not supported by backend ${backend}.`);
  }
}

export class VersionNotSupported extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'version_not_supported';
  override readonly httpStatus = 406;
}

/** No backend could take the request; the message says which filters rejected what. */
export class NoValidBackend extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'no_valid_backend';
  override readonly httpStatus = 400;
}

/**
 * A driver operation failed. Drivers raise this (or a subclass), never bare Errors. Private:
 * its text names arrays, paths and vendor faults; give a `publicDetail` the user may read.
 */
export class BackendError extends FlintError {
  override readonly code: string = 'backend_error';
  override readonly httpStatus: number = 500;
}

/** The backend has no room for the request. */
export class BackendCapacityError extends BackendError {
  override readonly code = 'backend_capacity';
  override readonly httpStatus = 413;
  constructor(message: string, opts: FlintErrorOptions = {}) {
    super(message, { publicDetail: 'the backend has no room for the request', ...opts });
  }
}

/** The driver was asked about an object it does not have. */
export class BackendObjectNotFound extends BackendError {
  override readonly code = 'backend_object_not_found';
  override readonly httpStatus = 404;
  constructor(message: string, opts: FlintErrorOptions = {}) {
    super(message, { publicDetail: 'the backend does not have the object', ...opts });
  }
}

/** A shell command failed; carries exit code and (secret-free) output. */
export class CommandError extends BackendError {
  override readonly code = 'command_failed';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    opts: FlintErrorOptions & { message?: string } = {},
  ) {
    super(
      opts.message ??
        `Command ${argv[0]} failed with exit code ${exitCode}: ${stderr.trim().slice(0, 500) || stdout.trim().slice(0, 500)}`,
      { safe: false, publicDetail: `command ${argv[0]?.split('/').pop()} failed with exit code ${exitCode}`, ...opts },
    );
  }
}

/** Start-up configuration is wrong: names the option, its section and what is allowed. */
export class ConfigError extends FlintError {
  override readonly code = 'config_error';
}

export function isFlintError(e: unknown): e is FlintError {
  return e instanceof FlintError;
}

/** Turns anything thrown into a FlintError; unknown errors become unsafe internal errors. */
export function toFlintError(e: unknown): FlintError {
  if (e instanceof FlintError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new FlintError(msg, { safe: false, cause: e });
}
