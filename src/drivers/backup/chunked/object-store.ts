// The few object operations the chunked backup format needs, so one format runs over a
// directory (posix) and an S3-compatible store alike. Keys are '/'-separated relative names;
// a container is a sub-directory or a bucket.

export interface ObjectStore {
  /** What the store is, for messages: a path or an endpoint (never credentials). */
  readonly description: string;
  /** Create the container when missing. Idempotent. */
  ensureContainer(container: string): Promise<void>;
  /** Write a whole object; a reader never sees a partial one. Overwrites. */
  put(container: string, key: string, data: Buffer): Promise<void>;
  /** The whole object; throws ObjectMissing when it does not exist. */
  get(container: string, key: string): Promise<Buffer>;
  /** Remove an object; nothing happens when it does not exist. */
  delete(container: string, key: string): Promise<void>;
  /** Every key that starts with `prefix`, sorted; empty when the container does not exist. */
  list(container: string, prefix: string): Promise<string[]>;
  exists(container: string, key: string): Promise<boolean>;
  /** Throws a BackendError naming what is wrong (not writable, unreachable, bad credentials). */
  check(container: string): Promise<void>;
  close?(): Promise<void>;
}

/** An object that is not in the store (a missing chunk is corruption, not a retryable fault). */
export class ObjectMissing extends Error {
  constructor(readonly container: string, readonly key: string) {
    super(`Object ${key} is missing from container ${container}.`);
    this.name = 'ObjectMissing';
  }
}
