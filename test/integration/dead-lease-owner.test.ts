// A process of this machine that dies holding tasks: a worker already running in another
// process takes them within seconds, not after their lease (60 s here), and never takes the
// task of a live process, even one in another PID namespace whose pid means nothing here.
// Real processes: the holder is a child that claims a task (test/support/lease-holder-child.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/transaction.js';
import { newLeaseOwner } from '../../src/tasks/lease-owner.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import { Worker } from '../../src/tasks/worker.js';
import { DB_KINDS, PG_URL, waitUntil } from '../support/test-service.js';

const HOLDER = join(dirname(fileURLToPath(import.meta.url)), '../support/lease-holder-child.ts');
const QUEUE = 'deadq';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `argv` and waits for the holder's `claimed <task> <owner>` line. */
async function startHolder(argv: string[]): Promise<{ child: ChildProcess; task: string; owner: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const found = /^claimed (\S+) (\S+)\n/.exec(out);
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`lease holder exited with ${code}: ${out}`)));
  });
  return { child, task: m[1]!, owner: m[2]! };
}

async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  await exited;
}

/** A pid free in this namespace (so `kill(pid, 0)` answers ESRCH), or undefined. */
function freePid(): number | undefined {
  for (let pid = 30_000; pid > 20_000; pid -= 7) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  return undefined;
}

for (const kind of DB_KINDS) {
  describe(`dead lease owners (${kind})`, () => {
    let db: Db;
    let dir: string;
    let url: string;
    const schema = kind === 'postgres' ? `flint_deadlease_${process.pid}` : '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'flint-deadlease-'));
      url = kind === 'postgres' ? PG_URL : join(dir, 'flint.sqlite');
      db = await openDatabase({ url, ...(schema ? { schema } : {}) });
    });
    after(async () => {
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    });

    /** A worker of this process on the queue, started now; `ran` lists the tasks it ran. */
    function survivor(tasks: TaskQueue) {
      const ran: { id: string; at: number }[] = [];
      const worker = new Worker(tasks, {
        queues: [QUEUE], owner: newLeaseOwner('survivor'), leaseMs: 60_000, pollMs: 100, deadOwnerCheckMs: 200,
        handlers: {
          k: {
            run: async (t) => { ran.push({ id: t.id, at: Date.now() }); await inTransaction(db, (tx) => tasks.complete(tx, t)); },
            giveUp: async () => undefined,
          },
        },
      });
      worker.start();
      return { worker, ran };
    }

    const enqueue = (tasks: TaskQueue, resourceId: string) =>
      inTransaction(db, (tx) => tasks.enqueue(tx, { kind: 'k', queue: QUEUE, resourceType: 'volume', resourceId, payload: {} }));

    test('a running worker takes the task of a sibling killed while it runs, long before the lease ends', async () => {
      const tasks = new TaskQueue(db);
      const id = await enqueue(tasks, 'killed');
      const holder = await startHolder([process.execPath, '--import', 'tsx', HOLDER, url, schema, QUEUE]);
      assert.equal(holder.task, id);
      const { worker, ran } = survivor(tasks);
      try {
        // Its start-up look and a few periodic ones find the holder alive.
        await sleep(1000);
        assert.equal(ran.length, 0, 'a live process keeps its task');
        const killedAt = Date.now();
        holder.child.kill('SIGKILL');
        await waitUntil(async () => (ran.length > 0 ? true : undefined), 10_000);
        assert.equal(ran[0]!.id, id);
        assert.ok(ran[0]!.at - killedAt < 10_000, `taken ${ran[0]!.at - killedAt} ms after the kill`);
        assert.equal((await tasks.get(id))?.status, 'done');
      } finally {
        await worker.stop();
        await end(holder.child);
      }
    });

    test('a live process of another PID namespace keeps its task, though its pid is free here', async () => {
      const pid = freePid();
      assert.ok(pid !== undefined, 'no free pid between 20,000 and 30,000 to give the holder');
      // Needs util-linux's unshare and root (CAP_SYS_ADMIN), as the rest of the suite does: a
      // machine without them fails here, saying so, rather than passing a test it did not run.
      const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']);
      assert.equal(probe.status, 0, `cannot make a PID namespace here (unshare --pid): ${probe.stderr?.toString().trim() || probe.error?.message}`);
      const tasks = new TaskQueue(db);
      const id = await enqueue(tasks, 'other-namespace');
      // The holder runs in a new PID namespace with the pid `pid` there (the next after ns_last_pid).
      const holder = await startHolder(['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c',
        `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid && "$0" "$@"`, process.execPath, '--import', 'tsx', HOLDER, url, schema, QUEUE]);
      const { worker, ran } = survivor(tasks);
      try {
        assert.equal(holder.task, id);
        assert.equal(holder.owner.split('|')[2], String(pid), 'the holder has the chosen pid in its namespace');
        assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'judged by its pid alone, the holder would look dead here');
        await sleep(1500);
        assert.equal(await tasks.releaseDeadLocalLeases(QUEUE, 'me'), 0);
        assert.equal(ran.length, 0, 'the task of a live process was taken');
        assert.equal((await tasks.get(id))?.leaseOwner, holder.owner);
      } finally {
        await worker.stop();
        await end(holder.child);
        await db.kysely.deleteFrom('tasks').where('id', '=', id).execute();
      }
    });
  });
}
