// Run a command in the lab's shell and grade its exit code, output, JSON output and captured numbers.
import { z } from 'zod';
import {
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
import type { ExecResult } from '../targets/types.js';
import { defineCheck } from './types.js';

const TAIL_LINES = 20;

const schema = z
  .strictObject({
    run: z
      .string()
      .min(1)
      .describe("The command, run with bash in the lab's shell (its folder, env and venv)"),
    exit_code: valueMatcherSchema
      .default(0)
      .describe('The exit code: 0 (default), a list, or ">= 1", "!= 0" …'),
    stdout: textMatcherSchema.optional().describe('What standard output must contain or match'),
    stderr: textMatcherSchema.optional().describe('What standard error must contain or match'),
    output: textMatcherSchema
      .optional()
      .describe('What standard output followed by standard error must contain or match'),
    json: jsonMatchersSchema
      .optional()
      .describe('JSONPath matchers on standard output parsed as JSON, e.g. {"$.ready": true}'),
    captures: z
      .record(
        z.string().describe('A named group (?<name>...) from a `matches` regex above'),
        valueMatcherSchema,
      )
      .optional()
      .describe('Numbers captured by `matches` named groups and what they must be, e.g. {speedup: ">= 2"}'),
  })
  .describe('Run a command and check its exit code and output');

/** The last lines of each stream, for a failing check's details. */
export function tailOutput(result: ExecResult, lines = TAIL_LINES): string | undefined {
  const parts: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = result[stream].replace(/\n+$/, '');
    if (text === '') continue;
    const all = text.split('\n');
    const shown = all.slice(-lines);
    const cut = all.length > shown.length ? `, last ${shown.length} of ${all.length} lines` : '';
    parts.push(`${stream}${cut}${result.truncated ? ', capture truncated' : ''}:\n${shown.join('\n')}`);
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

export const check = defineCheck({
  type: 'command',
  summary: 'Run a command and check its exit code, output, JSON output and captured numbers',
  schema,
  async run(ctx, options) {
    const result = await ctx.sh(options.run);
    const details = tailOutput(result);
    if (result.timedOut || result.aborted) {
      const why = result.timedOut ? `timed out after ${result.durationMs}ms` : 'aborted';
      return { status: 'error', message: `${why}: ${options.run}`, observed: why, details };
    }

    const facts: Facts = {};
    const exit = result.exitCode ?? `killed by ${result.signal}`;
    const assertions: MatchResult[] = [matchValue('exit code', options.exit_code, exit)];
    const texts = [
      ['stdout', options.stdout, result.stdout],
      ['stderr', options.stderr, result.stderr],
      ['output', options.output, result.stdout + result.stderr],
    ] as const;
    for (const [name, matcher, text] of texts) {
      if (matcher === undefined) continue;
      const matched = matchText(name, matcher, text);
      assertions.push(...matched.assertions);
      Object.assign(facts, matched.facts);
    }
    if (options.json !== undefined) assertions.push(...(await matchStdoutJson(options.json, result.stdout)));
    for (const [name, matcher] of Object.entries(options.captures ?? {})) {
      if (name in facts) {
        assertions.push(matchValue(name, matcher, facts[name]));
        continue;
      }
      const actual = 'not captured';
      const message = `${name} was not captured: no \`matches\` regex with (?<${name}>...) matched`;
      assertions.push({ name, ok: false, expected: 'captured', actual, message });
    }

    const outcome = outcomeFromAssertions(assertions, facts);
    if (outcome.status !== 'pass' && details) outcome.details = details;
    return outcome;
  },
});

async function matchStdoutJson(
  matchers: z.output<typeof jsonMatchersSchema>,
  stdout: string,
): Promise<MatchResult[]> {
  try {
    return await matchJson('stdout', matchers, JSON.parse(stdout));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const actual = `not JSON (${error.message})`;
    return [{ name: 'stdout json', ok: false, expected: 'JSON', actual, message: `stdout is ${actual}` }];
  }
}
