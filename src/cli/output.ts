// How the CLI prints: human tables by default, JSON with --json.
import Table from 'cli-table3';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows of objects as a table with the given columns (header → value getter). */
export function printTable<T>(rows: T[], columns: [string, (r: T) => unknown][]): void {
  const t = new Table({ head: columns.map(([h]) => h), style: { head: [], border: [] } });
  for (const r of rows) t.push(columns.map(([, get]) => cell(get(r))));
  process.stdout.write(`${t.toString()}\n`);
}

/** One object as a two-column Field/Value table, as the openstack client shows a resource. */
export function printRecord(record: Record<string, unknown>): void {
  const t = new Table({ head: ['Field', 'Value'], style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(record)) t.push([k, cell(v)]);
  process.stdout.write(`${t.toString()}\n`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Print either way; `render` gets the value when not --json. */
export function emit(json: boolean | undefined, value: unknown, render: () => void): void {
  if (json) printJson(value);
  else render();
}
