// The plain-text summary printed at the end of a run (and by `--report text:FILE`).
import type { CheckResult, RunResult, StepResult } from '../engine/result.js';
import { formatDuration } from '../util/duration.js';
import { type Paint, plainPaint } from './paint.js';

const ICON = { pass: '✔', fail: '✖', error: '!', skip: '-' } as const;

function icon(status: keyof typeof ICON, paint: Paint): string {
  const colour = { pass: paint.green, fail: paint.red, error: paint.red, skip: paint.dim }[status];
  return colour(ICON[status]);
}

export function renderCheckLine(check: CheckResult, paint: Paint, indent = '  '): string[] {
  const points = check.points > 0 ? paint.dim(` [${check.earned}/${check.points}]`) : '';
  const lines = [`${indent}${icon(check.status, paint)} ${check.title}${points}`];
  if (check.status === 'fail' || check.status === 'error') {
    lines.push(`${indent}    ${check.message}`);
    if (check.expected !== undefined) lines.push(`${indent}    expected: ${check.expected}`);
    if (check.observed !== undefined) lines.push(`${indent}    observed: ${check.observed}`);
    if (check.hint) lines.push(`${indent}    ${paint.yellow('hint:')} ${check.hint}`);
  } else if (check.status === 'skip') {
    lines.push(`${indent}    ${paint.dim(check.message)}`);
  }
  return lines;
}

export function renderStepLine(step: StepResult, paint: Paint): string[] {
  const time = step.durationMs > 0 ? paint.dim(` (${formatDuration(step.durationMs)})`) : '';
  const lines = [`${icon(step.status, paint)} ${step.title}${time}`];
  if (step.status !== 'pass')
    lines.push(`    ${step.status === 'skip' ? paint.dim(step.message) : step.message}`);
  if ((step.status === 'fail' || step.status === 'error') && step.outputTail) {
    lines.push(...step.outputTail.split('\n').map((l) => paint.dim(`    │ ${l}`)));
  }
  for (const check of step.checks) lines.push(...renderCheckLine(check, paint, '    '));
  return lines;
}

export function renderSummary(result: RunResult, paint: Paint): string[] {
  const lines: string[] = [];
  const { score } = result;
  const verdict =
    result.status === 'passed'
      ? paint.green('PASS')
      : result.status === 'interrupted'
        ? paint.yellow('INTERRUPTED')
        : paint.red(result.status === 'error' ? 'ERROR' : 'FAIL');
  if (result.verify.length > 0) {
    lines.push(`Score ${score.earned}/${score.possible} (${score.percent}%) — ${verdict}`);
  } else {
    lines.push(`${result.lab.id}: ${verdict}`);
  }
  lines.push(paint.dim(result.message));
  // A remote target that lost its connection and reconnected for cleanup and verify says so here.
  for (const note of result.target.notes ?? []) lines.push(paint.yellow(`note: ${note}`));
  const toFix = [...result.steps.flatMap((s) => s.checks), ...result.verify].filter(
    (c) => c.status === 'fail' || c.status === 'error',
  );
  if (toFix.length > 0 && result.status !== 'passed') {
    lines.push('To fix:');
    for (const c of toFix) lines.push(`  - ${c.title}${c.hint ? ` — ${c.hint}` : ''}`);
  }
  return lines;
}

export function renderText(results: RunResult[], paint: Paint = plainPaint): string {
  const out: string[] = [];
  for (const result of results) {
    out.push(
      `${result.lab.id} — ${result.lab.title} (${result.mode} on ${result.target.uri}, ${formatDuration(result.durationMs)})`,
    );
    const missing = result.preflight.filter((p) => !p.ok);
    if (missing.length > 0) {
      out.push('Preflight: this machine lacks');
      for (const m of missing) out.push(`  ✖ ${m.requirement} (${m.observed})`);
    }
    for (const step of result.steps) out.push(...renderStepLine(step, paint));
    if (result.verify.length > 0) {
      out.push('Verify:');
      for (const check of result.verify) out.push(...renderCheckLine(check, paint));
    }
    for (const c of result.cleanup.filter((c) => c.status !== 'pass'))
      out.push(`cleanup ${c.title}: ${c.message}`);
    out.push(...renderSummary(result, paint), '');
  }
  return `${out.join('\n')}\n`;
}
