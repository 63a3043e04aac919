// The parts of the HTML report: steps and checks with expected/observed and hints, the timeline, the GPU
// section and a fleet's host × check matrix. Every text goes through `html()`.
import type { CheckResult, CleanupResult, RunResult, StepResult } from '../../engine/result.js';
import { formatDuration } from '../../util/duration.js';
import { html } from '../escape.js';
import type { GpuSection } from '../gpu.js';
import {
  allChecks,
  failedAssertions,
  hostOf,
  isBad,
  type Status,
  scoreText,
  slug,
  tally,
  verdict,
} from '../model.js';
import { type Bar, bars, type GanttRow, gantt, gauge } from './svg.js';

const ICON: Record<Status, string> = { pass: '✔', fail: '✖', error: '!', skip: '–' };
const WORD: Record<Status, string> = { pass: 'passed', fail: 'failed', error: 'error', skip: 'skipped' };

export function statusOf(result: RunResult): Status {
  return result.status === 'passed' ? 'pass' : result.status === 'failed' ? 'fail' : 'error';
}

function icon(status: Status): string {
  return `<span class="icon ${status}" title="${WORD[status]}" aria-label="${WORD[status]}">${ICON[status]}</span>`;
}

function pre(text: string): string {
  return `<pre>${html(text)}</pre>`;
}

function details(summary: string, text: string | undefined): string {
  return text ? `<details><summary>${html(summary)}</summary>${pre(text)}</details>` : '';
}

function checkItem(check: CheckResult): string {
  const points =
    check.points > 0 ? `${check.earned}/${check.points} pt${check.bonus ? ' · bonus' : ''}` : check.type;
  const tags = [check.required ? 'required' : '', check.points > 0 ? check.type : ''].filter(Boolean);
  const parts = [
    `<li class="item ${check.status}" id="check-${html(check.id)}">`,
    `<div class="head">${icon(check.status)}<span class="title">${html(check.title)}</span><span class="side">${html(points)}</span></div>`,
  ];
  if (tags.length > 0 || check.durationMs > 0) {
    const side = [...tags, check.durationMs > 0 ? formatDuration(check.durationMs) : ''].filter(Boolean);
    parts.push(`<p class="msg">${html(side.join(' · '))}</p>`);
  }
  if (check.status !== 'pass') parts.push(`<p class="msg">${html(check.message)}</p>`);
  if (isBad(check.status) && (check.expected !== undefined || check.observed !== undefined)) {
    parts.push('<dl class="eo">');
    if (check.expected !== undefined)
      parts.push(`<dt>expected</dt><dd><code>${html(check.expected)}</code></dd>`);
    if (check.observed !== undefined)
      parts.push(`<dt>observed</dt><dd><code>${html(check.observed)}</code></dd>`);
    parts.push('</dl>');
  }
  const failed = isBad(check.status) ? failedAssertions(check) : [];
  if (failed.length > 0)
    parts.push(`<ul class="asserts">${failed.map((l) => `<li>${html(l)}</li>`).join('')}</ul>`);
  if (check.hint) parts.push(`<p class="hint"><b>hint</b> ${html(check.hint)}</p>`);
  parts.push(details('details', check.details), '</li>');
  return parts.join('');
}

function stepItem(step: StepResult, index: number): string {
  const time = step.durationMs > 0 ? formatDuration(step.durationMs) : step.kind;
  const parts = [
    `<li class="item ${step.status}" id="step-${html(step.id)}">`,
    `<div class="head">${icon(step.status)}<span class="title">${index + 1}. ${html(step.title)}</span><span class="side">${html(time)}</span></div>`,
    `<p class="msg">${html(step.message)}</p>`,
    details(isBad(step.status) ? 'output (last lines)' : 'output', step.outputTail),
  ];
  if (step.checks.length > 0) parts.push(`<ul class="checks">${step.checks.map(checkItem).join('')}</ul>`);
  parts.push('</li>');
  return parts.join('');
}

function cleanupItem(item: CleanupResult): string {
  return `<li class="item ${item.status}"><div class="head">${icon(item.status)}<span class="title">${html(item.title)}</span><span class="side">${html(formatDuration(item.durationMs))}</span></div>${item.status === 'pass' ? '' : `<p class="msg">${html(item.message)}</p>`}</li>`;
}

function fact(value: string, label: string): string {
  return `<div class="fact"><b>${html(value)}</b><span>${html(label)}</span></div>`;
}

