// `ailab progress` from a history: every week 0–40 with best score, last run and status, the course bar,
// as text and as a page (golden files, like the reporters: UPDATE_GOLDEN=1 rewrites them).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { renderProgressHtml } from '../../src/report/html/progress.js';
import { computeProgress, courseBar, renderProgressText } from '../../src/report/progress.js';
import { allPass, check, mixed, run } from './fixtures.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden', 'progress');
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function golden(name: string, output: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, output);
  }
  expect(existsSync(file), `${file} is missing: UPDATE_GOLDEN=1`).toBe(true);
  expect(output).toBe(readFileSync(file, 'utf8'));
}

function weekRun(week: number, percent: number, startedAt: string, status: RunResult['status']): RunResult {
  const earned = percent / 10;
  return run({
    lab: {
      id: `week-${String(week).padStart(2, '0')}`,
      title: `Week ${week} lab`,
      week,
      file: `/labs/week-${week}.yaml`,
    },
    runId: `${startedAt.replace(/[-:]/g, '').slice(0, 15)}Z-w${week}`,
    startedAt,
    finishedAt: startedAt,
    status,
    verify: [check({ id: 'c', title: 'c', points: 10, status: earned === 10 ? 'pass' : 'fail', earned })],
  });
}

const history: RunResult[] = [
  allPass, // week 0, passed
  weekRun(1, 50, '2026-11-20T10:00:00.000Z', 'failed'),
  weekRun(1, 100, '2026-11-21T10:00:00.000Z', 'passed'),
  weekRun(1, 80, '2026-11-22T10:00:00.000Z', 'failed'), // the last run failed, the week stays passed
  mixed, // week 4, failed
  weekRun(7, 60, '2026-11-25T09:00:00.000Z', 'interrupted'), // an interrupted run: no best score
  run({ lab: { id: 'my-own-lab', title: 'Custom', file: '/x/my.yaml' } }),
];

describe('course progress', () => {
  const progress = computeProgress(history, [
    { id: 'week-00', week: 0, title: 'Check your workstation' },
    { id: 'week-04', week: 4, title: 'Containerize a PyTorch Model' },
  ]);

  it('has every week from 0 to 40, with best score, last run and status', () => {
    expect(progress.weeks.map((w) => w.week)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(progress).toMatchObject({ passed: 2, failed: 2, notStarted: 37, otherRuns: 1 });
    const week1 = progress.weeks[1];
    expect(week1).toMatchObject({ status: 'passed', runs: 3, best: { percent: 100 }, hasLab: false });
    expect(week1.last).toMatchObject({ status: 'failed', startedAt: '2026-11-22T10:00:00.000Z' });
    expect(progress.weeks[4]).toMatchObject({
      status: 'failed',
      title: 'Containerize a PyTorch Model',
      hasLab: true,
    });
    expect(progress.weeks[7]).toMatchObject({ status: 'failed', best: undefined, title: 'Week 7 lab' });
    expect(progress.weeks[40]).toMatchObject({
      status: 'not started',
      title: 'Configure a Multi-Tenant Cluster',
    });
    expect(courseBar(progress)).toBe(`██░░▒░░▒${'░'.repeat(33)}`);
  });

  it('renders as text', () => {
    golden('progress.txt', renderProgressText(progress, { time: utc }));
  });

  it('renders as a page', () => {
    golden('progress.html', renderProgressHtml(progress, { time: utc }));
  });

  it('shows an empty course', () => {
    const empty = computeProgress([]);
    expect(renderProgressText(empty, { time: utc }).split('\n')[0]).toBe(
      'Course progress: 0 of 41 weeks passed, 0 failed, 41 not started',
    );
  });
});
