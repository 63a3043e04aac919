// A file or folder on the target: whether it exists, its type, mode, size, content and parsed JSON/YAML.
import { posix } from 'node:path';
import { z } from 'zod';
import {
  excerptText,
  type Facts,
  jsonMatchersSchema,
  type MatchResult,
  matchJson,
  matchText,
  matchValue,
  outcomeFromAssertions,
  textMatcherSchema,
  valueMatcherSchema,
} from '../engine/match.js';
import type { FileStat } from '../targets/types.js';
import type { CheckContext, CheckOutcome } from './types.js';
import { defineCheck } from './types.js';

const MAX_READ_BYTES = 10 * 1024 * 1024;
const OCTAL_MODE = /^0?[0-7]{3,4}$/;

const modeSchema = (what: string) =>
  z
    .union([
      z.string().regex(OCTAL_MODE).describe(`${what}, octal: "0600" or "600" (quote it in YAML)`),
      z.number().int().nonnegative().describe(`${what}, its octal digits written as a number (600)`),
    ])
    .describe(what);

const schema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe("The path; relative to the lab's current folder, ~ is the target's home"),
    exists: z
      .boolean()
      .default(true)
      .describe('true (default): it must exist; false: it must not (other options then do not apply)'),
    type: z.enum(['file', 'directory']).optional().describe('What it must be: a regular file or a directory'),
    mode: modeSchema('The exact permission bits').optional(),
    mode_max: modeSchema('The most permissive mode allowed: no bits beyond these, e.g. "0600"').optional(),
    size: valueMatcherSchema.optional().describe('Its size in bytes, e.g. "> 0" or {between: [1000, 5000]}'),
    content: textMatcherSchema
      .optional()
      .describe('What its content must contain or match (the first 10 MB)'),
    parses: z.enum(['json', 'yaml']).optional().describe('Its content must parse as JSON or YAML'),
    json: jsonMatchersSchema
      .optional()
      .describe(
        'JSONPath matchers on its content parsed as JSON (YAML when parses: yaml or it ends .yaml/.yml)',
      ),
  })
  .describe('Check a file or folder: existence, type, mode, size and content');

/** Permission bits from "0600", "600" or the number 600 (YAML reads an unquoted 0600 as 600). */
export function parseMode(mode: string | number): number | undefined {
  const text = String(mode);
  return OCTAL_MODE.test(text) ? Number.parseInt(text, 8) : undefined;
}

/** Four octal digits, as `ls` users read modes: 0644. */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

async function resolvePath(ctx: CheckContext, path: string): Promise<string> {
  if (path === '~' || path.startsWith('~/')) {
    const home = await ctx.sh('printf %s "$HOME"');
    return posix.join(home.stdout, path.slice(1));
  }
  return posix.resolve(ctx.cwd, path);
}

function describeKind(stat: FileStat): string {
  return stat.isFile ? 'file' : stat.isDirectory ? 'directory' : 'special file';
}

function checkModes(stat: FileStat, mode: string | number | undefined, modeMax: string | number | undefined) {
  const assertions: MatchResult[] = [];
  const actual = formatMode(stat.mode);
  if (mode !== undefined) {
    const want = parseMode(mode) as number;
    const ok = stat.mode === want;
    const expected = formatMode(want);
    assertions.push({
      name: 'mode',
      ok,
      expected,
      actual,
      message: ok ? `mode ${actual}` : `mode ${actual}, expected ${expected}`,
    });
  }
  if (modeMax !== undefined) {
    const max = parseMode(modeMax) as number;
    const extra = stat.mode & ~max;
    const ok = extra === 0;
    const expected = `at most ${formatMode(max)}`;
    const message = ok
      ? `mode ${actual}`
      : `mode ${actual} has bits ${formatMode(extra)} beyond ${formatMode(max)}`;
    assertions.push({ name: 'mode', ok, expected, actual, message });
  }
  return assertions;
}

