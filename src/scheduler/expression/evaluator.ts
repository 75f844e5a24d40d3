// Compiles an expression tree into plain closures (no eval, no Function) and evaluates them safely.
import type { Namespace, Node, Value } from './ast.js';
import { EvalFailure, ExpressionEvaluationError } from './expression-error.js';
import { MAX_NODES } from './parser.js';
import { ColumnProgram } from './columns.js';

/** Plain data looked up by key; build it with Object.create(null) when keys come from users. */
export type Variables = Readonly<Record<string, Value>>;

/** What an expression may read, as namespaces of plain data. Only own properties are visible. */
export interface ExpressionScope {
  capabilities: Variables;
  stats: Variables;
  volume: Variables;
  qos: Variables;
  extra: Variables;
  /** Values that change between stats reports, for the expression's `live` names (see CompileOptions). */
  live: Variables | null;
}

/** Marks a variable the data does not have; reading it is an "unknown variable" error. */
export const MISSING: unique symbol = Symbol('missing');
export type Slot = Value | typeof MISSING;

/**
 * The variables of one evaluation, resolved ahead of time into arrays so that the hot path
 * does no lookups by name: `pool` is bound once per stats report (capabilities.*, stats.*),
 * `request` once per placement (volume.*, qos.*, extra.*), `live` per pool usage.
 */
export interface Frame {
  pool: readonly Slot[];
  live: readonly Slot[];
  request: readonly Slot[];
}

export interface CompileOptions {
  /**
   * Names under capabilities.* and stats.* whose values change between stats reports
   * (free_capacity_gb…): read from Frame.live at the same index as in this list.
   */
  live?: readonly string[];
}

export interface VariableRef {
  namespace: Namespace;
  key: string;
}

type Compiled = (f: Frame) => Value;

/**
 * Evaluation steps allowed per call; operators count a step (leaves do not). The tree has at
 * most MAX_NODES nodes and no loops, so this is a backstop against a future looping construct.
 */
export const MAX_STEPS = MAX_NODES * 2;
// Evaluation is synchronous and never re-entered, so one counter serves every call.
let steps = 0;

const fail = (message: string): never => {
  throw new EvalFailure(message);
};

function describe(v: Value): string {
  return typeof v === 'string' ? `the string '${v.length > 40 ? v.slice(0, 40) + '…' : v}'` : String(v);
}

function num(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return fail(`${what} needs a number, got ${describe(v)}`);
}

function finite(n: number, op: string): number {
  return Number.isFinite(n) ? n : fail(`result of '${op}' is out of range`);
}

export function truthy(v: Value): boolean {
  return typeof v === 'string' ? v.length > 0 : typeof v === 'number' ? v !== 0 : v;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return num(a, '==') === num(b, '==');
}

function order(a: Value, b: Value, op: string): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' || typeof b === 'string') return fail(`cannot compare ${describe(a)} with ${describe(b)} using '${op}'`);
  return num(a, op) - num(b, op);
}

function tick(): void {
  if (++steps > MAX_STEPS) fail(`expression took more than ${MAX_STEPS} steps`);
}

function compileNode(n: Node, L: Layout): Compiled {
  switch (n.type) {
    case 'literal': {
      const v = n.value;
      return () => v;
    }
    case 'variable':
      return L.variable(n.namespace, n.key);
    case 'unary': {
      const a = compileNode(n.arg, L);
      if (n.op === 'not') return (s) => (tick(), !truthy(a(s)));
      if (n.op === '-') return (s) => (tick(), -num(a(s), "unary '-'"));
      return (s) => (tick(), num(a(s), "unary '+'"));
    }
    case 'logical': {
      const l = compileNode(n.left, L);
      const r = compileNode(n.right, L);
      return n.op === 'and' ? (s) => (tick(), truthy(l(s)) && truthy(r(s))) : (s) => (tick(), truthy(l(s)) || truthy(r(s)));
    }
    case 'ternary': {
      const t = compileNode(n.test, L);
      const a = compileNode(n.then, L);
      const b = compileNode(n.otherwise, L);
      return (s) => (tick(), truthy(t(s)) ? a(s) : b(s));
    }
    case 'call': {
      const args = n.args.map((a) => compileNode(a, L));
      if (n.fn === 'abs') {
        const a = args[0];
        return (s) => (tick(), Math.abs(num(a(s), 'abs()')));
      }
      const pick = n.fn === 'max' ? Math.max : Math.min;
      const name = `${n.fn}()`;
      return (s) => {
        tick();
        let r = num(args[0](s), name);
        for (let i = 1; i < args.length; i++) r = pick(r, num(args[i](s), name));
        return r;
      };
    }
    case 'binary': {
      const l = compileNode(n.left, L);
      const k = n.right.type === 'literal' && typeof n.right.value === 'number' ? n.right.value : undefined;
      return (k !== undefined && withConstant(n.op, l, k)) || compileBinary(n.op, l, compileNode(n.right, L));
    }
  }
}

