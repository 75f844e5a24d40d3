// The column form of an expression must agree with the evaluator wherever it decides a value:
// random expressions over random pools (numbers, booleans, strings, missing values, unknown
// capacity), compared pool by pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH, EvalFailure, MISSING, columnValue, compileExpression, toVariables, type Slot, type Value } from './index.js';
import { seededRandom as rng } from '../../../test/support/seeded-random.js';

const LIVE = ['free_capacity_gb', 'total_volumes'];


const NUMBERS = ['0', '1', '2', '0.5', '100', '1e308', '3'];
const VARIABLES = ['capabilities.free_capacity_gb', 'capabilities.total_volumes', 'capabilities.speed', 'capabilities.ratio', 'stats.reserved', 'volume.size', 'extra.level', 'capabilities.maybe'];
const BINARY = ['+', '-', '*', '/', '%', '^', '<', '>', '<=', '>=', '==', '!=', 'and', 'or'];

function expression(r: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  if (depth <= 0 || r() < 0.25) {
    const x = r();
    return x < 0.45 ? pick(VARIABLES) : x < 0.9 ? pick(NUMBERS) : x < 0.95 ? pick(['true', 'false']) : "'gold'";
  }
  const x = r();
  if (x < 0.55) return `(${expression(r, depth - 1)} ${pick(BINARY)} ${expression(r, depth - 1)})`;
  if (x < 0.7) return `(${pick(['-', 'not ', '+'])}(${expression(r, depth - 1)}))`;
  if (x < 0.85) return `${pick(['min', 'max'])}(${expression(r, depth - 1)}, ${expression(r, depth - 1)})`;
  if (x < 0.9) return `abs(${expression(r, depth - 1)})`;
  return `(${expression(r, depth - 1)} ? ${expression(r, depth - 1)} : ${expression(r, depth - 1)})`;
}

function poolValue(r: () => number): Value | undefined {
  const x = r();
  if (x < 0.1) return undefined; // not reported
  if (x < 0.2) return r() < 0.5;
  if (x < 0.25) return 'fast';
  if (x < 0.3) return 0;
  // Often one of the literals above, so comparisons meet equal values.
  if (x < 0.6) return [1, 2, 3, 0.5, 100, 6][Math.floor(r() * 6)]!;
  return Math.round(r() * 2000 - 500) / (r() < 0.5 ? 1 : 4);
}

test('the column form gives the evaluator\'s value wherever it decides one', () => {
  let decided = 0;
  let undecided = 0;
  let programs = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const r = rng(seed);
    // Small expressions too, where one operator decides the result (and a slip in it shows).
    const source = expression(r, 1 + (seed % 4));
    const compiled = compileExpression(source, { live: LIVE });
    const program = compiled.columnProgram;
    if (program === null) {
      assert.ok(source.includes("'gold'"), `only string literals keep an expression from the column form: ${source}`);
      continue;
    }
    programs++;
    const n = 300;
    const pools = Array.from({ length: n }, () => {
      const caps: Record<string, Value> = {};
      for (const k of ['speed', 'ratio', 'maybe']) {
        const v = poolValue(r);
        if (v !== undefined) caps[k] = v;
      }
      const stats: Record<string, Value> = {};
      const v = poolValue(r);
      if (v !== undefined) stats.reserved = v;
      // Live values: free capacity is a reason string when the backend reports it as unknown.
      const free: Slot = r() < 0.1 ? 'unknown' : Math.round(r() * 5000);
      const volumes: Slot = Math.floor(r() * 20);
      return { caps: toVariables(caps), stats: toVariables(stats), live: [free, volumes] as Slot[] };
    });
    const request = compiled.bindRequest(toVariables({ size: 1 + Math.floor(r() * 10) }), toVariables({}), toVariables(r() < 0.5 ? { level: 2 } : { level: 'high' }));
    const frames = pools.map((p) => compiled.bindPool(p.caps, p.stats));
    const inputs = {
      pool: compiled.poolVariables.map((_, v) => Float64Array.from(frames, (f) => columnValue(f[v]!))),
      live: LIVE.map((_, l) => Float64Array.from(pools, (p) => columnValue(p.live[l]!))),
      request,
    };
    // Rows in a shuffled order, to check values land at the right row.
    const rows = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => ((a * 7919 + seed) % n) - ((b * 7919 + seed) % n));
    for (let start = 0; start < n; start += BATCH) {
      const len = Math.min(BATCH, n - start);
      const values = program.run(inputs, rows, start, len).slice(0, len);
      for (let j = 0; j < len; j++) {
        const i = rows[start + j]!;
        const v = values[j]!;
        const expected = compiled.tryRun({ pool: frames[i]!, live: pools[i]!.live, request });
        if (Number.isNaN(v)) {
          undecided++;
          continue;
        }
        decided++;
        assert.ok(!(expected instanceof EvalFailure), `${source} on pool ${i}: column form gave ${v}, evaluator failed: ${(expected as EvalFailure).message}`);
        assert.notEqual(typeof expected, 'string', `${source} on pool ${i}: column form gave ${v}, evaluator a string`);
        const asNumber = typeof expected === 'boolean' ? (expected ? 1 : 0) : expected;
        assert.ok(Object.is(asNumber, v), `${source} on pool ${i}: column form gave ${v}, evaluator ${String(expected)}`);
      }
    }
  }
  // The comparison means something only if both kinds of outcome occur often.
  assert.ok(programs > 200, `${programs} expressions had a column form`);
  assert.ok(decided > 20_000, `${decided} values decided by the column form`);
  assert.ok(undecided > 5_000, `${undecided} values left to the evaluator`);
});

