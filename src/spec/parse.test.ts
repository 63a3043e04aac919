import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTypes } from '../checks/index.js';
import type { SpecProblem } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import { closest, findNode, formatPath, MAX_SPEC_BYTES, parseLabText, position } from './parse.js';

const HEAD = 'id: lab\ntitle: A lab\n';

/** The problems of a text, as `line:col message (path)` strings: easy to read in a failing diff. */
function problems(text: string | Uint8Array): string[] {
  return parseLabText(text, 'lab.yaml').problems.map(
    (p: SpecProblem) => `${p.line}:${p.column} ${p.message}${p.path ? ` (${p.path})` : ''}`,
  );
}

describe('parseLabText on valid labs', () => {
  it('returns the lab of week-00 with no problems', () => {
    const file = join(packageRoot(), 'labs/week-00.yaml');
    const result = parseLabText(readFileSync(file), file);
    expect(result.problems).toEqual([]);
    expect(result.lab?.id).toBe('week-00');
    expect(result.lab?.steps?.map((s) => s.id)).toContain('serve');
  });

  it('applies the check modules’ own defaults', () => {
    const result = parseLabText(`${HEAD}verify:\n  - command: { run: 'true' }\n`, 'lab.yaml');
    expect((result.lab!.verify![0] as Record<string, unknown>).command).toEqual({
      run: 'true',
      exit_code: 0,
    });
  });

  it('takes text and bytes alike, with or without a byte-order mark', () => {
    const text = `${HEAD}week: 3\n`;
    const fromText = parseLabText(text, 'lab.yaml');
    expect(parseLabText(new TextEncoder().encode(text), 'lab.yaml').lab).toEqual(fromText.lab);
    expect(parseLabText(`\ufeff${text}`, 'lab.yaml').lab).toEqual(fromText.lab);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    expect(parseLabText(bom, 'lab.yaml').lab).toEqual({ id: 'lab', title: 'A lab', week: 3 });
  });

  it('allows a few aliases (an anchor reused)', () => {
    const text = `${HEAD}steps:\n  - id: a\n    run: x\n    env: &env { A: '1' }\n  - id: b\n    run: y\n    env: *env\n`;
    const result = parseLabText(text, 'lab.yaml');
    expect(result.problems).toEqual([]);
    expect(result.lab?.steps?.[1].env).toEqual({ A: '1' });
  });

  it('reads a lab under a comment banner (no exponential backtracking)', () => {
    const banner = `${'#'.repeat(200)}\n# Week 5\n${'#'.repeat(200)}\n`;
    expect(parseLabText(`${banner}${HEAD}`, 'lab.yaml').lab).toEqual({ id: 'lab', title: 'A lab' });
    expect(problems(banner)).toEqual(['1:1 file is empty: a lab needs at least id and title']);
  });

  it('keeps the YAML document and source text for the rules', () => {
    const result = parseLabText(`${HEAD}week: 2\n`, 'lab.yaml');
    expect(result.yaml?.text).toBe(`${HEAD}week: 2\n`);
    expect(position(result.yaml!, findNode(result.yaml!.doc, ['week']))).toEqual({ line: 3, column: 7 });
  });
});

