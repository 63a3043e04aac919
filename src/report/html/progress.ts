// `ailab progress --html FILE`: the course as a page — the one-line bar, a tile per week, and the table.
import { html } from '../escape.js';
import { type CourseProgress, localTime, type WeekStatus } from '../progress.js';
import { renderPage } from './page.js';
import { strip } from './svg.js';

const CLASS: Record<WeekStatus, 'pass' | 'fail' | 'none'> = {
  passed: 'pass',
  failed: 'fail',
  'not started': 'none',
};

export function renderProgressHtml(
  progress: CourseProgress,
  options: { time?: (iso: string) => string; generatedAt?: string } = {},
): string {
  const time = options.time ?? localTime;
  const total = progress.weeks.length;
  const bar = strip(
    progress.weeks.map((w) => ({
      label: String(w.week),
      status: CLASS[w.status] as 'pass' | 'fail' | 'none',
      title: `week ${w.week}: ${w.title} — ${w.status}`,
    })),
  );
  const tiles = progress.weeks.map((w) => {
    const cls = CLASS[w.status] === 'none' ? '' : ` ${CLASS[w.status]}`;
    const score = w.best ? `${Math.round(w.best.percent)}%` : w.status === 'not started' ? '·' : '—';
    return `<a class="week${cls}" href="#week-${w.week}" title="${html(`${w.title} — ${w.status}`)}"><b>${w.week}</b><span>${html(score)}</span></a>`;
  });
  const rows = progress.weeks.map((w) => {
    const best = w.best ? `${w.best.percent}% (${w.best.earned}/${w.best.possible})` : '—';
    const last = w.last ? `${time(w.last.startedAt)} · ${w.last.status}` : '—';
    const cls = CLASS[w.status] === 'none' ? 'skip' : CLASS[w.status];
    return `<tr id="week-${w.week}"><td class="num">${w.week}</td><td>${html(w.title)}${w.hasLab ? '' : ' <span class="legend">(no lab yet)</span>'}</td><td class="num">${html(best)}</td><td class="hide-narrow">${html(last)}</td><td><span class="badge ${cls}">${html(w.status)}</span></td></tr>`;
  });
  const body = `<h1>Course progress</h1>
<p class="meta">${progress.passed} of ${total} weeks passed · ${progress.failed} failed · ${progress.notStarted} not started${options.generatedAt ? ` · ${html(time(options.generatedAt))}` : ''}</p>
<div class="chart" style="margin-top:16px">${bar}</div>
<p class="legend">Each cell is a week, 0 to ${total - 1}: green passed, red failed, grey not started.</p>
<div class="weeks">${tiles.join('')}</div>
<h2>Weeks</h2>
<div class="scroll"><table><thead><tr><th class="num">week</th><th>title</th><th class="num">best</th><th class="hide-narrow">last run</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
${progress.otherRuns > 0 ? `<p class="legend">${progress.otherRuns} run(s) of labs outside the course weeks are not shown.</p>` : ''}
<footer>ailab · from the run history</footer>`;
  return renderPage('Course progress — ailab', body);
}
