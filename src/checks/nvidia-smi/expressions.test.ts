import { describe, expect, it } from 'vitest';
import {
  describeExpression,
  SIZE_EXPRESSION,
  sizeHolds,
  toSemver,
  VERSION_EXPRESSION,
  versionHolds,
} from './expressions.js';

const GiB = 1024 ** 3;

describe('size expressions', () => {
  it('a bare size means at least; operators and ranges as written', () => {
    expect(sizeHolds('16GiB', 22.5 * GiB)).toBe(true);
    expect(sizeHolds('80GiB', 79.6 * GiB)).toBe(false);
    expect(sizeHolds('>= 79GiB', 79.6 * GiB)).toBe(true);
    expect(sizeHolds('< 1GiB', 0.5 * GiB)).toBe(true);
    expect(sizeHolds('16GiB..24GiB', 22.5 * GiB)).toBe(true);
    expect(sizeHolds('16GiB..20GiB', 22.5 * GiB)).toBe(false);
    expect(describeExpression('16GiB')).toBe('>= 16GiB');
    expect(SIZE_EXPRESSION.test('>= 16 GiB')).toBe(true);
    expect(SIZE_EXPRESSION.test('16')).toBe(false);
  });
});

describe('version expressions', () => {
  it('compares driver, CUDA and compute capability versions numerically', () => {
    expect(toSemver('590.48.01')?.version).toBe('590.48.1');
    expect(versionHolds('>= 535', '590.48.01')).toBe(true);
    expect(versionHolds('>= 535.104.05', '535.54.03')).toBe(false);
    expect(versionHolds('>= 12.2', '12.10')).toBe(true);
    expect(versionHolds('< 12.4', '12.2')).toBe(true);
    expect(versionHolds('8.0', '7.5')).toBe(false);
    expect(versionHolds('== 9.0', '9.0')).toBe(true);
    expect(versionHolds('!= 9.0', '9.0')).toBe(false);
    expect(versionHolds('>= 2.1', '2.3.1+cu121')).toBe(true);
    expect(versionHolds('>= 1', 'unknown')).toBe(false);
    expect(VERSION_EXPRESSION.test('>= 535')).toBe(true);
    expect(VERSION_EXPRESSION.test('latest')).toBe(false);
  });
});
