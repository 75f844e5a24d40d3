// Recursive-descent parser for Cinder's expression language, with depth and size guards.
import type { BinaryOp, FunctionName, Namespace, Node } from './ast.js';
import { NAMESPACES } from './ast.js';
import { ExpressionSyntaxError } from './expression-error.js';
import { Tokenizer, type Token } from './tokenizer.js';

/**
 * Nesting deeper than this is refused. Real filter functions nest a handful of levels;
 * the guard keeps a hostile `((((…` or `1+1+1…` from overflowing the stack in the parser
 * or, later, in the evaluator (which recurses over the tree).
 */
export const MAX_DEPTH = 64;
/** Node-count cap; since the language has no loops it also bounds evaluation steps. */
export const MAX_NODES = 4096;

const FUNCTIONS: Record<string, { fn: FunctionName; min: number; max: number }> = {
  max: { fn: 'max', min: 1, max: 64 },
  min: { fn: 'min', min: 1, max: 64 },
  abs: { fn: 'abs', min: 1, max: 1 },
};
const COMPARISONS = new Set(['<', '>', '<=', '>=', '==', '!=']);

/** Parse an expression into a tree; throws ExpressionSyntaxError naming the problem and its position. */
export function parse(source: string): Node {
  if (typeof source !== 'string' || source.trim() === '') throw new ExpressionSyntaxError('empty expression', 0);
  return new Parser(source).parseAll();
}

// Grammar, lowest precedence first (Python's order; note `not a == b` is `not (a == b)`):
//   ternary    := or ('?' ternary ':' ternary)?
//   or         := and (('or' | '||') and)*
//   and        := not (('and' | '&&') not)*
//   not        := ('not' | '!') not | comparison
//   comparison := additive (('<'|'>'|'<='|'>='|'=='|'!='|'<>') additive)*
//   additive   := term (('+'|'-') term)*
//   term       := unary (('*'|'/'|'%') unary)*
//   unary      := ('-'|'+') unary | power
//   power      := primary ('^' unary)?
//   primary    := number | string | true | false | name '(' args ')' | name | '(' ternary ')'
class Parser {
  private readonly tok: Tokenizer;
  private depth = 0;
  private nodes = 0;
  /** Tree height of each node, so long operator chains are caught too. */
  private readonly heights = new WeakMap<Node, number>();

  constructor(src: string) {
    this.tok = new Tokenizer(src);
  }

  parseAll(): Node {
    const n = this.ternary();
    const t = this.tok.peek();
    if (t.kind !== 'end') throw new ExpressionSyntaxError(`unexpected '${t.text}'`, t.pos);
    return n;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionSyntaxError(`expression nests more than ${MAX_DEPTH} levels deep`, pos);
  }

