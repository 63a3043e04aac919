// Markdown (`--report md:FILE`), fit for a pull-request comment or GitHub's job summary: a summary table,
// then each failure with expected and observed, then every check in a collapsed section.
import type { CheckResult, RunResult, StepResult } from '../engine/result.js';
import { formatDuration } from '../util/duration.js';
import { mdCell, mdCode, mdFence, mdText } from './escape.js';
import {
  allChecks,
  failedAssertions,
  groupByLab,
  hostOf,
  isBad,
  scoreText,
  tally,
  type Verdict,
  verdict,
} from './model.js';

const MARK: Record<Verdict, string> = { PASS: '✅', FAIL: '❌', ERROR: '⚠️', INTERRUPTED: '⏹️' };
const STATUS_MARK = { pass: '✅', fail: '❌', error: '⚠️', skip: '⏭️' } as const;

function summaryTable(results: RunResult[], fleet: boolean): string[] {
  const lines = [
    `| | Lab | ${fleet ? 'Host' : 'Target'} | Score | Result | Checks | Time |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const t = tally([...r.steps, ...allChecks(r).map((p) => p.check)]);
    const checks = `${t.pass} passed${t.fail ? `, ${t.fail} failed` : ''}${t.error ? `, ${t.error} errors` : ''}${t.skip ? `, ${t.skip} skipped` : ''}`;
    const v = verdict(r);
    lines.push(
      `| ${MARK[v]} | ${mdCell(`${mdCode(r.lab.id)} ${mdText(r.lab.title)}`)} | ${mdCell(mdCode(fleet ? hostOf(r) : r.target.uri))} | ${scoreText(r)} | **${v}** | ${checks} | ${formatDuration(r.durationMs)} |`,
    );
  }
  return lines;
}

function detailBlock(label: string, text: string | undefined): string[] {
  if (!text) return [];
  return ['', `<details><summary>${label}</summary>`, '', mdFence(text), '', '</details>'];
}

function checkFailure(check: CheckResult, where: string): string[] {
  const points = check.points > 0 ? ` (${check.earned}/${check.points} points)` : '';
  const tags = [check.required ? 'required' : '', check.bonus ? 'bonus' : ''].filter(Boolean).join(', ');
  const lines = [
    `#### ${STATUS_MARK[check.status]} ${mdText(check.title)}${points}${tags ? ` — ${tags}` : ''}`,
    '',
    `${mdText(where)} · ${mdCode(check.type)} · ${check.status === 'fail' ? 'failed' : 'could not be checked'}: ${mdText(check.message)}`,
  ];
  const list: string[] = [];
  if (check.expected !== undefined) list.push(`- **expected:** ${mdCode(check.expected)}`);
  if (check.observed !== undefined) list.push(`- **observed:** ${mdCode(check.observed)}`);
  for (const line of failedAssertions(check)) list.push(`- ✖ ${mdText(line)}`);
  if (check.hint) list.push(`- 💡 **hint:** ${mdText(check.hint)}`);
  if (list.length > 0) lines.push('', ...list);
  lines.push(...detailBlock('details', check.details));
  return lines;
}

function stepFailure(step: StepResult): string[] {
  return [
    `#### ${STATUS_MARK[step.status]} Step ${mdCode(step.id)}: ${mdText(step.title)}`,
    '',
    mdText(step.message),
    ...detailBlock('output (last lines)', step.outputTail),
  ];
}

function failures(result: RunResult): string[] {
  const out: string[] = [];
  const missing = result.preflight.filter((p) => !p.ok);
  if (missing.length > 0) {
    out.push('#### ⚠️ Preflight: this machine lacks', '');
    for (const m of missing) out.push(`- ${mdCode(m.requirement)}: ${mdText(m.observed)}`);
  }
  for (const step of result.steps) {
    // A step that failed only because its checks failed is told by those checks.
    const ownFailure = isBad(step.status) && !step.checks.some((c) => c.status === step.status);
    if (ownFailure) out.push(...(out.length ? [''] : []), ...stepFailure(step));
    for (const check of step.checks.filter((c) => isBad(c.status)))
      out.push(...(out.length ? [''] : []), ...checkFailure(check, `step ${step.id}`));
  }
  for (const check of result.verify.filter((c) => isBad(c.status)))
    out.push(...(out.length ? [''] : []), ...checkFailure(check, 'verify'));
  for (const c of result.cleanup.filter((c) => isBad(c.status)))
    out.push(...(out.length ? [''] : []), `#### ⚠️ Cleanup: ${mdText(c.title)}`, '', mdText(c.message));
  return out;
}

function checksTable(result: RunResult): string[] {
  const rows = [
    ...result.steps.map((s) => ({
      status: s.status,
      where: 'step',
      title: s.title,
      points: '',
      message: s.message,
    })),
    ...allChecks(result).map(({ scope, check }) => ({
      status: check.status,
      where: scope === 'verify' ? 'verify' : `↳ ${scope}`,
      title: check.title,
      points: check.points > 0 ? `${check.earned}/${check.points}${check.bonus ? ' bonus' : ''}` : '',
      message: check.status === 'pass' ? '' : check.message,
    })),
  ];
  if (rows.length === 0) return [];
  return [
    '',
    `<details><summary>All steps and checks (${rows.length})</summary>`,
    '',
    '| | | Title | Points | Message |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${STATUS_MARK[r.status]} | ${mdText(r.where)} | ${mdText(r.title)} | ${r.points} | ${mdText(r.message)} |`,
    ),
    '',
    '</details>',
  ];
}

function resultSection(result: RunResult, heading: string): string[] {
  const v = verdict(result);
  const out = [
    `### ${MARK[v]} ${heading}`,
    '',
    `**${v}**${result.verify.length > 0 ? ` · score ${scoreText(result)}, pass mark ${result.score.threshold}%` : ''} · ${result.mode} on ${mdCode(result.target.uri)} · ${formatDuration(result.durationMs)}`,
    '',
    `> ${mdText(result.message)}`,
    ...(result.target.notes ?? []).map((note) => `>\n> ⚠️ ${mdText(note)}`),
  ];
  const fails = failures(result);
  if (fails.length > 0) out.push('', ...fails);
  out.push(...checksTable(result));
  return out;
}

/** A Markdown report for one or more runs (several labs, or one lab on several hosts). */
export function renderMarkdown(results: RunResult[]): string {
  const out: string[] = [];
  const passed = results.filter((r) => r.status === 'passed').length;
  const title =
    results.length === 1
      ? `${MARK[verdict(results[0])]} ailab: ${mdText(results[0].lab.id)} — ${verdict(results[0])}`
      : `${passed === results.length ? MARK.PASS : MARK.FAIL} ailab: ${passed} of ${results.length} runs passed`;
  out.push(`## ${title}`, '');
  const groups = groupByLab(results);
  const fleet = groups.some((g) => g.fleet);
  out.push(...summaryTable(results, fleet));
  for (const group of groups) {
    for (const result of group.results) {
      const heading = group.fleet
        ? `${mdCode(result.lab.id)} on ${mdCode(hostOf(result))}`
        : `${mdCode(result.lab.id)} — ${mdText(result.lab.title)}`;
      out.push('', ...resultSection(result, heading));
    }
  }
  const tool = results[0]?.tool;
  if (tool) out.push('', `<sub>${tool.name} ${mdText(tool.version)}</sub>`);
  return `${out.join('\n')}\n`;
}