const numeric = (v: Value, op: string): number => (typeof v === 'number' ? v : num(v, op));

/**
 * `x * 2`, `x < 1000`: a number on the right is the common shape of filter and goodness
 * functions, so it gets a closure that does not call back for the constant.
 */
function withConstant(op: string, l: Compiled, k: number): Compiled | null {
  switch (op) {
    case '+': return (s) => (tick(), finite(numeric(l(s), '+') + k, '+'));
    case '-': return (s) => (tick(), finite(numeric(l(s), '-') - k, '-'));
    case '*': return (s) => (tick(), finite(numeric(l(s), '*') * k, '*'));
    case '/': return k === 0 ? null : (s) => (tick(), finite(numeric(l(s), '/') / k, '/'));
    case '<': return (s) => { tick(); const a = l(s); return typeof a === 'number' ? a < k : order(a, k, '<') < 0; };
    case '>': return (s) => { tick(); const a = l(s); return typeof a === 'number' ? a > k : order(a, k, '>') > 0; };
    case '<=': return (s) => { tick(); const a = l(s); return typeof a === 'number' ? a <= k : order(a, k, '<=') <= 0; };
    case '>=': return (s) => { tick(); const a = l(s); return typeof a === 'number' ? a >= k : order(a, k, '>=') >= 0; };
  }
  return null;
}

function compileBinary(op: string, l: Compiled, r: Compiled): Compiled {
  switch (op) {
    case '+': return (s) => (tick(), finite(num(l(s), '+') + num(r(s), '+'), '+'));
    case '-': return (s) => (tick(), finite(num(l(s), '-') - num(r(s), '-'), '-'));
    case '*': return (s) => (tick(), finite(num(l(s), '*') * num(r(s), '*'), '*'));
    // Division or modulo by zero is an evaluation error (a filter rejects the pool, a
    // goodness function scores 0), as in Cinder where ZeroDivisionError fails the function.
    case '/': return (s) => {
      tick();
      const a = num(l(s), '/');
      const b = num(r(s), '/');
      return b === 0 ? fail('division by zero') : finite(a / b, '/');
    };
    case '%': return (s) => {
      tick();
      const a = num(l(s), '%');
      const b = num(r(s), '%');
      return b === 0 ? fail('modulo by zero') : a % b;
    };
    case '^': return (s) => (tick(), finite(Math.pow(num(l(s), '^'), num(r(s), '^')), '^'));
    case '==': return (s) => (tick(), equal(l(s), r(s)));
    case '!=': return (s) => (tick(), !equal(l(s), r(s)));
    case '<': return (s) => (tick(), order(l(s), r(s), '<') < 0);
    case '>': return (s) => (tick(), order(l(s), r(s), '>') > 0);
    case '<=': return (s) => (tick(), order(l(s), r(s), '<=') <= 0);
    case '>=': return (s) => (tick(), order(l(s), r(s), '>=') >= 0);
  }
  throw new Error(`unreachable operator ${op}`);
}

/** Collects the variables an expression reads and assigns each its frame index. */
class Layout {
  readonly pool: VariableRef[] = [];
  readonly request: VariableRef[] = [];
  constructor(readonly live: readonly string[]) {}