describe('parseLabText: bytes that are not a lab', () => {
  it('refuses more than 1 MiB, counting bytes, not characters', () => {
    const chars = MAX_SPEC_BYTES / 2 + 1; // each é is two bytes in UTF-8
    const text = `${HEAD}goal: ${'é'.repeat(chars)}\n`;
    expect(text.length).toBeLessThan(MAX_SPEC_BYTES);
    expect(problems(text)).toEqual(['1:1 file is 1.0 MiB; a lab spec may be at most 1 MiB']);
    expect(problems(new Uint8Array(3 * 1024 * 1024))).toEqual([
      '1:1 file is 3.0 MiB; a lab spec may be at most 1 MiB',
    ]);
  });

  it('points at the first byte that is not UTF-8', () => {
    const bytes = (...parts: (string | number[])[]) =>
      new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
    expect(problems(bytes('id: x', [0xff], '\n'))).toEqual(['1:6 file is not valid UTF-8 text']);
    expect(problems(bytes(HEAD, 'goal: caf', [0xc3], '\n'))).toEqual(['3:10 file is not valid UTF-8 text']);
    // Valid multi-byte characters before the bad byte count as one column each.
    expect(problems(bytes(HEAD, 'goal: ééé', [0xe9, 0x20], '\n'))).toEqual([
      '3:10 file is not valid UTF-8 text',
    ]);
    // An encoded surrogate, an overlong form, a sequence cut short by the end of the file.
    expect(problems(bytes('id: x\n', [0xed, 0xa0, 0x80], '\n'))).toEqual([
      '2:1 file is not valid UTF-8 text',
    ]);
    expect(problems(bytes('id: x\ntitle: ', [0xc0, 0x80], '\n'))).toEqual([
      '2:8 file is not valid UTF-8 text',
    ]);
    expect(problems(bytes('id: ', [0xe2, 0x82]))).toEqual(['1:5 file is not valid UTF-8 text']);
  });

  it.each([
    ['nothing', ''],
    ['blank lines', '\n\n   \n'],
    ['comments', '# a comment\n  # another\n\n'],
    ['a comment with no newline', '# only this'],
  ])('calls a file of %s empty', (_name, text) => {
    expect(problems(text)).toEqual(['1:1 file is empty: a lab needs at least id and title']);
  });

  it.each([
    ['a list', '- id: lab\n  title: A lab\n'],
    ['a string', 'just some words\n'],
    ['a number', '42\n'],
    ['null', '~\n'],
  ])('refuses %s at the top level', (_name, text) => {
    expect(problems(text)).toEqual(['1:1 a lab spec must be a YAML mapping (id: …, title: …, steps: …)']);
  });
});

