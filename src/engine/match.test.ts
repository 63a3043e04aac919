import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compileRegex,
  countLines,
  describeValueMatcher,
  excerptText,
  findInvalidRegexes,
  jsonMatchersSchema,
  matchJson,
  matchText,
  matchValue,
  normalizeJsonPath,
  outcomeFromAssertions,
  textMatcherSchema,
  toNumber,
  valueMatcherSchema,
} from './match.js';

describe('valueMatcherSchema', () => {
  it.each([
    0,
    true,
    'Running',
    '>= 2',
    '200..299',
    [0, 1],
    { gte: 1, lt: 5 },
    { between: [1, 3] },
    { one_of: ['a', 'b'] },
    { eq: 'x', ne: 'y' },
  ])('accepts %j', (value) => {
    expect(valueMatcherSchema.safeParse(value).success).toBe(true);
  });

  it.each([{}, { gte: 'x' }, { gtee: 1 }, [], { between: [1] }, null])('rejects %j', (value) => {
    expect(valueMatcherSchema.safeParse(value).success).toBe(false);
  });

  it('says why an empty map is wrong', () => {
    const result = valueMatcherSchema.safeParse({});
    expect(result.error?.issues.map((i) => i.message).join()).toContain('name at least one matcher');
  });
});

describe('textMatcherSchema and jsonMatchersSchema', () => {
  it.each(['Ready', ['a', 'b'], { contains: 'a', not_matches: ['x', 'y'], lines: '>= 2', empty: false }])(
    'text accepts %j',
    (value) => {
      expect(textMatcherSchema.safeParse(value).success).toBe(true);
    },
  );

  it.each([{}, { contain: 'a' }, 3, { empty: 'yes' }])('text rejects %j', (value) => {
    expect(textMatcherSchema.safeParse(value).success).toBe(false);
  });

  it('json accepts value matchers and exists, rejects a typo', () => {
    expect(jsonMatchersSchema.safeParse({ '$.a': 1, b: { exists: false }, c: '>= 2' }).success).toBe(true);
    expect(jsonMatchersSchema.safeParse({ a: { exist: true } }).success).toBe(false);
  });

  it('every schema is JSON-Schema-representable, with descriptions', () => {
    for (const schema of [valueMatcherSchema, textMatcherSchema, jsonMatchersSchema]) {
      const json = z.toJSONSchema(schema, { io: 'input' });
      // Schemas with an id become a $ref into definitions (one copy in the lab schema).
      const ref = (json.$ref as string | undefined)?.split('/').pop();
      const defs = (json.$defs ?? json.definitions) as Record<string, { description?: string }> | undefined;
      expect(json.description ?? (ref ? defs?.[ref]?.description : undefined)).toBeTruthy();
    }
  });
});

describe('toNumber', () => {
  it.each([
    [12.5, 12.5],
    ['12.5', 12.5],
    [' 3 ', 3],
    ['-1e3', -1000],
    ['.5', 0.5],
    ['abc', undefined],
    ['', undefined],
    ['1.2.3', undefined],
    [true, undefined],
    [Number.NaN, undefined],
  ])('%j → %j', (value, expected) => {
    expect(toNumber(value)).toBe(expected);
  });
});