  variable(ns: Namespace, key: string): Compiled {
    const name = `${ns}.${key}`;
    const missing = () => fail(`unknown variable '${name}'`);
    const li = ns === 'capabilities' || ns === 'stats' ? this.live.indexOf(key) : -1;
    if (li >= 0) {
      return (f) => {
        const v = f.live[li];
        return v === MISSING ? missing() : v;
      };
    }
    const list = ns === 'capabilities' || ns === 'stats' ? this.pool : this.request;
    let i = list.findIndex((r) => r.namespace === ns && r.key === key);
    if (i < 0) i = list.push({ namespace: ns, key }) - 1;
    if (list === this.pool) {
      return (f) => {
        const v = f.pool[i];
        return v === MISSING ? missing() : v;
      };
    }
    return (f) => {
      const v = f.request[i];
      return v === MISSING ? missing() : v;
    };
  }
}

function lookup(vars: Variables | null, key: string): Slot {
  return vars !== null && Object.hasOwn(vars, key) ? vars[key] : MISSING;
}

/** A parsed expression ready to run many times. */
export class CompiledExpression {
  private readonly run: Compiled;
  private readonly layout: Layout;
  private columns: ColumnProgram | null | undefined;

  constructor(
    readonly source: string,
    private readonly tree: Node,
    options: CompileOptions = {},
  ) {
    this.layout = new Layout(options.live ?? []);
    this.run = compileNode(tree, this.layout);
  }

  /** The column form (see columns.ts), built on first use; null for an expression it does not cover. */
  get columnProgram(): ColumnProgram | null {
    if (this.columns === undefined) {
      this.columns = ColumnProgram.compile(this.tree, { pool: this.layout.pool, request: this.layout.request, live: this.layout.live });
    }
    return this.columns;
  }

  /** capabilities.* and stats.* variables (other than live ones), in Frame.pool order. */
  get poolVariables(): readonly VariableRef[] {
    return this.layout.pool;
  }

  /** volume.*, qos.* and extra.* variables, in Frame.request order. */
  get requestVariables(): readonly VariableRef[] {
    return this.layout.request;
  }

  /** Resolve the pool's variables once (per stats report). */
  bindPool(capabilities: Variables, stats: Variables): Slot[] {
    return this.layout.pool.map((r) => lookup(r.namespace === 'capabilities' ? capabilities : stats, r.key));
  }

  /** Resolve the request's variables once (per placement). */
  bindRequest(volume: Variables, qos: Variables, extra: Variables): Slot[] {
    return this.layout.request.map((r) => lookup(r.namespace === 'volume' ? volume : r.namespace === 'qos' ? qos : extra, r.key));
  }

  /** Hot path: returns the value, or an EvalFailure (never throws for a bad value or unknown variable). */
  tryRun(frame: Frame): Value | EvalFailure {
    steps = 0;
    try {
      return this.run(frame);
    } catch (e) {
      if (e instanceof EvalFailure) return e;
      throw e;
    }
  }

  /** Convenience: evaluate against namespaces of plain data; live names come from scope.live, else capabilities. */
  tryEvaluate(scope: ExpressionScope): Value | EvalFailure {
    return this.tryRun({
      pool: this.bindPool(scope.capabilities, scope.stats),
      live: this.layout.live.map((k) => {
        const v = lookup(scope.live, k);
        return v === MISSING ? lookup(scope.capabilities, k) : v;
      }),
      request: this.bindRequest(scope.volume, scope.qos, scope.extra),
    });
  }

  /** Returns the value or throws ExpressionEvaluationError naming the expression and the problem. */
  evaluate(scope: ExpressionScope): Value {
    const v = this.tryEvaluate(scope);
    if (v instanceof EvalFailure) throw new ExpressionEvaluationError(`cannot evaluate '${this.source}': ${v.message}`);
    return v;
  }
}

/** Turn user data into variables: a prototype-less copy, numeric strings as numbers (as Cinder does). */
export function toVariables(data: Readonly<Record<string, unknown>> | undefined): Record<string, Value> {
  const out: Record<string, Value> = Object.create(null);
  if (!data) return out;
  for (const k of Object.keys(data)) {
    const v = data[k];
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string') {
      const n = NUMERIC.test(v.trim()) ? Number(v) : NaN;
      out[k] = Number.isFinite(n) ? n : v;
    }
  }
  return out;
}
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
