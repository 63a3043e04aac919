// Matchers apart from checks (goss's shorthand): a scalar means equality, a list "one of" (values) or
// "contains all" (text), a map names one or more matchers that must all hold. Pure functions, except
// matchJson, which loads jsonpath-plus only when a check uses it.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Assertion, CheckOutcome } from '../checks/types.js';

/** An assertion with a one-line message that leads with the reason, right whether it held or not. */
export interface MatchResult extends Assertion {
  message: string;
}

export type Facts = Record<string, string | number>;

const scalarSchema = z
  .union([z.number(), z.boolean(), z.string()])
  .describe(
    'A value to equal; numbers and numeric strings compare numerically. A string may be a comparison: ">= 2", "< 5", "!= 0", "== 3", or a range "200..299" (inclusive)',
  );

const valueMatcherObjectSchema = z
  .strictObject({
    eq: z.union([z.number(), z.boolean(), z.string()]).optional().describe('Equal to this value'),
    ne: z.union([z.number(), z.boolean(), z.string()]).optional().describe('Not equal to this value'),
    gt: z.number().optional().describe('Greater than this number'),
    gte: z.number().optional().describe('Greater than or equal to this number'),
    lt: z.number().optional().describe('Less than this number'),
    lte: z.number().optional().describe('Less than or equal to this number'),
    between: z.tuple([z.number(), z.number()]).optional().describe('Within [low, high], both included'),
    one_of: z
      .array(z.union([z.number(), z.boolean(), z.string()]))
      .min(1)
      .optional()
      .describe('Equal to one of these values'),
  })
  .refine(
    (m) => Object.keys(m).length > 0,
    'name at least one matcher: eq, ne, gt, gte, lt, lte, between, one_of',
  )
  .describe('Every matcher named here must hold');

export const valueMatcherSchema = z
  .union([
    scalarSchema,
    z.array(scalarSchema).min(1).describe('One of these values'),
    valueMatcherObjectSchema,
  ])
  .describe(
    'A value: 0, "Running", ">= 2", "200..299", a list meaning one of, or a map such as {gte: 1, lt: 5}',
  )
  .meta({ id: 'ValueMatcher' });
export type ValueMatcher = z.output<typeof valueMatcherSchema>;

const stringOrListSchema = (what: string) =>
  z.union([z.string().describe(what), z.array(z.string()).min(1).describe(`${what} (each of these)`)]);

const textMatcherObjectSchema = z
  .strictObject({
    contains: stringOrListSchema('Text that must appear').optional().describe('Text that must appear'),
    not_contains: stringOrListSchema('Text that must not appear')
      .optional()
      .describe('Text that must not appear'),
    matches: stringOrListSchema('A JavaScript regular expression that must match')
      .optional()
      .describe(
        'JavaScript regular expressions that must match; ^ and $ match at line ends, a leading (?i) ignores case, and named groups (?<name>...) become facts',
      ),
    not_matches: stringOrListSchema('A JavaScript regular expression that must not match')
      .optional()
      .describe('JavaScript regular expressions that must not match'),
    equals: z.string().optional().describe('The whole text, trailing newlines ignored'),
    empty: z.boolean().optional().describe('true: the text is empty (whitespace only); false: it is not'),
    lines: valueMatcherSchema.optional().describe('The number of lines, e.g. ">= 3"'),
  })
  .refine(
    (m) => Object.keys(m).length > 0,
    'name at least one matcher: contains, not_contains, matches, not_matches, equals, empty, lines',
  )
  .describe('Every matcher named here must hold');

export const textMatcherSchema = z
  .union([
    z.string().describe('Text that must appear'),
    z.array(z.string()).min(1).describe('Texts that must all appear'),
    textMatcherObjectSchema,
  ])
  .describe(
    'Text: a string it must contain, a list it must contain all of, or a map such as {matches: "^ok$"}',
  )
  .meta({ id: 'TextMatcher' });
export type TextMatcher = z.output<typeof textMatcherSchema>;

const existsMatcherSchema = z
  .strictObject({ exists: z.boolean().describe('true: the path finds something; false: it finds nothing') })
  .describe('Whether the path finds anything');

const equalsMatcherSchema = z
  .strictObject({
    equals: z
      .json()
      .describe('The whole value, deep-equal: an array in order, an object with exactly these keys'),
  })
  .describe('The value found is exactly this JSON (a list here is the list itself, not "one of")');

const jsonTextMatcherSchema = z
  .strictObject({
    contains: stringOrListSchema('Text the value must contain').optional(),
    not_contains: stringOrListSchema('Text the value must not contain').optional(),
    matches: stringOrListSchema('A regular expression the value must match').optional(),
    not_matches: stringOrListSchema('A regular expression the value must not match').optional(),
  })
  .refine(
    (m) => Object.keys(m).length > 0,
    'name at least one matcher: contains, not_contains, matches, not_matches',
  )
  .describe('The value found, as text (a string as is, anything else as JSON): {matches: "^eyJ"}');

