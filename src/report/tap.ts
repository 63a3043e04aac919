// TAP version 14 (`--report tap`) for TAP consumers: one test point per step and per check, with a YAML
// diagnostic block (message, expected, observed, hint) under each one that did not pass.
import type { CheckResult, RunResult, StepResult } from '../engine/result.js';
import { showUnprintable } from './escape.js';
import { failedAssertions, groupByLab, hostOf, scoreText, verdict } from './model.js';

interface Point {
  ok: boolean;
  description: string;
  skip?: string;
  diagnostics?: [string, string | number][];
}

// A JSON string is a valid YAML scalar: quotes, newlines and unicode survive any TAP parser.
function yamlValue(value: string | number): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(showUnprintable(value));
}

// A description must not contain `#` (it starts a directive) and stays on one line.
function describe(text: string): string {
  return showUnprintable(text).replace(/\r?\n/g, ' ').replace(/#/g, '\\#');
}

function checkPoint(check: CheckResult, where: string): Point {
  const diagnostics: [string, string | number][] = [
    ['severity', check.status],
    ['type', check.type],
    ['message', check.message],
  ];
  if (check.expected !== undefined) diagnostics.push(['expected', check.expected]);
  if (check.observed !== undefined) diagnostics.push(['observed', check.observed]);
  const failed = failedAssertions(check);
  if (failed.length > 0) diagnostics.push(['assertions', failed.join('\n')]);
  if (check.hint) diagnostics.push(['hint', check.hint]);
  if (check.points > 0) diagnostics.push(['points', check.points], ['earned', check.earned]);
  return {
    ok: check.status === 'pass' || check.status === 'skip',
    description: `${where}: ${check.title}`,
    skip: check.status === 'skip' ? check.message : undefined,
    diagnostics: check.status === 'fail' || check.status === 'error' ? diagnostics : undefined,
  };
}

function stepPoint(step: StepResult, prefix: string): Point {
  const diagnostics: [string, string | number][] = [
    ['severity', step.status],
    ['message', step.message],
  ];
  if (step.exitCode !== undefined && step.exitCode !== null) diagnostics.push(['exit_code', step.exitCode]);
  if (step.outputTail) diagnostics.push(['output', step.outputTail]);
  return {
    ok: step.status === 'pass' || step.status === 'skip',
    description: `${prefix} step ${step.id}: ${step.title}`,
    skip: step.status === 'skip' ? step.message : undefined,
    diagnostics: step.status === 'fail' || step.status === 'error' ? diagnostics : undefined,
  };
}

function renderPoint(point: Point, n: number): string[] {
  const skip = point.skip !== undefined ? ` # SKIP ${describe(point.skip)}` : '';
  const lines = [`${point.ok ? 'ok' : 'not ok'} ${n} - ${describe(point.description)}${skip}`];
  if (point.diagnostics) {
    lines.push('  ---');
    for (const [key, value] of point.diagnostics) lines.push(`  ${key}: ${yamlValue(value)}`);
    lines.push('  ...');
  }
  return lines;
}

/** TAP 14 for one or more runs; a comment line introduces each run and gives its verdict. */
export function renderTap(results: RunResult[]): string {
  const body: string[] = [];
  let n = 0;
  for (const group of groupByLab(results)) {
    for (const result of group.results) {
      const prefix = group.fleet ? `${result.lab.id}@${hostOf(result)}` : result.lab.id;
      body.push(`# ${describe(`${prefix} — ${result.lab.title} (${result.mode} on ${result.target.uri})`)}`);
      for (const item of result.preflight.filter((p) => !p.ok)) {
        body.push(
          ...renderPoint(
            {
              ok: false,
              description: `${prefix} preflight: requires ${item.requirement}`,
              diagnostics: [['message', item.observed]],
            },
            ++n,
          ),
        );
      }
      for (const step of result.steps) {
        body.push(...renderPoint(stepPoint(step, prefix), ++n));
        for (const check of step.checks)
          body.push(...renderPoint(checkPoint(check, `${prefix} ${step.id}`), ++n));
      }
      for (const check of result.verify)
        body.push(...renderPoint(checkPoint(check, `${prefix} verify`), ++n));
      const score = result.verify.length > 0 ? ` score ${scoreText(result)}` : '';
      body.push(`# ${describe(`${prefix}: ${verdict(result)}${score} — ${result.message}`)}`);
      for (const note of result.target.notes ?? []) body.push(`# ${describe(`note: ${note}`)}`);
    }
  }
  return ['TAP version 14', `1..${n}`, ...body, ''].join('\n');
}