/** Gauge, verdict and counts of one run. */
export function overview(result: RunResult): string {
  const status = statusOf(result);
  const t = tally([...result.steps, ...allChecks(result).map((p) => p.check)]);
  const graded = result.verify.length > 0;
  const gaugeSvg = gauge({
    percent: graded ? result.score.percent : t.total > 0 ? (t.pass / Math.max(1, t.total - t.skip)) * 100 : 0,
    threshold: result.score.threshold,
    status,
    label: graded ? `${result.score.percent}%` : verdict(result),
    sublabel: graded ? `${result.score.earned}/${result.score.possible} points` : 'no graded checks',
  });
  const facts = [
    `<div class="fact"><b><span class="badge ${status}">${verdict(result)}</span></b><span>${html(result.mode)} on ${html(result.target.uri)}</span></div>`,
    graded ? fact(scoreText(result), `score · pass mark ${result.score.threshold}%`) : '',
    fact(`${t.pass}/${t.total}`, 'steps and checks passed'),
    t.fail + t.error > 0 ? fact(String(t.fail + t.error), `failed (${t.fail}) or errors (${t.error})`) : '',
    t.skip > 0 ? fact(String(t.skip), 'skipped') : '',
    fact(formatDuration(result.durationMs), 'duration'),
  ];
  return `<div class="overview"><figure class="gauge">${gaugeSvg}</figure><div class="facts">${facts.join('')}</div></div>
<p class="message ${status}">${html(result.message)}</p>${(result.target.notes ?? []).map((note) => `<p class="message error">note: ${html(note)}</p>`).join('')}`;
}

/** Gantt rows: each step at its start; then the graded checks, one after another. */
export function timeline(result: RunResult): string {
  const start = Date.parse(result.startedAt);
  const rows: GanttRow[] = result.steps.map((step) => ({
    label: step.title,
    status: step.status,
    startMs: step.startedAt && Number.isFinite(start) ? Date.parse(step.startedAt) - start : undefined,
    durationMs: step.durationMs,
    note: step.status === 'skip' ? 'skipped' : undefined,
  }));
  const lastEnd = rows.reduce(
    (end, r) => (r.startMs === undefined ? end : Math.max(end, r.startMs + r.durationMs)),
    0,
  );
  if (result.verify.length > 0) {
    if (result.steps.length > 0) {
      // Checks carry no start time: the graded checks run right after the steps, one after another.
      const verify = tally(result.verify);
      rows.push({
        label: `Graded checks (${result.verify.length})`,
        status: verify.error ? 'error' : verify.fail ? 'fail' : 'pass',
        startMs: lastEnd,
        durationMs: result.verify.reduce((sum, c) => sum + c.durationMs, 0),
      });
    } else {
      let offset = 0;
      for (const check of result.verify) {
        rows.push({
          label: check.title,
          status: check.status,
          startMs: check.status === 'skip' ? undefined : offset,
          durationMs: check.durationMs,
          note: 'skipped',
        });
        offset += check.durationMs;
      }
    }
  }
  if (rows.length === 0) return '';
  return `<h3>Timeline</h3><div class="chart">${gantt(rows, result.durationMs)}</div>`;
}

/** Steps (with their checks), graded checks, failed preflight items and cleanup of one run. */
export function resultBody(result: RunResult): string {
  const parts: string[] = [];
  const missing = result.preflight.filter((p) => !p.ok);
  if (missing.length > 0) {
    parts.push(
      '<h3>Preflight: this machine lacks</h3><ul class="items">',
      ...missing.map(
        (m) =>
          `<li class="item error"><div class="head">${icon('error')}<span class="title">${html(m.requirement)}</span></div><p class="msg">${html(m.observed)}</p></li>`,
      ),
      '</ul>',
    );
  }
  if (result.steps.length > 0) {
    parts.push(`<h3>Steps</h3><ul class="items">${result.steps.map(stepItem).join('')}</ul>`);
  }
  if (result.verify.length > 0) {
    parts.push(`<h3>Graded checks</h3><ul class="items">${result.verify.map(checkItem).join('')}</ul>`);
  }
  if (result.cleanup.length > 0) {
    parts.push(`<h3>Cleanup</h3><ul class="items">${result.cleanup.map(cleanupItem).join('')}</ul>`);
  }
  return parts.join('\n');
}

