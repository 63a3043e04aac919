// GitHub Actions: `::error` workflow commands for what failed (shown as annotations on the run and the
// pull request), and the job summary. Pure: the caller decides where the text goes.
import { relative, sep } from 'node:path';
import type { CheckResult, RunResult } from '../engine/result.js';
import { ghData, ghProperty } from './escape.js';
import { failedAssertions, groupByLab, hostOf, isBad } from './model.js';

/** GitHub refuses a job summary over 1 MiB; keep well under it. */
export const STEP_SUMMARY_LIMIT = 1000 * 1000;

function command(
  level: 'error' | 'warning',
  props: Record<string, string | undefined>,
  message: string,
): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${ghProperty(v!)}`)
    .join(',');
  return `::${level}${list ? ` ${list}` : ''}::${ghData(message)}`;
}

function checkMessage(check: CheckResult): string {
  const lines = [check.message];
  if (check.expected !== undefined) lines.push(`expected: ${check.expected}`);
  if (check.observed !== undefined) lines.push(`observed: ${check.observed}`);
  lines.push(...failedAssertions(check));
  if (check.hint) lines.push(`hint: ${check.hint}`);
  return lines.join('\n');
}

/** The lab file relative to the workspace, so the annotation lands on it; nothing for a file outside. */
function labFile(file: string, workspace: string | undefined): string | undefined {
  if (!workspace || !file) return undefined;
  const rel = relative(workspace, file);
  if (rel.startsWith('..') || rel === '' || rel.startsWith(sep)) return undefined;
  return rel.split(sep).join('/');
}

/** One workflow command per failed check, failed step, missing requirement and failed cleanup. */
export function renderAnnotations(results: RunResult[], workspace?: string): string {
  const lines: string[] = [];
  for (const group of groupByLab(results)) {
    for (const r of group.results) {
      const who = `ailab ${r.lab.id}${group.fleet ? ` @ ${hostOf(r)}` : ''}`;
      const file = labFile(r.lab.file, workspace);
      for (const item of r.preflight.filter((p) => !p.ok)) {
        lines.push(command('error', { file, title: `${who}: requires ${item.requirement}` }, item.observed));
      }
      for (const step of r.steps) {
        const ownFailure = isBad(step.status) && !step.checks.some((c) => c.status === step.status);
        if (ownFailure) {
          const tail = step.outputTail ? `\n${step.outputTail.split('\n').slice(-5).join('\n')}` : '';
          lines.push(
            command(
              'error',
              { file, title: `${who}: step ${step.id} ${step.status === 'fail' ? 'failed' : 'errored'}` },
              `${step.title}: ${step.message}${tail}`,
            ),
          );
        }
        for (const check of step.checks.filter((c) => isBad(c.status))) {
          lines.push(
            command('error', { file, title: `${who} › ${step.id}: ${check.title}` }, checkMessage(check)),
          );
        }
      }
      for (const check of r.verify.filter((c) => isBad(c.status))) {
        // A bonus check that fails costs nothing: a warning, not an error.
        lines.push(
          command(
            check.bonus ? 'warning' : 'error',
            { file, title: `${who}: ${check.title}` },
            checkMessage(check),
          ),
        );
      }
      for (const c of r.cleanup.filter((c) => isBad(c.status))) {
        lines.push(command('warning', { file, title: `${who}: cleanup ${c.title}` }, c.message));
      }
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Markdown for the job summary, cut at a line under GitHub's limit with a note saying so. */
export function fitStepSummary(markdown: string, limit = STEP_SUMMARY_LIMIT): string {
  if (Buffer.byteLength(markdown) <= limit) return markdown;
  const note =
    "\n\n… (cut here: GitHub keeps at most 1 MiB of job summary; the full report is in the run's --report files)\n";
  const lines = markdown.split('\n');
  let size = Buffer.byteLength(note);
  const kept: string[] = [];
  for (const line of lines) {
    size += Buffer.byteLength(line) + 1;
    if (size > limit) break;
    kept.push(line);
  }
  return `${kept.join('\n')}${note}`;
}
