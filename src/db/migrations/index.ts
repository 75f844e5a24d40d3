// Versioned schema migrations, in order. Each is portable across SQLite and PostgreSQL.
import type { Migration } from 'kysely';
import { m001Initial } from './001-initial.js';
import { m002TaskPercent } from './002-task-percent.js';
import { m003Images } from './003-images.js';
import { m004TaskErrorCode } from './004-task-error-code.js';
import { m007Shares } from './007-shares.js';

export const migrations: Record<string, Migration> = {
  '001-initial': m001Initial,
  '002-task-percent': m002TaskPercent,
  '003-images': m003Images,
  '004-task-error-code': m004TaskErrorCode,
  '007-shares': m007Shares,
};
