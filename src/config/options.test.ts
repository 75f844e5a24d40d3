import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Options, parseOption, resolveOptions, type OptionSpec } from './options.js';
import { COMMON_BACKEND_OPTIONS } from './driver-options.js';
import { ConfigError } from '../errors/errors.js';

const SPECS: OptionSpec[] = [
  { name: 'driver', type: 'string', required: true, help: 'Driver name.' },
  { name: 'port', type: 'int', default: 3260, min: 1, max: 65535, deprecatedNames: ['iscsi_port'], help: 'Port.' },
  { name: 'ratio', type: 'float', default: 20.0, min: 1, help: 'Ratio.' },
  { name: 'chap', type: 'bool', default: true, help: 'CHAP.' },
  { name: 'clear', type: 'enum', default: 'zero', choices: ['none', 'zero', 'shred'], help: 'Wipe.' },
  { name: 'pools', type: 'list', default: ['a'], help: 'Pools.' },
  { name: 'prefix', type: 'string', default: null, help: 'Prefix.' },
];

function configError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('resolveOptions', () => {
  test('known options parse to typed values; missing ones take their defaults', () => {
    const v = resolveOptions('lvm-1', { driver: ' fake ', port: '3261', ratio: '1.5', chap: 'no', clear: 'shred', pools: 'a, b,,c' }, SPECS);
    assert.deepEqual(v, { driver: 'fake', port: 3261, ratio: 1.5, chap: false, clear: 'shred', pools: ['a', 'b', 'c'], prefix: null });
    const d = resolveOptions('lvm-1', { driver: 'fake' }, SPECS);
    assert.deepEqual(d, { driver: 'fake', port: 3260, ratio: 20, chap: true, clear: 'zero', pools: ['a'], prefix: null });
  });

  test('booleans accept true/false, yes/no, on/off, 1/0 in any case, and real booleans', () => {
    for (const [raw, want] of [['TRUE', true], ['Yes', true], ['on', true], ['1', true], ['False', false], ['off', false], ['0', false], [true, true], [false, false]] as const) {
      assert.equal(resolveOptions('s', { driver: 'x', chap: raw }, SPECS).chap, want, `chap=${String(raw)}`);
    }
  });

  test('an unknown option names itself, the section and the known options', () => {
    configError(() => resolveOptions('lvm-1', { driver: 'fake', prot: '1' }, SPECS),
      /Unknown option prot/, /\[lvm-1\]/, /Known options: chap, clear, driver, pools, port, prefix, ratio\./);
  });

  test('ignored keys are skipped instead of rejected', () => {
    assert.equal(resolveOptions('s', { driver: 'x', volume_driver: 'y' }, SPECS, ['volume_driver']).driver, 'x');
  });

  test('bad int, float, bool and enum values name the option, section and what is allowed', () => {
    configError(() => resolveOptions('b', { driver: 'x', port: 'abc' }, SPECS), /option port in section \[b\]/, /'abc' is not an integer/);
    configError(() => resolveOptions('b', { driver: 'x', port: '1.5' }, SPECS), /not an integer/);
    configError(() => resolveOptions('b', { driver: 'x', port: '' }, SPECS), /not an integer/);
    configError(() => resolveOptions('b', { driver: 'x', ratio: 'fast' }, SPECS), /option ratio/, /not a number/);
    configError(() => resolveOptions('b', { driver: 'x', ratio: 'Infinity' }, SPECS), /not a number/);
    configError(() => resolveOptions('b', { driver: 'x', chap: 'maybe' }, SPECS), /option chap/, /allowed: true, false/);
    configError(() => resolveOptions('b', { driver: 'x', clear: 'wipe' }, SPECS), /option clear/, /allowed: none, zero, shred/);
  });

  test('ints are decimal: hex, binary and exponent forms are refused', () => {
    for (const raw of ['0x10', '0b11', '1e3', '12abc']) {
      configError(() => resolveOptions('b', { driver: 'x', port: raw }, SPECS), /not an integer/);
    }
    assert.equal(resolveOptions('b', { driver: 'x', port: '+3260' }, SPECS).port, 3260);
    assert.equal(resolveOptions('b', { driver: 'x', ratio: '2.5e1' }, SPECS).ratio, 25);
    assert.equal(resolveOptions('b', { driver: 'x', ratio: '.5e1' }, SPECS).ratio, 5);
  });

  test('min and max are enforced inclusively', () => {
    configError(() => resolveOptions('b', { driver: 'x', port: '0' }, SPECS), /0 is below the minimum 1/);
    configError(() => resolveOptions('b', { driver: 'x', port: '65536' }, SPECS), /65536 is above the maximum 65535/);
    configError(() => resolveOptions('b', { driver: 'x', ratio: '0.99' }, SPECS), /below the minimum 1/);
    assert.equal(resolveOptions('b', { driver: 'x', port: '65535' }, SPECS).port, 65535);
    assert.equal(resolveOptions('b', { driver: 'x', port: '1' }, SPECS).port, 1);
  });

  test('a required option that is missing or empty fails naming it and its section', () => {
    configError(() => resolveOptions('nas', {}, SPECS), /Missing required option driver in section \[nas\]: Driver name\./);
    configError(() => resolveOptions('nas', { driver: '  ' }, SPECS), /Missing required option driver/);
  });

  test('a deprecated name sets the option under its current name', () => {
    const v = resolveOptions('b', { driver: 'x', iscsi_port: '3270' }, SPECS);
    assert.equal(v.port, 3270);
    assert.ok(!('iscsi_port' in v));
    const common = resolveOptions('b', { volume_driver: 'fake', iscsi_ip_address: '127.0.0.2', target_prefix: 'iqn.2020-01.x:' }, COMMON_BACKEND_OPTIONS);
    assert.equal(common.target_ip_address, '127.0.0.2');
    assert.equal(common.iscsi_target_prefix, 'iqn.2020-01.x:');
  });

  test('list defaults are copies: changing one result does not change the next', () => {
    const first = resolveOptions('b', { driver: 'x' }, SPECS);
    (first.pools as string[]).push('mutated');
    assert.deepEqual(resolveOptions('b', { driver: 'x' }, SPECS).pools, ['a']);
  });

  test('every common backend option has a valid default', () => {
    const v = resolveOptions('b', { volume_driver: 'fake' }, COMMON_BACKEND_OPTIONS);
    for (const spec of COMMON_BACKEND_OPTIONS) {
      const value = v[spec.name];
      if (value === null || spec.type === 'list') continue;
      assert.deepEqual(parseOption(spec, value as string | number | boolean, 'b'), value, `default of ${spec.name} re-parses to itself`);
    }
  });
});

describe('Options accessor', () => {
  const opt = new Options(resolveOptions('acc', { driver: 'x', port: '3300', pools: 'p1,p2' }, SPECS), 'acc');

  test('typed accessors return the parsed values', () => {
    assert.equal(opt.str('driver'), 'x');
    assert.equal(opt.int('port'), 3300);
    assert.equal(opt.num('ratio'), 20);
    assert.equal(opt.bool('chap'), true);
    assert.deepEqual(opt.list('pools'), ['p1', 'p2']);
    assert.equal(opt.optStr('prefix'), null);
    assert.equal(opt.str('prefix'), '');
  });

  test('asking for an undeclared option is a ConfigError naming option and section', () => {
    configError(() => opt.str('nope'), /Option nope is not declared for section \[acc\]/);
  });
});
