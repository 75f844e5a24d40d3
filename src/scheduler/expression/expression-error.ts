// Errors raised while parsing or evaluating filter/goodness functions.
import { InvalidInput } from '../../errors/errors.js';

/** A filter_function or goodness_function that cannot be parsed (reported at start-up). */
export class ExpressionSyntaxError extends InvalidInput {
  override readonly name = 'ExpressionSyntaxError';
  constructor(
    readonly detail: string,
    readonly position: number,
  ) {
    super(`${detail} (at character ${position + 1})`);
  }
}

/** An expression that parsed but could not be evaluated against one pool. */
export class ExpressionEvaluationError extends InvalidInput {
  override readonly name = 'ExpressionEvaluationError';
}

/**
 * The evaluator's internal failure: a plain object, not an Error, so a bad expression
 * evaluated against 10,000 pools costs no stack traces on the placement hot path.
 */
export class EvalFailure {
  constructor(readonly message: string) {}
}
