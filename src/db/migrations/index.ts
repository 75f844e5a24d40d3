// Versioned schema migrations, in order. Each is portable across SQLite and PostgreSQL.
import type { Migration } from 'kysely';
import { m001Initial } from './001-initial.js';

export const migrations: Record<string, Migration> = {
  '001-initial': m001Initial,
};