test('the column form leaves strings, missing variables and failures to the evaluator', () => {
  const c = compileExpression('capabilities.speed * 2 > volume.size', { live: LIVE });
  const p = c.columnProgram!;
  const frames = [[4], ['fast'], [MISSING], [true]] as Slot[][];
  const col = Float64Array.from(frames, (f) => columnValue(f[0]!));
  const request = c.bindRequest(toVariables({ size: 3 }), toVariables({}), toVariables({}));
  const v = p.run({ pool: [col], live: [], request }, Int32Array.from([0, 1, 2, 3]), 0, 4);
  assert.deepEqual([...v.slice(0, 4)], [1, NaN, NaN, 0]);
  // The request part is computed once per run, and again when the request changes.
  const bigger = c.bindRequest(toVariables({ size: 8 }), toVariables({}), toVariables({}));
  assert.deepEqual([...p.run({ pool: [col], live: [], request: bigger }, Int32Array.from([0, 3]), 0, 2).slice(0, 2)], [0, 0]);
  assert.deepEqual([...p.run({ pool: [col], live: [], request }, Int32Array.from([0, 3]), 0, 2).slice(0, 2)], [1, 0]);
  assert.equal(compileExpression('1 / (capabilities.speed - 4)', { live: LIVE }).columnProgram!.run({ pool: [col], live: [], request: [] }, Int32Array.from([0]), 0, 1)[0], NaN, 'division by zero');
  assert.equal(compileExpression("capabilities.tier == 'gold'").columnProgram, null);
});

const show = (xs: readonly Slot[]) => xs.map((x) => (x === MISSING ? 'missing' : String(x))).join(', ');

test('every operator, with every shape of operand, agrees with the evaluator on equal, zero and odd values', () => {
  const VALUES: Slot[] = [0, -0, 1, 2, 3, 0.5, -2, 1e308, true, false, 'fast', MISSING];
  const SHAPES = [
    (op: string) => `capabilities.a ${op} 2`,
    (op: string) => `2 ${op} capabilities.a`,
    (op: string) => `capabilities.a ${op} capabilities.b`,
    (op: string) => `capabilities.a ${op} volume.size`,
    (op: string) => `capabilities.free_capacity_gb ${op} volume.size * 2`,
    (op: string) => `capabilities.a ${op} 0`,
  ];
  const OPS = ['+', '-', '*', '/', '%', '^', '<', '>', '<=', '>=', '==', '!=', 'and', 'or'];
  let decided = 0;
  for (const op of OPS) {
    for (const shape of SHAPES) {
      const source = shape(op);
      const compiled = compileExpression(source, { live: LIVE });
      const program = compiled.columnProgram!;
      const rows: { frame: Slot[]; live: Slot[] }[] = [];
      for (const a of VALUES) for (const b of VALUES) rows.push({ frame: compiled.poolVariables.map((v) => (v.key === 'a' ? a : b)), live: [a, 0] });
      for (const size of [2, 1, 0]) {
        const request = compiled.bindRequest(toVariables({ size }), toVariables({}), toVariables({}));
        const inputs = {
          pool: compiled.poolVariables.map((_, v) => Float64Array.from(rows, (p) => columnValue(p.frame[v]!))),
          live: LIVE.map((_, l) => Float64Array.from(rows, (p) => columnValue(p.live[l]!))),
          request,
        };
        const all = Int32Array.from(rows, (_, i) => i);
        for (let start = 0; start < rows.length; start += BATCH) {
          const len = Math.min(BATCH, rows.length - start);
          const values = program.run(inputs, all, start, len).slice(0, len);
          for (let j = 0; j < len; j++) {
            const row = rows[start + j]!;
            const v = values[j]!;
            if (Number.isNaN(v)) continue;
            decided++;
            const expected = compiled.tryRun({ pool: row.frame, live: row.live, request });
            assert.ok(!(expected instanceof EvalFailure) && typeof expected !== 'string', `${source} on ${show(row.frame)} / ${show(row.live)} (size ${size}): column form gave ${v}, evaluator ${String(expected)}`);
            assert.ok(Object.is(typeof expected === 'boolean' ? (expected ? 1 : 0) : expected, v), `${source} on ${show(row.frame)} / ${show(row.live)} (size ${size}): column form gave ${v}, evaluator ${String(expected)}`);
          }
        }
      }
    }
  }
  assert.ok(decided > 3_000, `${decided} values decided`);
});
