import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SpecMatcher, capabilityCell } from './extra-specs-ops.js';

const m = (req: string, cap: string | number | boolean) => new SpecMatcher(req).matches(capabilityCell(cap));

describe('extra spec operators', () => {
  test('plain values match case-insensitively', () => {
    assert.equal(m('LVM', 'lvm'), true);
    assert.equal(m('lvm', 'ceph'), false);
    assert.equal(m('True', true), true);
  });
  test('numeric operators, with = meaning at least', () => {
    assert.equal(m('= 10', 10), true);
    assert.equal(m('= 10', 11), true);
    assert.equal(m('= 10', 9), false);
    assert.equal(m('== 10', '10.0'), true);
    assert.equal(m('!= 10', 11), true);
    assert.equal(m('>= 10', 10), true);
    assert.equal(m('<= 10', 10.5), false);
    assert.equal(m('>= 10', 'fast'), false, 'a non-number never matches a numeric operator');
  });
  test('<is> compares booleans', () => {
    assert.equal(m('<is> True', true), true);
    assert.equal(m('<is> true', 'True'), true);
    assert.equal(m('<is> False', true), false);
    assert.equal(m('<is> False', false), true);
    assert.equal(m('<is> maybe', true), false);
  });
  test('<in>, <all-in>, <or>', () => {
    assert.equal(m('<in> ssd', 'fast-ssd'), true);
    assert.equal(m('<in> ssd', 'hdd'), false);
    assert.equal(m('<all-in> a b', 'ab'), true);
    assert.equal(m('<all-in> a z', 'ab'), false);
    assert.equal(m('<or> gold <or> silver', 'Silver'), true);
    assert.equal(m('<or> gold <or> silver', 'bronze'), false);
  });
  test('string operators', () => {
    assert.equal(m('s== abc', 'ABC'), true);
    assert.equal(m('s!= abc', 'abd'), true);
    assert.equal(m('s< b', 'a'), true);
    assert.equal(m('s<= a', 'a'), true);
    assert.equal(m('s> a', 'b'), true);
    assert.equal(m('s>= c', 'b'), false);
  });
  test('an operator with no operand never matches', () => {
    assert.equal(m('>=', 5), false);
    assert.equal(m('<in>', 'x'), false);
  });
});
