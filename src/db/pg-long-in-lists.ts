// Long IN lists of strings reach PostgreSQL as one array parameter, unnested in a subquery.
//
// A page of 1,000 volumes asks for the metadata of its ids. Given `resource_id IN ($1 … $1000)`
// (or `= ANY($1)` with the array known at planning), PostgreSQL expects ~2,000 rows of a
// 200,000-row table and, with its default random_page_cost, reads the whole table: 14 ms on the
// 100,000-volume inventory. As `IN (SELECT unnest($1::text[]))` it plans a semi-join that probes
// the primary key once per id: 3–4 ms for the same rows. Lists are rewritten from LONG_LIST
// values (short ones are planned well as they are), and only when every value is a string (the
// array's element type must be named; ids are strings).
import { BinaryOperationNode, OperationNodeTransformer, OperatorNode, PrimitiveValueListNode, sql, type OperationNode } from 'kysely';
import { NodeTransformPlugin } from './node-transform-plugin.js';

export const LONG_LIST = 32;

class UnnestLongLists extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const t = super.transformBinaryOperation(node);
    const list = t.rightOperand;
    if (!OperatorNode.is(t.operator) || (t.operator.operator !== 'in' && t.operator.operator !== 'not in') || !PrimitiveValueListNode.is(list)) return t;
    if (list.values.length < LONG_LIST || !list.values.every((v) => typeof v === 'string')) return t;
    const values = list.values as readonly string[];
    const subquery: OperationNode = sql`(select unnest(${[...values]}::text[]))`.toOperationNode();
    return BinaryOperationNode.create(t.leftOperand, t.operator, subquery);
  }
}

export class PgLongInLists extends NodeTransformPlugin {
  constructor() {
    super(new UnnestLongLists());
  }
}
