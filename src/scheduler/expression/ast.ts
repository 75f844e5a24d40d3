// The syntax tree of a filter/goodness expression.

export type Value = number | string | boolean;

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '<' | '>' | '<=' | '>=' | '==' | '!=';
export type FunctionName = 'max' | 'min' | 'abs';

export type Node =
  | { type: 'literal'; value: Value; pos: number }
  | { type: 'variable'; namespace: Namespace; key: string; pos: number }
  | { type: 'unary'; op: '-' | '+' | 'not'; arg: Node; pos: number }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node; pos: number }
  | { type: 'logical'; op: 'and' | 'or'; left: Node; right: Node; pos: number }
  | { type: 'ternary'; test: Node; then: Node; otherwise: Node; pos: number }
  | { type: 'call'; fn: FunctionName; args: Node[]; pos: number };

/** Cinder's variable namespaces (cinder/scheduler/filters/driver_filter.py). */
export const NAMESPACES = ['capabilities', 'volume', 'qos', 'stats', 'extra'] as const;
export type Namespace = (typeof NAMESPACES)[number];
