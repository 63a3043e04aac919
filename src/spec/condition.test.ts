import { describe, expect, it } from 'vitest';
import { type Condition, conditionNames, evaluateCondition, parseCondition } from './condition.js';

function parse(text: string): Condition {
  const parsed = parseCondition(text);
  if (typeof parsed === 'string') throw new Error(`expected a condition, got: ${parsed}`);
  return parsed;
}

const when = (text: string, values: Record<string, string | undefined>) =>
  evaluateCondition(parse(text), values);

describe('parseCondition', () => {
  it('reads ==, != and bare names into an OR of ANDs', () => {
    expect(parseCondition('cloud == aws && !gpu || region != eu')).toEqual([
      [
        { name: 'cloud', op: '==', value: 'aws' },
        { name: 'gpu', op: 'falsy' },
      ],
      [{ name: 'region', op: '!=', value: 'eu' }],
    ]);
    expect(parseCondition('gpu')).toEqual([[{ name: 'gpu', op: 'truthy' }]]);
  });

  it('takes quoted values, single or double, and spaces or none around operators', () => {
    expect(parseCondition(`cloud == 'aws'`)).toEqual([[{ name: 'cloud', op: '==', value: 'aws' }]]);
    expect(parseCondition('cloud!="a b"')).toEqual([[{ name: 'cloud', op: '!=', value: 'a b' }]]);
    expect(parseCondition('  ! gpu  ')).toEqual([[{ name: 'gpu', op: 'falsy' }]]);
    // Mismatched quotes are part of the value.
    expect(parseCondition(`cloud == 'aws"`)).toEqual([[{ name: 'cloud', op: '==', value: `'aws"` }]]);
  });

  it.each([
    ['cloud = aws', 'cannot read condition "cloud = aws": write name == value, name != value, name or !name'],
    ['cloud ==', 'cannot read condition "cloud ==": write name == value, name != value, name or !name'],
    ['1cloud', 'cannot read condition "1cloud": write name == value, name != value, name or !name'],
    ['a && ', 'cannot read condition "a &&": a name is missing at the end'],
    ['a || || b', 'cannot read condition "a || || b": a name is missing before "||"'],
    ['(a || b', 'cannot read condition "(a || b": a "(" is not closed'],
    ['a) || b', 'cannot read condition "a) || b": unexpected ")"'],
    ['()', 'cannot read condition "()": a name is missing before ")"'],
    ['cloud === aws', 'cannot read condition "cloud === aws": write == or != (not === or !==)'],
    ['cloud !== aws', 'cannot read condition "cloud !== aws": write == or != (not === or !==)'],
    ['!cloud == aws', 'cannot read condition "!cloud == aws": "!" goes with a bare name only'],
    ['a & b', 'cannot read condition "a & b": write name == value, name != value, name or !name'],
  ])('refuses %j with a reason', (text, reason) => {
    expect(parseCondition(text)).toBe(reason);
  });
});

describe('conditionNames', () => {
  it('lists every name the condition tests', () => {
    expect(conditionNames(parse('a == 1 && !b || c && d != x'))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('evaluateCondition', () => {
  it('compares with == and !=', () => {
    expect(when('cloud == aws', { cloud: 'aws' })).toBe(true);
    expect(when('cloud == aws', { cloud: 'gcp' })).toBe(false);
    expect(when("cloud != 'gcp'", { cloud: 'aws' })).toBe(true);
    expect(when("cloud != 'gcp'", { cloud: 'gcp' })).toBe(false);
    // An unset name equals nothing and differs from everything.
    expect(when('cloud == aws', {})).toBe(false);
    expect(when('cloud != aws', {})).toBe(true);
  });

  it('compares exactly: case and spaces count', () => {
    expect(when('cloud == aws', { cloud: 'AWS' })).toBe(false);
    expect(when('name == "a b"', { name: 'a b' })).toBe(true);
  });

  it.each([
    ['true', true],
    ['yes', true],
    ['1', true],
    ['aws', true],
    ['false', false],
    ['FALSE', false],
    ['no', false],
    ['off', false],
    ['0', false],
    ['', false],
    [undefined, false],
  ])('reads %j as %s for a bare name, the opposite with !', (value, truthy) => {
    expect(when('flag', { flag: value })).toBe(truthy);
    expect(when('!flag', { flag: value })).toBe(!truthy);
  });

  it('binds && tighter than ||', () => {
    // a || (b && c)
    expect(when('a || b && c', { a: '1', b: '0', c: '0' })).toBe(true);
    expect(when('a || b && c', { a: '0', b: '1', c: '0' })).toBe(false);
    expect(when('a || b && c', { a: '0', b: '1', c: '1' })).toBe(true);
    // (a && b) || c
    expect(when('a && b || c', { a: '1', b: '0', c: '0' })).toBe(false);
    expect(when('a && b || c', { a: '0', b: '0', c: '1' })).toBe(true);
  });

  it('groups with parentheses', () => {
    const both = 'engine == opencv && (weights == none || assets == offline)';
    expect(when(both, { engine: 'opencv', weights: 'none', assets: 'download' })).toBe(true);
    expect(when(both, { engine: 'opencv', weights: 'yolov8n', assets: 'offline' })).toBe(true);
    expect(when(both, { engine: 'opencv', weights: 'yolov8n', assets: 'download' })).toBe(false);
    expect(when(both, { engine: 'ultralytics', weights: 'none', assets: 'offline' })).toBe(false);
    // (a || b) && (c || d), and nesting; names still reach the lint rule.
    const cross = '(a || b) && (c || (d && !e))';
    expect(when(cross, { a: '0', b: '1', c: '0', d: '1', e: '0' })).toBe(true);
    expect(when(cross, { a: '0', b: '1', c: '0', d: '1', e: '1' })).toBe(false);
    expect(conditionNames(parseCondition(cross) as Condition).sort()).toEqual(
      expect.arrayContaining(['a', 'b', 'c', 'd', 'e']),
    );
  });

  it('needs every term of an && group', () => {
    const values = { cloud: 'aws', gpu: 'true', region: 'us' };
    expect(when('cloud == aws && gpu && region != eu', values)).toBe(true);
    expect(when('cloud == aws && !gpu', values)).toBe(false);
  });
});
