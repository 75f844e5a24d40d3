// Column form of a compiled expression: one operation at a time over a batch of pools, numbers only.
//
// The closure tree in evaluator.ts runs once per pool (10,000 calls of a dozen closures, each
// guarded by a try/catch); this runs each operator once per batch of pools over typed arrays.
// It decides only where the answer is certain: every value is a finite number (booleans count
// as 0/1, as the evaluator treats them in every operator). NaN stands for "not decided here":
// a string, a missing variable, a non-finite result, a division by zero. NaN propagates through
// every operator, and a pool whose result is NaN goes to the evaluator, which gives the exact
// value or error. So the column form never changes an outcome; it only takes the common case.
import type { Node } from './ast.js';
import type { Slot, VariableRef } from './evaluator.js';

/** Pools per batch: the intermediate columns of one batch stay in the CPU's first-level cache. */
export const BATCH = 256;

/** The values a column program reads for one run. */
export interface ColumnInputs {
  /** Per pool variable (CompiledExpression.poolVariables order): the value per pool row, NaN where not a finite number. */
  readonly pool: readonly Float64Array[];
  /** Per live name (CompileOptions.live order): the value per pool row, NaN where not a finite number. */
  readonly live: readonly Float64Array[];
  /** The request's variables (CompiledExpression.requestVariables order), as bindRequest gives them. */
  readonly request: readonly Slot[];
}

/** One run's rows: rows[start .. start+len) are the pool rows of this batch. */
interface Run {
  inputs: ColumnInputs;
  rows: Int32Array;
  start: number;
  len: number;
}

type Step = (r: Run) => Float64Array;

/** A finite number, booleans as 0/1; NaN for anything the column form leaves to the evaluator. */
export function columnValue(v: Slot): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

export class ColumnProgram {
  private constructor(private readonly root: Step) {}

  /**
   * The column form of `tree`, or null if it uses a string literal (such expressions compare
   * text, which the evaluator does; the column form handles numbers only).
   */
  static compile(tree: Node, vars: { pool: readonly VariableRef[]; request: readonly VariableRef[]; live: readonly string[] }): ColumnProgram | null {
    const root = compileStep(tree, vars);
    return root === null ? null : new ColumnProgram(root);
  }

  /**
   * The expression's value for pool rows rows[start .. start+len) (len ≤ BATCH), in the returned
   * array's first len entries: a number (true/false as 1/0), or NaN where the evaluator must decide.
   * The array is reused by the next run.
   */
  run(inputs: ColumnInputs, rows: Int32Array, start: number, len: number): Float64Array {
    return this.root({ inputs, rows, start, len });
  }
}

type Vars = { pool: readonly VariableRef[]; request: readonly VariableRef[]; live: readonly string[] };

/** Whether a subtree reads no pool (capabilities.*, stats.*): its value is the same for every pool of a run. */
function uniform(n: Node): boolean {
  switch (n.type) {
    case 'literal': return true;
    case 'variable': return n.namespace !== 'capabilities' && n.namespace !== 'stats';
    case 'unary': return uniform(n.arg);
    case 'binary':
    case 'logical': return uniform(n.left) && uniform(n.right);
    case 'ternary': return uniform(n.test) && uniform(n.then) && uniform(n.otherwise);
    case 'call': return n.args.every(uniform);
  }
}

function compileStep(n: Node, vars: Vars): Step | null {
  const step = compileTree(n, vars);
  if (step === null || n.type === 'literal' || !uniform(n)) return step;
  // A subtree reading only the request (`volume.size * 2`) is computed for one row, and its
  // column refilled only when that value changes: once per placement, not per batch.
  const out = new Float64Array(BATCH);
  let last = NaN;
  let filled = false;
  return (r) => {
    const v = step({ inputs: r.inputs, rows: r.rows, start: r.start, len: 1 })[0];
    if (!filled || !Object.is(v, last)) {
      out.fill(v);
      last = v;
      filled = true;
    }
    return out;
  };
}

