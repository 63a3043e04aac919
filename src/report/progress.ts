// `ailab progress`: the course at a glance from the run history — every week (0–40) with its best score,
// last run and status, and a one-line bar of the whole course. Pure: runs and lab titles in, text out.
import type { RunResult } from '../engine/result.js';
import { COURSE_WEEKS, WEEK_TITLES } from './course-weeks.js';
import { type Paint, plainPaint } from './paint.js';

export type WeekStatus = 'not started' | 'failed' | 'passed';

export interface WeekProgress {
  week: number;
  id: string;
  title: string;
  /** A lab spec exists for this week. */
  hasLab: boolean;
  runs: number;
  /** Best graded score of any run, percent; absent when no run had graded checks. */
  best?: { percent: number; earned: number; possible: number; runId: string };
  last?: { runId: string; startedAt: string; status: RunResult['status']; mode: RunResult['mode'] };
  status: WeekStatus;
}

export interface CourseProgress {
  weeks: WeekProgress[];
  passed: number;
  failed: number;
  notStarted: number;
  /** Runs of labs that are not course weeks (custom lab files). */
  otherRuns: number;
}

export interface LabTitle {
  id: string;
  week?: number;
  title: string;
}

function weekOf(result: { id: string; week?: number }): number | undefined {
  if (typeof result.week === 'number') return result.week;
  const match = /^week-0*(\d+)$/.exec(result.id);
  return match ? Number(match[1]) : undefined;
}

/** Progress per week from every run in the history (any order) and the labs that exist. */
export function computeProgress(runs: RunResult[], labs: LabTitle[] = []): CourseProgress {
  const weeks: WeekProgress[] = [];
  let otherRuns = 0;
  const byWeek = new Map<number, RunResult[]>();
  for (const run of runs) {
    const week = weekOf(run.lab);
    if (week === undefined || week < 0 || week > COURSE_WEEKS) {
      otherRuns++;
      continue;
    }
    byWeek.set(week, [...(byWeek.get(week) ?? []), run]);
  }
  for (let week = 0; week <= COURSE_WEEKS; week++) {
    const lab = labs.find((l) => weekOf(l) === week);
    const list = (byWeek.get(week) ?? []).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const latest = list[list.length - 1];
    let best: WeekProgress['best'];
    for (const run of list) {
      if (run.verify.length === 0 || run.status === 'interrupted') continue;
      if (!best || run.score.percent > best.percent) {
        best = {
          percent: run.score.percent,
          earned: run.score.earned,
          possible: run.score.possible,
          runId: run.runId,
        };
      }
    }
    weeks.push({
      week,
      id: lab?.id ?? `week-${String(week).padStart(2, '0')}`,
      title: lab?.title ?? latest?.lab.title ?? WEEK_TITLES[week] ?? '',
      hasLab: Boolean(lab),
      runs: list.length,
      best,
      last: latest && {
        runId: latest.runId,
        startedAt: latest.startedAt,
        status: latest.status,
        mode: latest.mode,
      },
      status:
        list.length === 0 ? 'not started' : list.some((r) => r.status === 'passed') ? 'passed' : 'failed',
    });
  }
  return {
    weeks,
    passed: weeks.filter((w) => w.status === 'passed').length,
    failed: weeks.filter((w) => w.status === 'failed').length,
    notStarted: weeks.filter((w) => w.status === 'not started').length,
    otherRuns,
  };
}

const CELL: Record<WeekStatus, string> = { passed: '█', failed: '▒', 'not started': '░' };

/** `YYYY-MM-DD HH:MM` in this machine's time zone. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : text.padEnd(width);
}

/** The course bar alone: one cell per week, week 0 first. */
export function courseBar(progress: CourseProgress, paint: Paint = plainPaint): string {
  return progress.weeks
    .map((w) => {
      const cell = CELL[w.status];
      return w.status === 'passed'
        ? paint.green(cell)
        : w.status === 'failed'
          ? paint.red(cell)
          : paint.dim(cell);
    })
    .join('');
}

export function renderProgressText(
  progress: CourseProgress,
  options: { paint?: Paint; time?: (iso: string) => string } = {},
): string {
  const paint = options.paint ?? plainPaint;
  const time = options.time ?? localTime;
  const total = progress.weeks.length;
  const out = [
    paint.bold(
      `Course progress: ${progress.passed} of ${total} weeks passed, ${progress.failed} failed, ${progress.notStarted} not started`,
    ),
    `${courseBar(progress, paint)}  ${paint.dim('█ passed ▒ failed ░ not started')}`,
    '',
    paint.dim(
      `${'week'.padEnd(5)}${fit('title', 44)}  ${'best'.padEnd(14)}  ${'last run'.padEnd(28)}  status`,
    ),
  ];
  for (const w of progress.weeks) {
    const best = w.best ? `${w.best.percent}% (${w.best.earned}/${w.best.possible})` : '—';
    const last = w.last ? `${time(w.last.startedAt)} ${w.last.status}` : '—';
    const status =
      w.status === 'passed'
        ? paint.green(w.status)
        : w.status === 'failed'
          ? paint.red(w.status)
          : paint.dim(w.status);
    const title = fit(w.title + (w.hasLab ? '' : ' ·'), 44);
    out.push(`${String(w.week).padStart(4)} ${title}  ${best.padEnd(14)}  ${last.padEnd(28)}  ${status}`);
  }
  out.push('', paint.dim('· no lab spec for this week yet'));
  if (progress.otherRuns > 0)
    out.push(paint.dim(`${progress.otherRuns} run(s) of labs outside the course weeks are not shown.`));
  return `${out.join('\n')}\n`;
}
