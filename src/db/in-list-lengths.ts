// IN lists of values padded to a few lengths (SQLite), so the statements kept per SQL text stay few.
import { BinaryOperationNode, OperationNodeTransformer, OperatorNode, PrimitiveValueListNode } from 'kysely';
import { NodeTransformPlugin } from './node-transform-plugin.js';

/** Longest list padded: 1,024 stays far below SQLite's 32,766 parameters; longer lists are rare and keep their length. */
const MAX_PADDED = 1024;

/**
 * The length a list of `n` values is sent with: short lists as they are, longer ones up to the
 * next power of two. A page of volumes asks for the metadata of its ids; every page length made
 * another statement text, and SQLite holds about 0.2 MB per kept 1,000-id statement.
 */
export function paddedLength(n: number): number {
  if (n <= 8 || n > MAX_PADDED) return n;
  return 2 ** Math.ceil(Math.log2(n));
}

class PadInLists extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const t = super.transformBinaryOperation(node);
    const list = t.rightOperand;
    if (!OperatorNode.is(t.operator) || (t.operator.operator !== 'in' && t.operator.operator !== 'not in') || !PrimitiveValueListNode.is(list)) return t;
    const n = list.values.length;
    const length = paddedLength(n);
    if (length === n) return t;
    // The last value again: a repeated member changes neither IN nor NOT IN.
    const values = [...list.values];
    while (values.length < length) values.push(list.values[n - 1]);
    return BinaryOperationNode.create(t.leftOperand, t.operator, PrimitiveValueListNode.create(values));
  }
}

export class InListLengths extends NodeTransformPlugin {
  constructor() {
    super(new PadInLists());
  }
}
