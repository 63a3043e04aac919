import { describe, expect, it } from 'vitest';
import { check, run } from '../../test/report/fixtures.js';
import type { RunResult } from '../engine/result.js';
import { plainPaint } from '../report/paint.js';
import { createWatchView, renderWatchFrame, type WatchViewOptions } from './watch-view.js';

const lab = { id: 'week-05', title: 'Deploy on Minikube', week: 5, file: '/labs/week-05.yaml' };

function round(made: 'pass' | 'fail'): RunResult {
  return run({
    lab,
    mode: 'verify',
    status: made === 'pass' ? 'passed' : 'failed',
    verify: [
      check({
        id: 'made',
        title: 'The deployment exists',
        points: 2,
        status: made,
        hint: 'kubectl apply -f deployment.yaml',
      }),
      check({ id: 'node', title: 'A node is ready', points: 1 }),
    ],
  });
}

function fakeStream(isTTY: boolean) {
  let written = '';
  const stream = {
    isTTY,
    columns: 40,
    write(chunk: string) {
      written += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

function options(stream: NodeJS.WriteStream, interactive: boolean): WatchViewOptions {
  return {
    stream,
    paint: plainPaint,
    interactive,
    labId: lab.id,
    labTitle: lab.title,
    intervalMs: 3000,
    watchingFiles: true,
    now: () => new Date(2026, 10, 27, 14, 30, 5),
  };
}

describe('watch view', () => {
  it('renders a frame: checks with hints, the score, and when it last checked', () => {
    const { stream } = fakeStream(true);
    const frame = renderWatchFrame(
      {
        round: 3,
        running: false,
        checks: round('fail').verify,
        last: round('fail'),
        checkedAt: new Date(2026, 10, 27, 14, 30, 5),
      },
      options(stream, true),
    );
    expect(frame).toEqual([
      'Watching week-05 — Deploy on Minikube (round 3, every 3.0s and on file changes; Ctrl-C to stop)',
      '  ✖ The deployment exists [0/2]',
      '      not as expected',
      '      hint: kubectl apply -f deployment.yaml',
      '  ✔ A node is ready [1/1]',
      'Score 1/3 (33.3%) — FAIL',
      'last checked 14:30:05',
    ]);
  });

  it('on a TTY redraws the frame in place, erasing the rows it drew (long lines wrap)', () => {
    const { stream, text } = fakeStream(true);
    const view = createWatchView(options(stream, true));
    view.roundStart(1, 'start');
    const first = text();
    expect(first).not.toContain('\u001b[');
    // The heading is 95 characters on a 40-column terminal: 3 rows; plus "checking…".
    view.onEvent({ type: 'check-start', id: 'made', title: 'The deployment exists' });
    expect(text().slice(first.length)).toMatch(/^\u001b\[4F\u001b\[0J/);
    expect(text()).toContain('  … The deployment exists (checking)');
    view.onEvent({ type: 'check-end', result: round('fail').verify[0] });
    view.roundEnd(round('fail'), 1);
    view.roundStart(2, 'change');
    view.roundEnd(round('pass'), 2);
    const frames = text().split(/\u001b\[\d+F\u001b\[0J/);
    expect(frames.at(-1)).toContain('  ✔ The deployment exists [2/2]');
    expect(frames.at(-1)).toContain('Score 3/3 (100%) — PASS');
  });

  it('elsewhere prints plain lines: everything first, then only what changed', () => {
    const { stream, text } = fakeStream(false);
    const view = createWatchView(options(stream, false));
    view.roundStart(1, 'start');
    view.onEvent({ type: 'check-start', id: 'made', title: 'x' });
    view.roundEnd(round('fail'), 1);
    view.roundStart(2, 'interval');
    view.roundEnd(round('fail'), 2); // nothing changed: nothing printed
    view.roundStart(3, 'change');
    view.roundEnd(round('pass'), 3);
    expect(text()).toBe(
      [
        '[14:30:05 round 1]',
        'Watching week-05 — Deploy on Minikube',
        '  ✖ The deployment exists [0/2]',
        '      not as expected',
        '      hint: kubectl apply -f deployment.yaml',
        '  ✔ A node is ready [1/1]',
        'Score 1/3 (33.3%) — FAIL',
        '[14:30:05 round 3]',
        '  ✔ The deployment exists [2/2] (was fail)',
        'Score 3/3 (100%) — PASS',
        '',
      ].join('\n'),
    );
  });
});
