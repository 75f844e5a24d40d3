import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileExpression, toVariables, ExpressionSyntaxError, ExpressionEvaluationError, EvalFailure,
  MAX_DEPTH, type ExpressionScope,
} from './index.js';

function scope(over: Partial<ExpressionScope> = {}): ExpressionScope {
  return {
    capabilities: toVariables({ total_capacity_gb: 100, free_capacity_gb: 40, speed: '3', tier: 'gold', thin: true }),
    stats: toVariables({ vendor_name: 'Acme', storage_protocol: 'iSCSI' }),
    volume: toVariables({ size: 10 }),
    qos: toVariables({ maxIOPS: '500' }),
    extra: toVariables({ 'flavor': 'fast' }),
    live: null,
    ...over,
  };
}
const ev = (src: string, s = scope()) => compileExpression(src).evaluate(s);
const syntaxError = (src: string, re: RegExp) =>
  assert.throws(() => compileExpression(src), (e: unknown) => e instanceof ExpressionSyntaxError && re.test(e.message));
const evalError = (src: string, re: RegExp) =>
  assert.throws(() => ev(src), (e: unknown) => e instanceof ExpressionEvaluationError && re.test(e.message));

describe('expression language', () => {
  test('arithmetic with precedence and associativity', () => {
    assert.equal(ev('1 + 2 * 3'), 7);
    assert.equal(ev('(1 + 2) * 3'), 9);
    assert.equal(ev('10 - 4 - 3'), 3);
    assert.equal(ev('20 / 4 / 5'), 1);
    assert.equal(ev('7 % 4'), 3);
    assert.equal(ev('2 ^ 3 ^ 2'), 512);
    assert.equal(ev('-2 ^ 2'), -4);
    assert.equal(ev('--3'), 3);
    assert.equal(ev('1.5e2 + .5'), 150.5);
  });

  test('comparison, boolean and ternary operators in every spelling', () => {
    assert.equal(ev('1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3'), true);
    assert.equal(ev('1 == 1 && 1 != 2 && 1 <> 2'), true);
    assert.equal(ev('false || true'), true);
    assert.equal(ev('1 > 2 OR 2 > 1'), true);
    assert.equal(ev('NOT 1 == 2'), true);
    assert.equal(ev('!true'), false);
    assert.equal(ev('not 0'), true);
    assert.equal(ev('volume.size > 5 ? 100 : 50'), 100);
    assert.equal(ev('volume.size > 50 ? 100 : volume.size > 5 ? 60 : 10'), 60);
    assert.equal(ev('true ? 1 : 1 / 0'), 1, 'the branch not taken is not evaluated');
  });

  test('functions max, min, abs', () => {
    assert.equal(ev('max(1, volume.size, 3)'), 10);
    assert.equal(ev('min(capabilities.free_capacity_gb, 100)'), 40);
    assert.equal(ev('abs(0 - 7)'), 7);
    syntaxError('abs(1, 2)', /abs\(\) takes 1 argument/);
    syntaxError('max()', /max\(\) takes 1 to 64/);
  });

  test('variables from every namespace; numeric strings are numbers, strings compare', () => {
    assert.equal(ev('capabilities.speed * 2'), 6);
    assert.equal(ev('qos.maxIOPS > 100'), true);
    assert.equal(ev("extra.flavor == 'fast'"), true);
    assert.equal(ev('stats.storage_protocol == "iSCSI"'), true);
    assert.equal(ev("capabilities.tier != 'silver'"), true);
    assert.equal(ev("capabilities.tier < 'h'"), true);
    assert.equal(ev('capabilities.thin == 1'), true);
    assert.equal(ev("'5' == 5"), false);
  });

  test('live values override capabilities and stats', () => {
    const s = scope({ live: toVariables({ free_capacity_gb: 7 }) });
    const live = { live: ['free_capacity_gb'] };
    assert.equal(compileExpression('capabilities.free_capacity_gb', live).evaluate(s), 7);
    assert.equal(compileExpression('stats.free_capacity_gb', live).evaluate(s), 7);
    assert.equal(compileExpression('capabilities.free_capacity_gb').evaluate(s), 40, 'not live unless named so');
    assert.deepEqual(compileExpression('capabilities.a + volume.b * capabilities.a', live).poolVariables, [{ namespace: 'capabilities', key: 'a' }]);
  });

  test('unknown variables are a clear error at evaluation; the hot path returns a failure, not a throw', () => {
    evalError('capabilities.nope > 1', /unknown variable 'capabilities\.nope'/);
    const r = compileExpression('volume.nope').tryEvaluate(scope());
    assert.ok(r instanceof EvalFailure);
    assert.match(r.message, /unknown variable 'volume\.nope'/);
  });

  test('division and modulo by zero are evaluation errors', () => {
    evalError('1 / 0', /division by zero/);
    evalError('5 % (volume.size - 10)', /modulo by zero/);
  });

  test('huge numbers: literal out of range is a syntax error, overflow an evaluation error', () => {
    syntaxError('1e400', /too large/);
    syntaxError('9'.repeat(500), /too long/);
    assert.equal(ev('1e300 > 1'), true);
    evalError('1e300 * 1e300', /out of range/);
    evalError('10 ^ 400', /out of range/);
  });

  test('type errors name the values', () => {
    evalError("capabilities.tier + 1", /needs a number, got the string 'gold'/);
    evalError("capabilities.tier > 1", /cannot compare/);
  });

  test('syntax errors name the problem and position', () => {
    syntaxError('1 +', /ends too early/);
    syntaxError('(1 + 2', /expected '\)'/);
    syntaxError('1 2', /unexpected '2'/);
    syntaxError('1 ? 2', /expected ':'/);
    syntaxError("'abc", /unterminated string/);
    syntaxError('1 $ 2', /unexpected character '\$' \(at character 3\)/);
    syntaxError('', /empty/);
    syntaxError('capabilities.', /ends with '\.'/);
  });

  test('hostile input: reaching JavaScript globals or prototypes gives errors', () => {
    syntaxError('constructor', /unknown variable 'constructor'/);
    syntaxError('__proto__', /unknown variable/);
    syntaxError('process.exit(1)', /unknown function 'process\.exit'/);
    syntaxError('process.env', /unknown variable 'process\.env'/);
    syntaxError('globalThis.x', /unknown variable/);
    syntaxError('this', /unknown variable/);
    syntaxError('capabilities["x"]', /unexpected character '\['/);
    syntaxError('max.constructor(1)', /unknown function/);
    syntaxError('toString()', /unknown function/);
    evalError('capabilities.constructor', /unknown variable 'capabilities\.constructor'/);
    evalError('capabilities.__proto__', /unknown variable/);
    evalError('capabilities.toString', /unknown variable/);
    evalError('volume.hasOwnProperty', /unknown variable/);
    // Even a plain {} (with a prototype) exposes only its own keys.
    const s = scope({ volume: { size: 1 } });
    assert.throws(() => compileExpression('volume.constructor').evaluate(s), /unknown variable/);
    // A user key named __proto__ is plain data, not a prototype.
    const v = toVariables(JSON.parse('{"__proto__": "7"}'));
    assert.equal(compileExpression('extra.__proto__ + 1').evaluate(scope({ extra: v })), 8);
  });

  test('deep nesting (100k levels) and long chains give a clear error, not a stack overflow', () => {
    const n = 100_000;
    syntaxError('('.repeat(n) + '1' + ')'.repeat(n), new RegExp(`more than ${MAX_DEPTH} levels`));
    syntaxError('-'.repeat(n) + '1', /levels deep/);
    syntaxError('not '.repeat(n) + '1', /levels deep/);
    syntaxError('max('.repeat(n) + '1' + ')'.repeat(n), /levels deep/);
    syntaxError(Array(n).fill('1').join(' + '), /levels deep|parts/);
    syntaxError('1 ? '.repeat(n) + '1' + ' : 1'.repeat(n), /levels deep/);
    // Within the limit, nesting works.
    assert.equal(ev('('.repeat(MAX_DEPTH - 2) + '1' + ')'.repeat(MAX_DEPTH - 2)), 1);
  });
});
