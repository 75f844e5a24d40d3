// Wake-ups across processes on PostgreSQL: from a task's enqueue on one connection to its
// claim by a worker on another (LISTEN/NOTIFY), and a whole call round trip, beside the
// safety-net poll interval that would bound them without wake-ups.
import { openDatabase, dropSchema } from '../src/db/database.js';
import { TaskQueue } from '../src/tasks/task-queue.js';
import { DEFAULT_POLL_MS, Worker } from '../src/tasks/worker.js';
import { PG_URL } from '../test/support/test-service.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const schema = `flint_bench_wake_${process.pid}`;
  const a = await openDatabase({ url: PG_URL, schema });
  const b = await openDatabase({ url: PG_URL, schema });
  const caller = new TaskQueue(a);
  const remote = new TaskQueue(b);
  const claimedAt = new Map<string, number>();
  const worker = new Worker(remote, {
    queues: ['bench'], owner: 'bench', pollMs: 60_000,
    handlers: { echo: { run: async (t) => { claimedAt.set(t.resourceId, performance.now()); await remote.complete(remote.kysely, t, 1); }, giveUp: async () => undefined } },
  });
  try {
    await Promise.all([caller.listening(), remote.listening()]);
    worker.start();
    const wake: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await caller.call({ kind: 'echo', queue: 'bench', resourceType: 'bench', resourceId: `r${i}`, payload: {} }, { timeoutMs: 10_000 });
      roundTrip.push(performance.now() - t0);
      wake.push(claimedAt.get(`r${i}`)! - t0);
    }
    report('tasks.pg_enqueue_to_claim.p50_ms', Math.round(median(wake) * 100) / 100);
    report('tasks.pg_call_round_trip.p50_ms', Math.round(median(roundTrip) * 100) / 100);
    report('tasks.poll_interval_ms', DEFAULT_POLL_MS);
  } finally {
    await worker.stop();
    caller.close();
    remote.close();
    await a.close();
    await b.close();
    await dropSchema(PG_URL, schema);
  }
}