describe('matchValue', () => {
  it('scalar equality, numeric across types', () => {
    expect(matchValue('exit code', 0, 0).ok).toBe(true);
    expect(matchValue('speed', 12.5, '12.5').ok).toBe(true);
    expect(matchValue('speed', '12.50', 12.5).ok).toBe(true);
    expect(matchValue('phase', 'Running', 'Running').ok).toBe(true);
    expect(matchValue('ready', true, true).ok).toBe(true);
    expect(matchValue('ready', true, 'true').ok).toBe(true);
    expect(matchValue('ready', true, false).ok).toBe(false);
  });

  it('fails with a message that leads with the reason', () => {
    const result = matchValue('exit code', 0, 1);
    expect(result).toEqual({
      name: 'exit code',
      ok: false,
      expected: '0',
      actual: '1',
      message: 'exit code 1, expected 0',
    });
    expect(matchValue('phase', 'Running', 'Pending').message).toBe('phase Pending, expected Running');
    expect(matchValue('exit code', 0, 0).message).toBe('exit code 0');
  });

  it.each([
    ['>= 2', 2, true],
    ['>= 2', 1.9, false],
    ['<5', 4, true],
    ['<5', 5, false],
    ['> 1.5', '1.6', true],
    ['> 1.5', 1.5, false],
    ['<= 0', -1, true],
    ['!= 0', 3, true],
    ['!= 0', 0, false],
    ['== 3', '3.0', true],
    ['== abc', 'abc', true],
    ['!= abc', 'abd', true],
    ['200..299', 204, true],
    ['200..299', 299, true],
    ['200..299', 300, false],
    ['-1..1', 0, true],
    ['>= 2', 'lots', false],
    ['<none>', '<none>', true],
  ] as const)('%j against %j → %j', (matcher, actual, ok) => {
    expect(matchValue('v', matcher, actual).ok).toBe(ok);
  });

  it('a list means one of', () => {
    expect(matchValue('exit code', [0, 1], 1).ok).toBe(true);
    const result = matchValue('exit code', [0, 1], 2);
    expect(result.ok).toBe(false);
    expect(result.message).toBe('exit code 2, expected one of 0, 1');
  });

  it('a map needs every matcher to hold', () => {
    expect(matchValue('n', { gte: 1, lt: 5 }, 3).ok).toBe(true);
    expect(matchValue('n', { gte: 1, lt: 5 }, 5).message).toBe('n 5, expected >= 1 and < 5');
    expect(matchValue('n', { gt: 0, lte: 2 }, 2).ok).toBe(true);
    expect(matchValue('n', { between: [1, 3] }, 3).ok).toBe(true);
    expect(matchValue('n', { between: [1, 3] }, 4).message).toBe('n 4, expected 1..3');
    expect(matchValue('n', { one_of: ['a', 'b'] }, 'c').message).toBe('n c, expected one of a, b');
    expect(matchValue('n', { eq: 2 }, '2').ok).toBe(true);
    expect(matchValue('n', { ne: 'x' }, 'x').message).toBe('n x, expected != x');
  });

  it('shows objects, null and missing values', () => {
    expect(matchValue('v', 1, { a: 1 }).actual).toBe('{"a":1}');
    expect(matchValue('v', 1, null).actual).toBe('null');
    expect(matchValue('v', 1, undefined).actual).toBe('nothing');
  });
});

describe('describeValueMatcher', () => {
  it.each([
    [0, '0'],
    ['>=2', '>= 2'],
    ['200..299', '200..299'],
    [[0, 1], 'one of 0, 1'],
    [{ gte: 2, lt: 5 }, '>= 2 and < 5'],
    [{ between: [1, 2] }, '1..2'],
    ['Running', 'Running'],
  ] as const)('%j → %s', (matcher, text) => {
    expect(describeValueMatcher(matcher as never)).toBe(text);
  });
});

describe('matchText', () => {
  const output = 'Loading model…\nspeedup: 3.5x on 2 GPUs\nServer Ready ✓\n';

  it('a string means contains', () => {
    expect(matchText('stdout', 'Ready', output).assertions[0].ok).toBe(true);
    const [failed] = matchText('stdout', 'Started', output).assertions;
    expect(failed.ok).toBe(false);
    expect(failed.message).toBe('stdout does not contain "Started"');
    expect(failed.expected).toBe('contains "Started"');
    expect(failed.actual).toContain('(3 lines)');
  });

  it('a list means contains all', () => {
    const { assertions } = matchText('stdout', ['Ready', 'GPUs', 'nope'], output);
    expect(assertions.map((a) => a.ok)).toEqual([true, true, false]);
  });

  it('not_contains', () => {
    expect(matchText('stderr', { not_contains: 'Traceback' }, 'fine').assertions[0].ok).toBe(true);
    const [failed] = matchText(
      'stderr',
      { not_contains: ['Traceback'] },
      'Traceback (most recent call last)',
    ).assertions;
    expect(failed.ok).toBe(false);
    expect(failed.message).toBe('stderr contains "Traceback"');
  });

  it('matches is multiline and captures named groups as numbers or strings', () => {
    const { assertions, facts } = matchText(
      'stdout',
      { matches: ['^speedup: (?<speedup>[\\d.]+)x on (?<gpus>\\d+) (?<unit>\\w+)$', '^Server Ready'] },
      output,
    );
    expect(assertions.every((a) => a.ok)).toBe(true);
    expect(facts).toEqual({ speedup: 3.5, gpus: 2, unit: 'GPUs' });
  });

  it('matches failure names the regex; (?i) ignores case', () => {
    const [failed] = matchText('stdout', { matches: '^ready$' }, output).assertions;
    expect(failed.message).toBe('stdout does not match /^ready$/');
    expect(matchText('stdout', { matches: '(?i)server ready' }, output).assertions[0].ok).toBe(true);
  });

  it('not_matches shows where it matched', () => {
    const [failed] = matchText('stderr', { not_matches: 'Err\\w+' }, 'x\nErrNo 5\n').assertions;
    expect(failed.ok).toBe(false);
    expect(failed.message).toBe('stderr matches /Err\\w+/ (at "ErrNo")');
    expect(matchText('stderr', { not_matches: 'Err' }, 'fine').assertions[0].ok).toBe(true);
  });

  it('equals ignores trailing newlines', () => {
    expect(matchText('stdout', { equals: 'hello' }, 'hello\n').assertions[0].ok).toBe(true);
    const [failed] = matchText('stdout', { equals: 'hello' }, 'hello world\n').assertions;
    expect(failed.message).toBe('stdout does not equal "hello"');
    expect(failed.actual).toBe('"hello world\\n"');
  });

  it('empty', () => {
    expect(matchText('stderr', { empty: true }, ' \n').assertions[0].ok).toBe(true);
    expect(matchText('stderr', { empty: true }, 'warning').assertions[0].message).toBe('stderr is not empty');
    expect(matchText('stdout', { empty: false }, '').assertions[0].message).toBe('stdout is empty');
    expect(matchText('stdout', { empty: false }, 'x').assertions[0].ok).toBe(true);
  });

  it('lines counts lines, a trailing newline ending the last', () => {
    expect(matchText('stdout', { lines: 3 }, output).assertions[0].ok).toBe(true);
    const [failed] = matchText('stdout', { lines: '>= 5' }, output).assertions;
    expect(failed.message).toBe('stdout has 3 lines, expected >= 5');
  });

  it('handles unicode text', () => {
    const text = 'モデル準備完了 🚀\nGPU温度: 65°C';
    const { assertions, facts } = matchText(
      'stdout',
      { contains: '🚀', matches: 'GPU温度: (?<temp>\\d+)°C' },
      text,
    );
    expect(assertions.every((a) => a.ok)).toBe(true);
    expect(facts).toEqual({ temp: 65 });
    expect(excerptText('🚀'.repeat(200))).toBe(`"${'🚀'.repeat(120)}"…`);
  });

  it('every matcher in a map must hold', () => {
    const { assertions } = matchText('out', { contains: 'a', not_contains: 'b', empty: false }, 'ab');
    expect(assertions.map((a) => a.ok)).toEqual([true, false, true]);
  });
});

