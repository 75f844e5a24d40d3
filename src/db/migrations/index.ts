// Versioned schema migrations, in order. Each is portable across SQLite and PostgreSQL.
import type { Migration } from 'kysely';
import { m001Initial } from './001-initial.js';
import { m002TaskPercent } from './002-task-percent.js';

export const migrations: Record<string, Migration> = {
  '001-initial': m001Initial,
  '002-task-percent': m002TaskPercent,
};