async function parseContent(
  text: string,
  format: 'json' | 'yaml',
): Promise<{ value?: unknown; error?: string }> {
  try {
    if (format === 'json') return { value: JSON.parse(text) };
    // In the esbuild bundle a dynamic import of yaml (CommonJS there) has only a default export.
    const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
    const parse = yaml.parse ?? yaml.default?.parse;
    return { value: parse(text) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
}

export const check = defineCheck({
  type: 'file',
  summary: 'Check a file or folder: existence, type, mode, size, content and parsed JSON or YAML',
  schema,
  async run(ctx, options): Promise<CheckOutcome> {
    for (const [key, mode] of [
      ['mode', options.mode],
      ['mode_max', options.mode_max],
    ] as const) {
      if (mode !== undefined && parseMode(mode) === undefined) {
        return { status: 'error', message: `${key} ${mode} is not an octal mode such as "0600"` };
      }
    }
    const path = await resolvePath(ctx, options.path);
    const stat = await ctx.target.stat(path);
    const shown = stat.exists ? `exists (${describeKind(stat)})` : 'does not exist';
    if (!options.exists || !stat.exists) {
      const ok = stat.exists === options.exists;
      const expected = options.exists ? 'exists' : 'does not exist';
      const message = ok
        ? `${path} ${shown}`
        : `${path} ${shown}, expected it ${options.exists ? 'to exist' : 'not to exist'}`;
      return outcomeFromAssertions([{ name: path, ok, expected, actual: shown, message }]);
    }

    const assertions: MatchResult[] = [
      { name: path, ok: true, expected: 'exists', actual: shown, message: `${path} ${shown}` },
    ];
    if (options.type !== undefined) {
      const kind = describeKind(stat);
      const ok = kind === options.type;
      const message = ok ? `${path} is a ${kind}` : `${path} is a ${kind}, expected a ${options.type}`;
      assertions.push({ name: 'type', ok, expected: options.type, actual: kind, message });
    }
    assertions.push(...checkModes(stat, options.mode, options.mode_max));
    if (options.size !== undefined) assertions.push(matchValue('size', options.size, stat.size));

    const facts: Facts = {};
    const needsContent =
      options.content !== undefined || options.parses !== undefined || options.json !== undefined;
    if (needsContent) {
      if (!stat.isFile) {
        const message = `${path} is a ${describeKind(stat)}, so it has no content to check`;
        assertions.push({
          name: 'content',
          ok: false,
          expected: 'a file with content',
          actual: describeKind(stat),
          message,
        });
        return outcomeFromAssertions(assertions);
      }
      let text: string;
      try {
        text = (await ctx.target.readFile(path, { maxBytes: MAX_READ_BYTES })).toString('utf8');
      } catch (error) {
        return {
          status: 'error',
          message: `could not read ${path}: ${(error as Error).message}`,
          assertions,
        };
      }
      if (options.content !== undefined) {
        const matched = matchText('content', options.content, text);
        assertions.push(...matched.assertions);
        Object.assign(facts, matched.facts);
      }
      const format = options.parses ?? (/\.ya?ml$/i.test(path) ? 'yaml' : 'json');
      if (options.parses !== undefined || options.json !== undefined) {
        const parsed = await parseContent(text, format);
        if (parsed.error !== undefined) {
          const actual = `not ${format.toUpperCase()} (${parsed.error})`;
          const message = `content is ${actual}`;
          assertions.push({ name: 'parses', ok: false, expected: format, actual, message });
        } else {
          if (options.parses !== undefined) {
            const actual = excerptText(text);
            assertions.push({
              name: 'parses',
              ok: true,
              expected: format,
              actual,
              message: `content parses as ${format}`,
            });
          }
          if (options.json !== undefined)
            assertions.push(...(await matchJson('content', options.json, parsed.value)));
        }
      }
    }
    return outcomeFromAssertions(assertions, facts);
  },
});
