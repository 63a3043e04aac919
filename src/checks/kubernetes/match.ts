// Partial object matching as chainsaw and kuttl assert: the expected object is a subset of the actual
// one. Maps match key by key; lists match as subsets (each expected item matches a different actual
// item, in any order) unless `exact`, when they must have the same length and match item for item.
// A scalar is a value matcher (src/engine/match.ts): "1" equals 1, and ">= 2" compares.
import { formatValue, matchValue } from '../../engine/match.js';

export interface Mismatch {
  /** Where, as `status.readyReplicas` or `spec.containers[0].image`. */
  path: string;
  expected: string;
  actual: string;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function keyPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function short(value: unknown): string {
  const text = formatValue(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** Every place where `actual` does not contain `expected`; empty when it does. */
export function matchPartial(expected: unknown, actual: unknown, exact = false, path = ''): Mismatch[] {
  if (isMap(expected)) {
    if (!isMap(actual)) return [{ path: path || '(object)', expected: 'an object', actual: short(actual) }];
    return Object.entries(expected).flatMap(([key, value]) =>
      matchPartial(value, actual[key], exact, keyPath(path, key)),
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [{ path, expected: 'a list', actual: short(actual) }];
    if (exact) {
      if (expected.length !== actual.length) {
        return [{ path, expected: `${expected.length} items`, actual: `${actual.length} items` }];
      }
      return expected.flatMap((item, i) => matchPartial(item, actual[i], true, `${path}[${i}]`));
    }
    const used = new Set<number>();
    const mismatches: Mismatch[] = [];
    for (const [i, item] of expected.entries()) {
      const at = actual.findIndex(
        (candidate, j) => !used.has(j) && matchPartial(item, candidate).length === 0,
      );
      if (at >= 0) used.add(at);
      else
        mismatches.push({
          path: `${path}[${i}]`,
          expected: `an item like ${short(item)}`,
          actual: 'none in the list',
        });
    }
    return mismatches;
  }
  if (expected === null) {
    return actual === null || actual === undefined ? [] : [{ path, expected: 'null', actual: short(actual) }];
  }
  if (typeof expected === 'string' || typeof expected === 'number' || typeof expected === 'boolean') {
    // As chainsaw and kuttl do: a field the expected object names must be there (`null` says absent),
    // so `clusterIP: '!= None'` does not hold for an object that has no clusterIP.
    if (actual === undefined) return [{ path, expected: short(expected), actual: 'missing' }];
    if (typeof actual === 'object' && actual !== null) {
      return [{ path, expected: short(expected), actual: short(actual) }];
    }
    const result = matchValue(path, expected, actual);
    return result.ok ? [] : [{ path, expected: result.expected, actual: result.actual }];
  }
  return [{ path, expected: short(expected), actual: short(actual) }];
}

/** One line for a list of mismatches: `status.readyReplicas is 1, expected 4 (and 2 more)`. */
export function describeMismatches(mismatches: Mismatch[]): string {
  if (mismatches.length === 0) return 'matches';
  const [first] = mismatches;
  const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : '';
  return `${first.path} is ${first.actual}, expected ${first.expected}${more}`;
}