export const jsonMatchersSchema = z
  .record(
    z
      .string()
      .describe(
        'A JSONPath such as $.status.readyReplicas (a bare status.readyReplicas is read as $.status.readyReplicas)',
      ),
    z
      .union([existsMatcherSchema, equalsMatcherSchema, jsonTextMatcherSchema, valueMatcherSchema])
      .describe('What the first value found must be, {exists: bool}, {equals: <JSON>} or {matches: regex}'),
  )
  .describe(
    'JSONPath → matcher. When a path finds several values, `exists` needs any, other matchers test the first',
  )
  .meta({ id: 'JsonMatchers' });
export type JsonMatchers = z.output<typeof jsonMatchersSchema>;

type Scalar = number | boolean | string;
type Comparison =
  | { op: '==' | '!=' | '>' | '>=' | '<' | '<='; operand: Scalar }
  | { op: '..'; lo: number; hi: number };

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const COMPARISON = /^\s*(>=|<=|!=|==|>|<)\s*(.*?)\s*$/;
const RANGE = /^\s*([+-]?\d+(?:\.\d+)?)\s*\.\.\s*([+-]?\d+(?:\.\d+)?)\s*$/;

/** A number for a number or a numeric string, else undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

function parseComparison(value: Scalar): Comparison {
  if (typeof value !== 'string') return { op: '==', operand: value };
  const range = RANGE.exec(value);
  if (range) return { op: '..', lo: Number(range[1]), hi: Number(range[2]) };
  const comparison = COMPARISON.exec(value);
  if (comparison) {
    const op = comparison[1] as '==' | '!=' | '>' | '>=' | '<' | '<=';
    const operand = comparison[2];
    // "<none>" is a value, not "less than none>": ordering needs a number.
    if (op === '==' || op === '!=' || toNumber(operand) !== undefined) return { op, operand };
  }
  return { op: '==', operand: value };
}

function equalScalars(expected: Scalar, actual: unknown): boolean {
  const a = toNumber(actual);
  const e = toNumber(expected);
  if (a !== undefined && e !== undefined) return a === e;
  return String(expected) === formatValue(actual);
}

function compare(c: Comparison, actual: unknown): boolean {
  if (c.op === '==') return equalScalars(c.operand, actual);
  if (c.op === '!=') return !equalScalars(c.operand, actual);
  const n = toNumber(actual);
  if (n === undefined) return false;
  if (c.op === '..') return n >= c.lo && n <= c.hi;
  const bound = toNumber(c.operand) as number;
  if (c.op === '>') return n > bound;
  if (c.op === '>=') return n >= bound;
  if (c.op === '<') return n < bound;
  return n <= bound;
}

function describeComparison(c: Comparison): string {
  if (c.op === '..') return `${c.lo}..${c.hi}`;
  if (c.op === '==') return formatValue(c.operand);
  return `${c.op} ${formatValue(c.operand)}`;
}

/** A value as reports show it: strings bare, JSON for objects, "nothing" for undefined. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

function valueConditions(matcher: ValueMatcher): Comparison[][] {
  // Outer list: all must hold; inner list: any must hold (one_of, a list).
  if (Array.isArray(matcher)) return [matcher.map((v) => ({ op: '==', operand: v }))];
  if (typeof matcher !== 'object') return [[parseComparison(matcher)]];
  const all: Comparison[][] = [];
  if (matcher.eq !== undefined) all.push([{ op: '==', operand: matcher.eq }]);
  if (matcher.ne !== undefined) all.push([{ op: '!=', operand: matcher.ne }]);
  if (matcher.gt !== undefined) all.push([{ op: '>', operand: matcher.gt }]);
  if (matcher.gte !== undefined) all.push([{ op: '>=', operand: matcher.gte }]);
  if (matcher.lt !== undefined) all.push([{ op: '<', operand: matcher.lt }]);
  if (matcher.lte !== undefined) all.push([{ op: '<=', operand: matcher.lte }]);
  if (matcher.between !== undefined) all.push([{ op: '..', lo: matcher.between[0], hi: matcher.between[1] }]);
  if (matcher.one_of !== undefined) all.push(matcher.one_of.map((v) => ({ op: '==', operand: v })));
  return all;
}

/** A human form of a value matcher: `0`, `>= 2`, `200..299`, `one of 0, 1`, `>= 1 and < 5`. */
export function describeValueMatcher(matcher: ValueMatcher): string {
  return valueConditions(matcher)
    .map((any) =>
      any.length === 1 ? describeComparison(any[0]) : `one of ${any.map(describeComparison).join(', ')}`,
    )
    .join(' and ');
}

