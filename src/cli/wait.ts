// --wait: follow an asynchronous operation to its end, with a spinner on stderr, and fail
// (non-zero exit) when it ends in an error status.
import { ApiError } from './client.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class OperationFailed extends Error {}

export interface WaitSpec<T> {
  label: string;
  /** Current state; null means the resource is gone. */
  poll(): Promise<T | null>;
  status(t: T | null): string;
  done(t: T | null): boolean;
  failed(t: T | null): boolean;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitFor<T>(spec: WaitSpec<T>): Promise<T | null> {
  const tty = process.stderr.isTTY;
  const deadline = Date.now() + (spec.timeoutMs ?? 600_000);
  let frame = 0;
  let last = '';
  try {
    for (;;) {
      let cur: T | null;
      try {
        cur = await spec.poll();
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) cur = null;
        else throw e;
      }
      const status = spec.status(cur);
      if (tty) process.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${spec.label}: ${status}   `);
      else if (status !== last) process.stderr.write(`${spec.label}: ${status}\n`);
      last = status;
      if (spec.failed(cur)) throw new OperationFailed(`${spec.label} ended in status ${status}.`);
      if (spec.done(cur)) return cur;
      if (Date.now() > deadline) throw new OperationFailed(`${spec.label} did not finish in time; last status ${status}.`);
      await new Promise((r) => setTimeout(r, spec.intervalMs ?? 500));
    }
  } finally {
    if (tty) process.stderr.write('\n');
  }
}