describe('countLines and excerptText', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['a\n', 1],
    ['a\nb', 2],
    ['a\r\nb\r\n', 2],
  ])('%j has %i lines', (text, n) => {
    expect(countLines(text)).toBe(n);
  });

  it('shows empty and whitespace-only text plainly', () => {
    expect(excerptText('')).toBe('(empty)');
    expect(excerptText('  \n')).toBe('(whitespace only)');
  });
});

describe('matchJson', () => {
  const doc = {
    status: { readyReplicas: 4, phase: 'Running', ratio: '0.75' },
    items: [
      { name: 'a', ready: false },
      { name: 'b', ready: true },
    ],
    'odd key': 1,
  };

  it('matches found values, bare dotted paths included', async () => {
    const results = await matchJson(
      'json',
      { '$.status.readyReplicas': 4, 'status.phase': 'Running', '$.items.length': '>= 2' },
      doc,
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  });

  it('compares numeric strings numerically', async () => {
    const [result] = await matchJson('json', { 'status.ratio': { gte: 0.5 } }, doc);
    expect(result.ok).toBe(true);
  });

  it('fails with the path and what it found', async () => {
    const [result] = await matchJson('json', { 'status.readyReplicas': 5 }, doc);
    expect(result.ok).toBe(false);
    expect(result.message).toBe('json $.status.readyReplicas 4, expected 5');
  });

  it('a path that finds nothing fails with "nothing at"', async () => {
    const [result] = await matchJson('json', { '$.status.missing': 1 }, doc);
    expect(result).toMatchObject({ ok: false, actual: 'nothing at $.status.missing' });
    expect(result.message).toBe('nothing at $.status.missing, expected 1');
  });

  it('equals: the whole value, a list in order and an object with exactly its keys', async () => {
    const shaped = { shape: [-1, 3, 224, 224], meta: { a: 1, b: [2] } };
    const results = await matchJson(
      'json',
      {
        '$.shape': { equals: [-1, 3, 224, 224] },
        '$.meta': { equals: { b: [2], a: 1 } },
        '$.shape[1]': { equals: 3 },
      },
      shaped,
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    const [order] = await matchJson('json', { '$.shape': { equals: [3, -1, 224, 224] } }, shaped);
    expect(order).toMatchObject({ ok: false, actual: '[-1,3,224,224]' });
    const [extra] = await matchJson('json', { '$.meta': { equals: { a: 1 } } }, shaped);
    expect(extra.ok).toBe(false);
    const [missing] = await matchJson('json', { '$.nope': { equals: [] } }, shaped);
    expect(missing).toMatchObject({ ok: false, actual: 'nothing at $.nope' });
  });

  it('a text matcher on the value found: a JWT, a provider name', async () => {
    const answer = {
      access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      providers: ['CUDAExecutionProvider'],
    };
    const results = await matchJson(
      'json',
      {
        '$.access_token': { matches: '^[\\w-]+\\.[\\w-]+\\.[\\w-]+$' },
        '$.providers': { contains: 'CUDA' },
        '$.providers[0]': { not_matches: '^CPU' },
      },
      answer,
    );
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['json $.access_token', true],
      ['json $.providers', true],
      ['json $.providers[0]', true],
    ]);
    const [bad] = await matchJson('json', { '$.access_token': { matches: '^Bearer ' } }, answer);
    expect(bad.ok).toBe(false);
    const [none] = await matchJson('json', { '$.nope': { contains: 'x' } }, answer);
    expect(none).toMatchObject({ ok: false, actual: 'nothing at $.nope' });
  });

  it('exists: any value found; false: none', async () => {
    const results = await matchJson(
      'json',
      { '$.items[*].name': { exists: true }, '$.nope': { exists: false }, '$.status': { exists: false } },
      doc,
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2].message).toContain('expected it not to exist');
    const [missing] = await matchJson('json', { '$.nope': { exists: true } }, doc);
    expect(missing.message).toBe('json $.nope: nothing at $.nope, expected it to exist');
  });

  it('several values: other matchers test the first', async () => {
    expect((await matchJson('json', { '$.items[*].ready': false }, doc))[0].ok).toBe(true);
    expect((await matchJson('json', { '$.items[*].ready': true }, doc))[0].ok).toBe(false);
  });

  it('works on scalars, arrays and null documents', async () => {
    expect((await matchJson('json', { $: 42 }, 42))[0].ok).toBe(true);
    expect((await matchJson('json', { '[1]': 'b' }, ['a', 'b']))[0].ok).toBe(true);
    expect((await matchJson('json', { a: 1 }, null))[0].actual).toBe('nothing at $.a');
  });

  it('normalizeJsonPath', () => {
    expect(normalizeJsonPath('a.b')).toBe('$.a.b');
    expect(normalizeJsonPath(' $.a ')).toBe('$.a');
    expect(normalizeJsonPath('[0].x')).toBe('$[0].x');
  });
});

