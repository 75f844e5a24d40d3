// Compiles an expression tree into plain closures (no eval, no Function) and evaluates them safely.
import type { Namespace, Node, Value } from './ast.js';
import { EvalFailure, ExpressionEvaluationError } from './expression-error.js';
import { MAX_NODES } from './parser.js';

/** Plain data looked up by key; build it with Object.create(null) when keys come from users. */
export type Variables = Readonly<Record<string, Value>>;

/** What an expression may read. Only own properties of these objects are visible. */
export interface ExpressionScope {
  capabilities: Variables;
  stats: Variables;
  volume: Variables;
  qos: Variables;
  extra: Variables;
  /** Values that change between stats reports (free capacity, volume count); read before capabilities.* and stats.*. */
  live: Variables | null;
}

type Compiled = (s: ExpressionScope) => Value;

/** Evaluation steps allowed per call. The tree has at most MAX_NODES nodes and no loops, so this is a backstop. */
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

function compileNode(n: Node): Compiled {
  switch (n.type) {
    case 'literal': {
      const v = n.value;
      return () => v;
    }
    case 'variable':
      return compileVariable(n.namespace, n.key);
    case 'unary': {
      const a = compileNode(n.arg);
      if (n.op === 'not') return (s) => (tick(), !truthy(a(s)));
      if (n.op === '-') return (s) => (tick(), -num(a(s), "unary '-'"));
      return (s) => (tick(), num(a(s), "unary '+'"));
    }
    case 'logical': {
      const l = compileNode(n.left);
      const r = compileNode(n.right);
      return n.op === 'and' ? (s) => (tick(), truthy(l(s)) && truthy(r(s))) : (s) => (tick(), truthy(l(s)) || truthy(r(s)));
    }
    case 'ternary': {
      const t = compileNode(n.test);
      const a = compileNode(n.then);
      const b = compileNode(n.otherwise);
      return (s) => (tick(), truthy(t(s)) ? a(s) : b(s));
    }
    case 'call': {
      const args = n.args.map(compileNode);
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
    case 'binary':
      return compileBinary(n.op, compileNode(n.left), compileNode(n.right));
  }
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

function compileVariable(ns: Namespace, key: string): Compiled {
  const name = `${ns}.${key}`;
  const missing = () => fail(`unknown variable '${name}'`);
  if (ns === 'capabilities' || ns === 'stats') {
    return (s) => {
      tick();
      const live = s.live;
      if (live !== null && Object.hasOwn(live, key)) return live[key];
      const vars = s[ns];
      return Object.hasOwn(vars, key) ? vars[key] : missing();
    };
  }
  return (s) => {
    tick();
    const vars = s[ns];
    return Object.hasOwn(vars, key) ? vars[key] : missing();
  };
}

/** A parsed expression ready to run many times. */
export class CompiledExpression {
  private readonly run: Compiled;

  constructor(
    readonly source: string,
    tree: Node,
  ) {
    this.run = compileNode(tree);
  }

  /** Hot path: returns the value, or an EvalFailure (never throws for a bad value or unknown variable). */
  tryEvaluate(scope: ExpressionScope): Value | EvalFailure {
    steps = 0;
    try {
      return this.run(scope);
    } catch (e) {
      if (e instanceof EvalFailure) return e;
      throw e;
    }
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