/** GPU inventory and matmul throughput against peak. */
export function gpuSection(gpu: GpuSection, fleet: boolean): string {
  const parts = ['<section class="gpu"><h2>GPU</h2>'];
  if (gpu.cards.length > 0) {
    parts.push(
      '<div class="scroll"><table><thead><tr>',
      fleet ? '<th>host</th>' : '',
      '<th class="num">#</th><th>GPU</th><th>memory</th><th>driver</th></tr></thead><tbody>',
      ...gpu.cards.map(
        (c, i) =>
          `<tr>${fleet ? `<td>${html(c.host)}</td>` : ''}<td class="num">${c.index ?? i}</td><td>${html(c.name)}</td><td>${html(c.memory ?? '—')}</td><td>${html(c.driver ?? '—')}</td></tr>`,
      ),
      '</tbody></table></div>',
    );
  }
  if (gpu.matmul.length > 0) {
    const items: Bar[] = gpu.matmul.map((m) => {
      const share = m.peak ? ` · ${Math.round((m.value / m.peak) * 100)}% of ${m.peak} ${m.unit} peak` : '';
      const label = [
        fleet ? m.host : '',
        m.device ?? '',
        m.dtype ?? '',
        fleet || m.device || m.dtype ? '' : m.title,
      ]
        .filter(Boolean)
        .join(' · ');
      return { label, value: m.value, max: m.peak, text: `${m.value} ${m.unit}${share}`, status: m.status };
    });
    parts.push('<h3>Matrix multiply throughput</h3>', `<div class="chart">${bars(items)}</div>`);
    parts.push(
      '<p class="legend">The bar is what was measured; the track behind it is the GPU\'s dense peak for that data type, where the check knew it.</p>',
    );
  }
  parts.push(
    '<h3>GPU checks</h3><ul class="items">',
    ...gpu.checks.map(({ host, check }) => {
      const who = fleet ? `<span class="side">${html(host)}</span>` : '';
      const observed = check.observed !== undefined ? `<p><code>${html(check.observed)}</code></p>` : '';
      return `<li class="item ${check.status}"><div class="head">${icon(check.status)}<span class="title">${html(check.title)}</span>${who}</div><p class="msg">${html(check.message)}</p>${observed}${details('details', check.details)}</li>`;
    }),
    '</ul></section>',
  );
  return parts.join('');
}

/** A fleet's host × check matrix: a row per host, a column per step and check. */
export function fleetMatrix(results: RunResult[]): string {
  const columns: { key: string; title: string }[] = [];
  const seen = new Set<string>();
  const add = (key: string, title: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    columns.push({ key, title });
  };
  for (const r of results) {
    for (const step of r.steps) add(`step:${step.id}`, `step ${step.id}: ${step.title}`);
    for (const { scope, check } of allChecks(r)) add(`${scope}:${check.id}`, check.title);
  }
  const cellsFor = (r: RunResult) => {
    const map = new Map<string, { status: Status; message: string }>();
    for (const step of r.steps) map.set(`step:${step.id}`, step);
    for (const { scope, check } of allChecks(r)) map.set(`${scope}:${check.id}`, check);
    return map;
  };
  const head = columns
    .map((c) => `<th class="check" title="${html(c.title)}">${html(c.title)}</th>`)
    .join('');
  const rows = results.map((r) => {
    const cells = cellsFor(r);
    const tds = columns
      .map((c) => {
        const cell = cells.get(c.key);
        if (!cell) return '<td class="cell none" title="not run">·</td>';
        return `<td class="cell ${cell.status}" title="${html(`${c.title}: ${WORD[cell.status]}${cell.status === 'pass' ? '' : ` — ${cell.message}`}`)}">${ICON[cell.status]}</td>`;
      })
      .join('');
    const status = statusOf(r);
    return `<tr><th scope="row"><a href="#host-${html(slug(hostOf(r)))}">${html(hostOf(r))}</a></th><td class="num"><span class="badge ${status}">${verdict(r)}</span></td><td class="num">${html(scoreText(r))}</td>${tds}</tr>`;
  });
  const passed = results.filter((r) => r.status === 'passed').length;
  return `<p class="legend">${passed} of ${results.length} hosts passed. ✔ passed · ✖ failed · ! error · – skipped · · not run</p>
<div class="scroll"><table class="matrix"><thead><tr><th>host</th><th class="num">result</th><th class="num">score</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}
