// Cinder's filter/goodness expression language: parse once, evaluate safely many times.
import { parse } from './parser.js';
import { CompiledExpression, type CompileOptions } from './evaluator.js';

export { parse, MAX_DEPTH, MAX_NODES } from './parser.js';
export { CompiledExpression, toVariables, truthy, MAX_STEPS, MISSING, type ExpressionScope, type Variables, type Frame, type Slot, type CompileOptions, type VariableRef } from './evaluator.js';
export { ColumnProgram, BATCH, columnValue, type ColumnInputs } from './columns.js';
export { ExpressionSyntaxError, ExpressionEvaluationError, EvalFailure } from './expression-error.js';
export type { Node, Value } from './ast.js';

/** Parse and compile; throws ExpressionSyntaxError with a position for bad input. */
export function compileExpression(source: string, options?: CompileOptions): CompiledExpression {
  return new CompiledExpression(source, parse(source), options);
}