describe('parseLabText: YAML errors', () => {
  it('points at an unclosed [ or { where it opens, not at the end of the file', () => {
    expect(problems(`${HEAD}requires: [bash, curl\nsteps: []\n`)).toEqual([
      '3:11 YAML syntax error: the [ opened here is never closed with ]',
    ]);
    expect(problems(`${HEAD}vars: { port: 8080\n`)).toEqual([
      '3:7 YAML syntax error: the { opened here is never closed with }',
    ]);
  });

  it('points at an unclosed quote where it opens', () => {
    expect(problems('id: lab\ntitle: "A lab\nweek: 1\n')).toEqual([
      '2:8 YAML syntax error: the " opened here is never closed',
    ]);
    expect(problems("id: lab\ntitle: 'A lab\n")).toEqual([
      "2:8 YAML syntax error: the ' opened here is never closed",
    ]);
  });

  it('reports tabs, duplicate keys and several documents in words', () => {
    expect(problems(`${HEAD}steps:\n  - id: a\n\trun: x\n`)).toEqual([
      '5:1 tab used for indentation: YAML indents with spaces',
    ]);
    expect(problems(`${HEAD}steps:\n  - id: a\n    run: x\n    run: y\n`)).toEqual([
      '6:5 duplicate key: each key may appear once in a mapping',
    ]);
    expect(problems(`${HEAD}---\n${HEAD}`)).toEqual([
      '3:1 YAML syntax error: a lab file holds one YAML document (remove the ---)',
    ]);
  });

  it('passes other syntax errors on with their position', () => {
    expect(problems(`${HEAD}goal: a: b\n`)).toEqual([
      '3:7 YAML syntax error: Nested mappings are not allowed in compact mappings',
    ]);
  });

  it('refuses an alias bomb at its first alias, without expanding it', () => {
    const levels = 'abcdefghi'.split('');
    const lines = levels.map((name, i) =>
      i === 0
        ? `${name}: &${name} [lol, lol, lol, lol, lol, lol, lol, lol, lol]`
        : `${name}: &${name} [${Array(9)
            .fill(`*${levels[i - 1]}`)
            .join(', ')}]`,
    );
    const text = `${HEAD}${lines.join('\n')}\n`;
    const start = performance.now();
    expect(problems(text)).toEqual([
      '4:8 too many YAML aliases (more than 100 expansions): refused as a possible alias bomb',
    ]);
    // 9^9 strings would take minutes and gigabytes; refusing takes milliseconds.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('parseLabText: schema problems', () => {
  it('reports every problem at once, each at its value', () => {
    const text = `${HEAD}week: five\nduration: a while\nsteps:\n  - id: a\n    run: x\n    retries: -1\n`;
    expect(problems(text)).toEqual([
      '3:7 expected number, got string (week)',
      '4:11 expected a duration such as 500ms, 90s, 10m or 1h30m (duration)',
      '8:14 expected a number >= 0 (steps[0].retries)',
    ]);
  });

  it('points a missing field at the mapping that lacks it', () => {
    expect(problems('goal: x\n\ntitle: y\n')).toEqual(['1:1 missing required field "id" (id)']);
    expect(problems(`${HEAD}steps:\n  - run: x\n`)).toEqual([
      '4:5 missing required field "id" (steps[0].id)',
    ]);
    expect(problems(`${HEAD}steps:\n  - id: a\n    script: { args: [x] }\n`)).toEqual([
      '5:13 missing required field "body" (steps[0].script.body)',
    ]);
  });

  it('suggests the field a typo meant, from the schema at that place', () => {
    expect(problems('id: lab\ntitel: A lab\n')).toContain('2:1 unknown field "titel"; did you mean "title"?');
    expect(problems(`${HEAD}steps:\n  - id: a\n    run: x\n    contine_on_error: true\n`)).toEqual([
      '6:5 unknown field "contine_on_error"; did you mean "continue_on_error"? (steps[0])',
    ]);
    expect(problems(`${HEAD}requires: { comands: [docker] }\n`)).toEqual([
      '3:13 unknown field "comands"; did you mean "commands"? (requires)',
    ]);
    expect(problems(`${HEAD}vars:\n  port: { default: 1, descripton: x }\n`)).toEqual([
      '4:23 unknown field "descripton"; did you mean "description"? (vars.port)',
    ]);
    expect(problems(`${HEAD}choices:\n  c: { prompt: p, options: [a, { value: b, lable: B }] }\n`)).toEqual([
      '4:44 unknown field "lable"; did you mean "label"? (choices.c.options[1])',
    ]);
    expect(problems(`${HEAD}verify:\n  - command: { run: x, stdout: { matchez: a } }\n`)).toContain(
      '4:34 unknown field "matchez"; did you mean "matches"? (verify[0].command.stdout)',
    );
  });

  it('names check types for an unknown key in a check', () => {
    expect(problems(`${HEAD}verify:\n  - id: a\n    htp: { url: 'http://x' }\n`)).toEqual([
      '5:5 unknown check type or field "htp"; did you mean "http"? (verify[0])',
    ]);
    expect(problems(`${HEAD}verify:\n  - docker: { image: web }\n`)).toEqual([
      `4:5 unknown check type or field "docker"; check types: ${checkTypes.join(', ')} (verify[0])`,
    ]);
    expect(
      problems(`${HEAD}steps:\n  - id: a\n    background: { run: x, ready: { prot: { port: 1 } } }\n`),
    ).toEqual(['5:36 unknown check type or field "prot"; did you mean "port"? (steps[0].background.ready)']);
  });

  it('names the other unknown keys of the same mapping', () => {
    expect(problems(`${HEAD}foo: 1\nbar: 2\n`)).toEqual(['3:1 unknown field "foo" (also: bar)']);
  });

  it('says which types a union takes when the value has none of them', () => {
    expect(problems(`${HEAD}requires: docker\n`)).toEqual([
      '3:11 expected array or object, got string (requires)',
    ]);
    expect(problems(`${HEAD}vars:\n  port: [1]\n`)).toEqual([
      '4:9 expected string, number, boolean or object, got array (vars.port)',
    ]);
    expect(problems(`${HEAD}steps:\n  - id: a\n    run: x\n    confirm: 3\n`)).toEqual([
      '6:14 expected boolean or string, got number (steps[0].confirm)',
    ]);
  });

  it('follows a union into the branch that fits the value', () => {
    expect(problems(`${HEAD}requires: [docker, 5]\n`)).toEqual([
      '3:20 expected string, got number (requires[1])',
    ]);
  });

  it('words sizes, bounds, whole numbers and patterns', () => {
    expect(problems('id: lab\ntitle: ""\n')).toEqual(['2:8 expected a non-empty string (title)']);
    expect(problems(`${HEAD}week: 1.5\n`)).toEqual(['3:7 expected a whole number (week)']);
    expect(problems(`${HEAD}week: 41\n`)).toEqual(['3:7 expected a number <= 40 (week)']);
    expect(problems(`${HEAD}requires: { cpus: 0 }\n`)).toEqual([
      '3:19 expected a number > 0 (requires.cpus)',
    ]);
    expect(problems(`${HEAD}choices:\n  c: { prompt: p, options: [a] }\n`)).toEqual([
      '4:28 expected at least 2 items (choices.c.options)',
    ]);
    expect(problems('id: Week_05\ntitle: x\n')).toEqual([
      '1:5 expected text matching /^[a-z0-9][a-z0-9-]*$/ (id)',
    ]);
    expect(problems(`${HEAD}files:\n  - { template: a, to: b, mode: '999' }\n`)).toEqual([
      '4:33 expected an octal mode such as 0644 or 755 (files[0].mode)',
    ]);
    expect(problems(`${HEAD}requires: { os: [beos] }\n`)).toEqual([
      '3:18 expected one of "linux", "darwin", "win32" (requires.os[0])',
    ]);
  });

  it('points a bad var or choice name at the name', () => {
    expect(problems(`${HEAD}vars:\n  ok: 1\n  max-tokens: 64\n`)).toEqual([
      '5:3 invalid name "max-tokens": expected text matching /^[A-Za-z_][A-Za-z0-9_]*$/ (vars.max-tokens)',
    ]);
  });

  it('positions right with CRLF line ends', () => {
    expect(problems('id: lab\r\ntitle: A lab\r\nweek: five\r\n')).toEqual([
      '3:7 expected number, got string (week)',
    ]);
  });
});

describe('closest', () => {
  const words = ['title', 'timeout', 'steps', 'exit_code'];

  it('picks the nearest word within two edits', () => {
    expect(closest('titel', words)).toBe('title');
    expect(closest('timout', words)).toBe('timeout');
    expect(closest('exitcode', words)).toBe('exit_code');
    expect(closest('TITLE', words)).toBe('title');
  });

  it('breaks a tie by the longer shared start, whatever the order', () => {
    expect(closest('cpu', ['gpu', 'cpus'])).toBe('cpus');
    expect(closest('cpu', ['cpus', 'gpu'])).toBe('cpus');
    expect(closest('gpus', ['cpus', 'gpu'])).toBe('gpu');
  });

  it('suggests nothing for a word far from all', () => {
    expect(closest('kubernetes', words)).toBeUndefined();
    expect(closest('foo', ['pod', 'id'])).toBeUndefined();
    expect(closest('po', ['pod'])).toBe('pod');
    expect(closest('x', [])).toBeUndefined();
  });
});

describe('formatPath', () => {
  it('writes paths as in the docs', () => {
    expect(formatPath(['steps', 2, 'expect', 0, 'timeout'])).toBe('steps[2].expect[0].timeout');
    expect(formatPath(['vars', 'port'])).toBe('vars.port');
    expect(formatPath([])).toBe('');
  });
});