function compileTree(n: Node, vars: Vars): Step | null {
  const out = new Float64Array(BATCH);
  switch (n.type) {
    case 'literal': {
      if (typeof n.value === 'string') return null;
      out.fill(columnValue(n.value));
      return () => out;
    }
    case 'variable': {
      const ns = n.namespace;
      const key = n.key;
      const column = poolColumn(n, vars);
      if (column !== null) {
        return (r) => {
          const col = column(r);
          const { rows, start, len } = r;
          const o = out;
          for (let j = 0; j < len; j++) o[j] = col[rows[start + j]];
          return o;
        };
      }
      const ri = vars.request.findIndex((r) => r.namespace === ns && r.key === key);
      if (ri < 0) return null;
      return (r) => {
        out.fill(columnValue(r.inputs.request[ri]), 0, r.len);
        return out;
      };
    }
    case 'unary': {
      const a = compileStep(n.arg, vars);
      if (a === null) return null;
      if (n.op === 'not') return (r) => { const v = a(r); for (let j = 0; j < r.len; j++) { const x = v[j]; out[j] = x !== x ? NaN : x === 0 ? 1 : 0; } return out; };
      if (n.op === '-') return (r) => { const v = a(r); for (let j = 0; j < r.len; j++) out[j] = -v[j]; return out; };
      return a; // unary '+' of a number (true/false already 1/0) is the number
    }
    case 'logical': {
      const l = compileStep(n.left, vars);
      const r = compileStep(n.right, vars);
      if (l === null || r === null) return null;
      return binaryStep(n.op, l, r, out);
    }
    case 'ternary': {
      const t = compileStep(n.test, vars);
      const a = compileStep(n.then, vars);
      const b = compileStep(n.otherwise, vars);
      if (t === null || a === null || b === null) return null;
      return (r) => {
        const tv = t(r);
        const av = a(r);
        const bv = b(r);
        for (let j = 0; j < r.len; j++) {
          const x = tv[j];
          out[j] = x !== x ? NaN : x !== 0 ? av[j] : bv[j];
        }
        return out;
      };
    }
    case 'call': {
      const args: Step[] = [];
      for (const a of n.args) {
        const s = compileStep(a, vars);
        if (s === null) return null;
        args.push(s);
      }
      if (n.fn === 'abs') {
        const a = args[0]!;
        return (r) => { const v = a(r); for (let j = 0; j < r.len; j++) out[j] = Math.abs(v[j]); return out; };
      }
      const pick = n.fn === 'max' ? Math.max : Math.min;
      return (r) => {
        const first = args[0]!(r);
        for (let j = 0; j < r.len; j++) out[j] = first[j];
        for (let k = 1; k < args.length; k++) {
          const v = args[k]!(r);
          for (let j = 0; j < r.len; j++) out[j] = pick(out[j], v[j]); // NaN in, NaN out
        }
        return out;
      };
    }
    case 'binary': {
      const l = compileStep(n.left, vars);
      const r = compileStep(n.right, vars);
      if (l === null || r === null) return null;
      // `capabilities.x >= volume.size * 2`: read the pool's column and compare in one pass.
      const column = poolColumn(n.left, vars);
      if (column !== null && uniform(n.right)) {
        const fused = columnWithUniform(n.op, column, r, out);
        if (fused !== null) return fused;
      }
      return binaryStep(n.op, l, r, out);
    }
  }
}

/** The column a capabilities.* / stats.* variable reads (live or pool), or null for any other node. */
function poolColumn(n: Node, vars: Vars): ((r: Run) => Float64Array) | null {
  if (n.type !== 'variable' || (n.namespace !== 'capabilities' && n.namespace !== 'stats')) return null;
  const { namespace: ns, key } = n;
  const li = vars.live.indexOf(key);
  if (li >= 0) return (r) => r.inputs.live[li];
  const pi = vars.pool.findIndex((v) => v.namespace === ns && v.key === key);
  return pi < 0 ? null : (r) => r.inputs.pool[pi];
}

/**
 * A pool variable against a value the same for every pool (`k`, the uniform step's first entry):
 * binaryStep's operators fused with the column read. Null for operators left to binaryStep.
 */
function columnWithUniform(op: string, column: (r: Run) => Float64Array, right: Step, out: Float64Array): Step | null {
  switch (op) {
    case '<': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x < k ? 1 : 0; } return out; };
    case '>': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x > k ? 1 : 0; } return out; };
    case '<=': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x <= k ? 1 : 0; } return out; };
    case '>=': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x >= k ? 1 : 0; } return out; };
    case '==': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x === k ? 1 : 0; } return out; };
    case '!=': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]]; out[j] = x !== x || k !== k ? NaN : x !== k ? 1 : 0; } return out; };
    case '+': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]] + k; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '-': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]] - k; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '*': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]] * k; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '/': return (r) => { const c = column(r), k = right(r)[0], { rows, start, len } = r; for (let j = 0; j < len; j++) { const x = c[rows[start + j]] / k; out[j] = k === 0 || x - x !== 0 ? NaN : x; } return out; };
  }
  return null;
}

// Each operator on two finite numbers (or NaN) as the evaluator computes it, NaN where it fails.
// One loop per operator, written out, so each loop's arithmetic is inlined rather than a call
// per pool through a function shared by every operator. Comparisons of finite numbers: the
// evaluator's order(a, b) < 0 is a - b < 0, which is a < b.
function binaryStep(op: string, l: Step, rt: Step, buf: Float64Array): Step {
  switch (op) {
    case '+': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j] + b[j]; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '-': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j] - b[j]; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '*': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j] * b[j]; out[j] = x - x === 0 ? x : NaN; } return out; };
    case '/': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j] / b[j]; out[j] = b[j] === 0 || x - x !== 0 ? NaN : x; } return out; };
    case '%': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = b[j] === 0 ? NaN : a[j] % b[j]; return out; };
    // Math.pow(NaN, 0) is 1: an undecided operand must stay undecided.
    case '^': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = Math.pow(a[j], b[j]); out[j] = a[j] !== a[j] || b[j] !== b[j] || x - x !== 0 ? NaN : x; } return out; };
    case '==': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] === b[j] ? 1 : 0; return out; };
    case '!=': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] !== b[j] ? 1 : 0; return out; };
    case '<': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] < b[j] ? 1 : 0; return out; };
    case '>': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] > b[j] ? 1 : 0; return out; };
    case '<=': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] <= b[j] ? 1 : 0; return out; };
    case '>=': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) out[j] = a[j] !== a[j] || b[j] !== b[j] ? NaN : a[j] >= b[j] ? 1 : 0; return out; };
    // The evaluator reads the right side only when the left does not settle it: a right side
    // it would not read cannot make the result undecided here either.
    case 'and': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j], y = b[j]; out[j] = x !== x ? NaN : x === 0 ? 0 : y !== y ? NaN : y !== 0 ? 1 : 0; } return out; };
    case 'or': return (r) => { const a = l(r), b = rt(r), out = buf, len = r.len; for (let j = 0; j < len; j++) { const x = a[j], y = b[j]; out[j] = x !== x ? NaN : x !== 0 ? 1 : y !== y ? NaN : y !== 0 ? 1 : 0; } return out; };
  }
  throw new Error(`unreachable operator ${op}`);
}