/** Whether `actual` satisfies a value matcher, as an assertion named `name` (`exit code`, `status`). */
export function matchValue(name: string, matcher: ValueMatcher, actual: unknown): MatchResult {
  const conditions = valueConditions(matcher);
  const ok = conditions.length > 0 && conditions.every((any) => any.some((c) => compare(c, actual)));
  const expected = describeValueMatcher(matcher);
  const shown = formatValue(actual);
  return {
    name,
    ok,
    expected,
    actual: shown,
    message: ok ? `${name} ${shown}` : `${name} ${shown}, expected ${expected}`,
  };
}

/** Compile a spec's regex: JavaScript syntax, multiline, and a leading `(?i)` for case-insensitive. */
export function compileRegex(source: string): RegExp {
  const ignoreCase = source.startsWith('(?i)');
  return new RegExp(ignoreCase ? source.slice(4) : source, ignoreCase ? 'mi' : 'm');
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const trimEnd = (text: string) => text.replace(/(?:\r?\n)+$/, '');
const quote = (text: string) => JSON.stringify(text);

/** Lines in a text; a trailing newline does not start another line. */
export function countLines(text: string): number {
  return text === '' ? 0 : trimEnd(text).split(/\r?\n/).length;
}

/** A short excerpt of a text for `actual`: quoted, cut to 120 characters, with its line count. */
export function excerptText(text: string): string {
  if (text.trim() === '') return text === '' ? '(empty)' : '(whitespace only)';
  const lines = countLines(text);
  const chars = [...text];
  const cut = chars.length > 120 ? `${quote(chars.slice(0, 120).join(''))}…` : quote(text);
  return lines > 1 ? `${cut} (${lines} lines)` : cut;
}

function factFrom(value: string): string | number {
  return toNumber(value) ?? value;
}

/** Every matcher in a text matcher against `text`; named groups of `matches` regexes become facts. */
export function matchText(
  name: string,
  matcher: TextMatcher,
  text: string,
): { assertions: MatchResult[]; facts: Facts } {
  const m = typeof matcher === 'string' || Array.isArray(matcher) ? { contains: matcher } : matcher;
  const assertions: MatchResult[] = [];
  const facts: Facts = {};
  const actual = excerptText(text);
  const add = (ok: boolean, expected: string, pass: string, fail: string) =>
    assertions.push({
      name: `${name} ${expected}`,
      ok,
      expected,
      actual,
      message: `${name} ${ok ? pass : fail}`,
    });

  for (const s of list(m.contains)) {
    add(text.includes(s), `contains ${quote(s)}`, `contains ${quote(s)}`, `does not contain ${quote(s)}`);
  }
  for (const s of list(m.not_contains)) {
    add(
      !text.includes(s),
      `does not contain ${quote(s)}`,
      `does not contain ${quote(s)}`,
      `contains ${quote(s)}`,
    );
  }
  for (const source of list(m.matches)) {
    const found = compileRegex(source).exec(text);
    for (const [key, value] of Object.entries(found?.groups ?? {}))
      if (value !== undefined) facts[key] = factFrom(value);
    add(found !== null, `matches /${source}/`, `matches /${source}/`, `does not match /${source}/`);
  }
  for (const source of list(m.not_matches)) {
    const found = compileRegex(source).exec(text);
    const at = found ? ` (at ${quote(found[0].slice(0, 80))})` : '';
    add(
      found === null,
      `does not match /${source}/`,
      `does not match /${source}/`,
      `matches /${source}/${at}`,
    );
  }
  if (m.equals !== undefined) {
    add(
      trimEnd(text) === trimEnd(m.equals),
      `equals ${quote(m.equals)}`,
      `equals ${quote(m.equals)}`,
      `does not equal ${quote(m.equals)}`,
    );
  }
  if (m.empty !== undefined) {
    const empty = text.trim() === '';
    add(
      empty === m.empty,
      m.empty ? 'is empty' : 'is not empty',
      m.empty ? 'is empty' : 'is not empty',
      empty ? 'is empty' : 'is not empty',
    );
  }
  if (m.lines !== undefined) {
    const result = matchValue(`${name} lines`, m.lines, countLines(text));
    assertions.push({
      ...result,
      message: `${name} has ${result.actual} lines${result.ok ? '' : `, expected ${result.expected}`}`,
    });
  }
  return { assertions, facts };
}

/** `status.ready` → `$.status.ready`; a path that starts with `$` stays as written. */
export function normalizeJsonPath(path: string): string {
  const p = path.trim();
  if (p.startsWith('$')) return p;
  return p.startsWith('[') ? `$${p}` : `$.${p}`;
}

/** JSONPath matchers against a parsed JSON value. `exists` holds for any value found; others test the first. */
const TEXT_KEYS = ['contains', 'not_contains', 'matches', 'not_matches'];

export async function matchJson(
  name: string,
  matchers: JsonMatchers,
  value: unknown,
): Promise<MatchResult[]> {
  const { JSONPath } = await import('jsonpath-plus');
  return Object.entries(matchers).map(([rawPath, matcher]) => {
    const path = normalizeJsonPath(rawPath);
    const label = `${name} ${path}`;
    let found: unknown[];
    try {
      found = (JSONPath({ path, json: value as object, wrap: true }) as unknown[] | undefined) ?? [];
    } catch (error) {
      const why = `invalid JSONPath: ${(error as Error).message}`;
      return {
        name: label,
        ok: false,
        expected: 'a valid JSONPath',
        actual: why,
        message: `${label}: ${why}`,
      };
    }
    if (typeof matcher === 'object' && !Array.isArray(matcher) && 'exists' in matcher) {
      const exists = found.length > 0;
      const ok = exists === matcher.exists;
      const actual = exists ? `found ${formatValue(found[0])}` : `nothing at ${path}`;
      const expected = matcher.exists ? 'exists' : 'does not exist';
      return {
        name: label,
        ok,
        expected,
        actual,
        message: ok
          ? `${label} ${expected}`
          : `${label}: ${actual}, expected it ${matcher.exists ? 'to exist' : 'not to exist'}`,
      };
    }
    if (typeof matcher === 'object' && !Array.isArray(matcher) && 'equals' in matcher) {
      const expected = formatValue(matcher.equals);
      if (found.length === 0) {
        const actual = `nothing at ${path}`;
        return { name: label, ok: false, expected, actual, message: `${actual}, expected ${expected}` };
      }
      const ok = isDeepStrictEqual(found[0], matcher.equals);
      const actual = formatValue(found[0]);
      return {
        name: label,
        ok,
        expected,
        actual,
        message: ok ? `${label} is ${actual}` : `${label} is ${actual}, expected ${expected}`,
      };
    }
    if (typeof matcher === 'object' && !Array.isArray(matcher) && TEXT_KEYS.some((k) => k in matcher)) {
      if (found.length === 0) {
        const actual = `nothing at ${path}`;
        return { name: label, ok: false, expected: 'text', actual, message: `${actual}, expected a value` };
      }
      const text = typeof found[0] === 'string' ? found[0] : JSON.stringify(found[0]);
      const results = matchText(label, matcher as TextMatcher, text).assertions;
      const bad = results.find((r) => !r.ok);
      return bad ?? { ...results[0], name: label };
    }
    const valueMatcher = matcher as ValueMatcher;
    if (found.length === 0) {
      const expected = describeValueMatcher(valueMatcher);
      const actual = `nothing at ${path}`;
      return { name: label, ok: false, expected, actual, message: `${actual}, expected ${expected}` };
    }
    return matchValue(label, valueMatcher, found[0]);
  });
}

/** Pass when every assertion holds; else fail, led by the first failing one. */
export function outcomeFromAssertions(
  assertions: (Assertion & { message?: string })[],
  facts?: Facts,
): CheckOutcome {
  const messageOf = (a: Assertion & { message?: string }) =>
    a.message ?? (a.ok ? `${a.name} ${a.actual}` : `${a.name} ${a.actual}, expected ${a.expected}`);
  const failing = assertions.filter((a) => !a.ok);
  const shown = failing.length > 0 ? failing : assertions;
  const outcome: CheckOutcome = {
    status: failing.length > 0 ? 'fail' : 'pass',
    message:
      failing.length === 0
        ? assertions.map(messageOf).join('; ') || 'nothing to check'
        : `${messageOf(failing[0])}${failing.length > 1 ? ` (and ${failing.length - 1} more)` : ''}`,
    expected: shown.map((a) => `${a.name}: ${a.expected}`).join('; '),
    observed: shown.map((a) => `${a.name}: ${a.actual}`).join('; '),
    assertions,
  };
  if (facts && Object.keys(facts).length > 0) outcome.facts = facts;
  return outcome;
}

const REGEX_KEYS = new Set(['matches', 'not_matches', 'pattern']);

/** Every `matches` / `not_matches` / `pattern` regex in an options object that does not compile, with its path. */
export function findInvalidRegexes(value: unknown, path = ''): { path: string; error: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => findInvalidRegexes(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const problems: { path: string; error: string }[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (REGEX_KEYS.has(key) && (typeof child === 'string' || Array.isArray(child))) {
      const sources =
        typeof child === 'string' ? [[childPath, child]] : child.map((s, i) => [`${childPath}[${i}]`, s]);
      for (const [p, source] of sources) {
        if (typeof source !== 'string') continue;
        try {
          compileRegex(source);
        } catch (error) {
          problems.push({ path: p, error: (error as Error).message });
        }
      }
    } else {
      problems.push(...findInvalidRegexes(child, childPath));
    }
  }
  return problems;
}