describe('outcomeFromAssertions', () => {
  it('passes when all hold', () => {
    const outcome = outcomeFromAssertions([matchValue('exit code', 0, 0)], { x: 1 });
    expect(outcome).toMatchObject({ status: 'pass', message: 'exit code 0', facts: { x: 1 } });
  });

  it('fails with the first failing message, expected/observed of the failing ones', () => {
    const outcome = outcomeFromAssertions([
      matchValue('exit code', 0, 0),
      matchValue('status', '200..299', 503),
      ...matchText('body', 'ok', 'down').assertions,
    ]);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('status 503, expected 200..299 (and 1 more)');
    expect(outcome.expected).toBe('status: 200..299; body contains "ok": contains "ok"');
    expect(outcome.observed).toBe('status: 503; body contains "ok": "down"');
    expect(outcome.assertions).toHaveLength(3);
    expect(outcome.facts).toBeUndefined();
  });

  it('builds a message for plain assertions', () => {
    const outcome = outcomeFromAssertions([{ name: 'count', ok: false, expected: '2', actual: '1' }]);
    expect(outcome.message).toBe('count 1, expected 2');
  });

  it('an empty list passes', () => {
    expect(outcomeFromAssertions([]).status).toBe('pass');
  });
});

describe('regexes', () => {
  it('compileRegex is multiline; (?i) adds ignore-case', () => {
    expect(compileRegex('^b$').test('a\nb')).toBe(true);
    expect(compileRegex('(?i)^B$').flags).toBe('im');
  });

  it('findInvalidRegexes reports each bad matches / not_matches / pattern with its path', () => {
    const options = {
      run: 'x',
      stdout: { matches: ['ok', '(unclosed'], not_matches: '[z-a]' },
      headers_match: { 'content-type': { matches: 'json' } },
      pattern: '*bad',
      nested: [{ matches: '(?<n>\\d+)' }, { matches: '(?<n' }],
    };
    const problems = findInvalidRegexes(options);
    expect(problems.map((p) => p.path)).toEqual([
      'stdout.matches[1]',
      'stdout.not_matches',
      'pattern',
      'nested[1].matches',
    ]);
    expect(problems[0].error).toMatch(/Invalid regular expression/);
    expect(findInvalidRegexes({ matches: 'fine' })).toEqual([]);
  });
});
