// Retries shared by NetApp's clients: a call is tried up to `tries` times while the vendor's
// predicate says its failure is transient, with a delay growing by `backoffMs` per attempt;
// the final wire error says how many attempts were made (what an operator needs to read).
import { sleep } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';

export interface RetryPolicy {
  tries: number;
  backoffMs: number;
  logger?: Logger;
  /** The call, for logs (`METHOD /path`). */
  what: string;
  /** The system, for logs (`ONTAP REST`, `E-Series`). */
  vendor: string;
  /** Errors whose message gets the attempt count (wire faults; API answers speak for themselves). */
  annotate?: (e: unknown) => boolean;
}

export async function withRetries<T>(policy: RetryPolicy, retryable: (e: unknown) => boolean, call: () => Promise<T>): Promise<T> {
  const tries = Math.max(1, policy.tries);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!retryable(e) || attempt >= tries) {
        if (e instanceof Error && policy.annotate?.(e)) (e as { message: string }).message = `${e.message} (${attempt} attempt${attempt > 1 ? 's' : ''})`;
        throw e;
      }
      policy.logger?.warn({ call: policy.what, attempt, err: (e as Error).message }, `${policy.vendor} call failed; retrying`);
      await sleep(policy.backoffMs * attempt);
    }
  }
}