  private make<T extends Node>(node: T, ...children: Node[]): T {
    if (++this.nodes > MAX_NODES) throw new ExpressionSyntaxError(`expression has more than ${MAX_NODES} parts`, node.pos);
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 0);
    if (h + 1 > MAX_DEPTH) throw new ExpressionSyntaxError(`expression nests more than ${MAX_DEPTH} levels deep`, node.pos);
    this.heights.set(node, h + 1);
    return node;
  }

  private isOp(t: Token, text: string): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private expectOp(text: string): Token {
    const t = this.tok.next();
    if (!this.isOp(t, text)) throw new ExpressionSyntaxError(`expected '${text}' but found '${t.text}'`, t.pos);
    return t;
  }

  private ternary(): Node {
    this.enter(this.tok.peek().pos);
    const test = this.or();
    let out = test;
    const q = this.tok.peek();
    if (this.isOp(q, '?')) {
      this.tok.next();
      const then = this.ternary();
      this.expectOp(':');
      const otherwise = this.ternary();
      out = this.make({ type: 'ternary', test, then, otherwise, pos: q.pos }, test, then, otherwise);
    }
    this.depth--;
    return out;
  }

  private or(): Node {
    let left = this.and();
    for (let t = this.tok.peek(); this.isOp(t, 'or'); t = this.tok.peek()) {
      this.tok.next();
      const right = this.and();
      left = this.make({ type: 'logical', op: 'or', left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    for (let t = this.tok.peek(); this.isOp(t, 'and'); t = this.tok.peek()) {
      this.tok.next();
      const right = this.not();
      left = this.make({ type: 'logical', op: 'and', left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private not(): Node {
    const t = this.tok.peek();
    if (!this.isOp(t, 'not')) return this.comparison();
    this.tok.next();
    this.enter(t.pos);
    const arg = this.not();
    this.depth--;
    return this.make({ type: 'unary', op: 'not', arg, pos: t.pos }, arg);
  }

  private comparison(): Node {
    let left = this.additive();
    for (let t = this.tok.peek(); t.kind === 'op' && COMPARISONS.has(t.text); t = this.tok.peek()) {
      this.tok.next();
      const right = this.additive();
      left = this.make({ type: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private additive(): Node {
    let left = this.term();
    for (let t = this.tok.peek(); this.isOp(t, '+') || this.isOp(t, '-'); t = this.tok.peek()) {
      this.tok.next();
      const right = this.term();
      left = this.make({ type: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private term(): Node {
    let left = this.unary();
    for (let t = this.tok.peek(); this.isOp(t, '*') || this.isOp(t, '/') || this.isOp(t, '%'); t = this.tok.peek()) {
      this.tok.next();
      const right = this.unary();
      left = this.make({ type: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private unary(): Node {
    const t = this.tok.peek();
    if (!this.isOp(t, '-') && !this.isOp(t, '+')) return this.power();
    this.tok.next();
    this.enter(t.pos);
    const arg = this.unary();
    this.depth--;
    return this.make({ type: 'unary', op: t.text as '-' | '+', arg, pos: t.pos }, arg);
  }

  private power(): Node {
    const base = this.primary();
    const t = this.tok.peek();
    if (!this.isOp(t, '^')) return base;
    this.tok.next();
    this.enter(t.pos);
    const exp = this.unary();
    this.depth--;
    return this.make({ type: 'binary', op: '^', left: base, right: exp, pos: t.pos }, base, exp);
  }

  private primary(): Node {
    const t = this.tok.next();
    switch (t.kind) {
      case 'number':
      case 'string':
      case 'boolean':
        return this.make({ type: 'literal', value: t.value!, pos: t.pos });
      case 'name':
        return this.isOp(this.tok.peek(), '(') ? this.call(t) : this.variable(t);
      case 'op':
        if (t.text === '(') {
          const inner = this.ternary();
          this.expectOp(')');
          return inner;
        }
        throw new ExpressionSyntaxError(`unexpected '${t.text}'`, t.pos);
      default:
        throw new ExpressionSyntaxError('expression ends too early', t.pos);
    }
  }

  private call(name: Token): Node {
    const spec = Object.hasOwn(FUNCTIONS, name.text) ? FUNCTIONS[name.text] : undefined;
    if (!spec) {
      throw new ExpressionSyntaxError(`unknown function '${name.text}' (known: ${Object.keys(FUNCTIONS).join(', ')})`, name.pos);
    }
    this.expectOp('(');
    const args: Node[] = [];
    if (!this.isOp(this.tok.peek(), ')')) {
      args.push(this.ternary());
      while (this.isOp(this.tok.peek(), ',')) {
        this.tok.next();
        args.push(this.ternary());
      }
    }
    this.expectOp(')');
    if (args.length < spec.min || args.length > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
      throw new ExpressionSyntaxError(`${spec.fn}() takes ${want} argument(s), got ${args.length}`, name.pos);
    }
    return this.make({ type: 'call', fn: spec.fn, args, pos: name.pos }, ...args);
  }

  private variable(t: Token): Node {
    const dot = t.text.indexOf('.');
    const ns = dot < 0 ? t.text : t.text.slice(0, dot);
    if (dot < 0 || !(NAMESPACES as readonly string[]).includes(ns)) {
      throw new ExpressionSyntaxError(
        `unknown variable '${t.text}': variables are ${NAMESPACES.map((n) => `${n}.NAME`).join(', ')}`,
        t.pos,
      );
    }
    return this.make({ type: 'variable', namespace: ns as Namespace, key: t.text.slice(dot + 1), pos: t.pos });
  }
}
