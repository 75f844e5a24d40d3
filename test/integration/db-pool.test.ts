// database_max_connections bounds the PostgreSQL connections one process holds: queries
// beyond it wait for a connection instead of opening another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestService } from '../support/test-service.js';

test('database_max_connections caps the connections a process uses (PostgreSQL)', async () => {
  const svc = await startTestService({ db: 'postgres', roles: ['api'], defaults: { database_max_connections: 2 } });
  try {
    // Six queries at once, each holding its connection a moment: with room for six they would use six.
    const pids = await Promise.all(Array.from({ length: 6 }, () =>
      sql<{ pid: number }>`select pg_backend_pid() as pid from pg_sleep(0.05)`.execute(svc.db.kysely).then((r) => r.rows[0]!.pid)));
    assert.ok(new Set(pids).size <= 2, `${new Set(pids).size} connections used`);
  } finally {
    await svc.cleanup();
  }
});

test('an invalid database_max_connections is refused naming the option', async () => {
  await assert.rejects(startTestService({ db: 'sqlite', roles: ['api'], defaults: { database_max_connections: 0 } }), /database_max_connections/);
});
