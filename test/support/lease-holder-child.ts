// A process that claims one task and then holds it, doing nothing, until it is killed (tests
// of what a surviving process does with a dead one's tasks). argv: database url, PostgreSQL
// schema ('' for none), queue. Prints `claimed <task id> <owner id>` once it holds the task.
// Exits when its stdin closes, so it never outlives the test that started it.
import { openDatabase } from '../../src/db/database.js';
import { newLeaseOwner } from '../../src/tasks/lease-owner.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';

const [url, schema, queue] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, ...(schema ? { schema } : {}), migrate: false });
const owner = newLeaseOwner('lease-holder');
const task = await new TaskQueue(db).claim([queue], owner, 60_000);
process.stdout.write(`claimed ${task?.id ?? 'none'} ${owner}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
