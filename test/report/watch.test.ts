// `verify --watch` at the engine level: a check turns green when the file it checks appears, woken by
// the file watcher (the interval is an hour) or by the interval alone; stopping ends the loop and
// keeps the last complete round.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { type RoundReason, Wakeup, watchedFolders, watchLab, watchTree } from '../../src/engine/watch.js';
import { loadLab } from '../../src/spec/load.js';
import { LocalTarget } from '../../src/targets/local.js';
import { waitFor } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const LAB = join(import.meta.dirname, 'labs', 'watch-file.yaml');
const HOUR = 3_600_000;

afterEach(removeTempDirs);

async function startWatching(workDir: string, options: { intervalMs: number; watchFiles?: boolean }) {
  const lab = await loadLab(LAB);
  const controller = new AbortController();
  const rounds: { round: number; result: RunResult }[] = [];
  const reasons: RoundReason[] = [];
  const done = watchLab(lab, {
    target: new LocalTarget(),
    values: {},
    workDir,
    version: '0.0.0-test',
    signal: controller.signal,
    intervalMs: options.intervalMs,
    debounceMs: 50,
    watchFiles: options.watchFiles,
    onRoundStart: (_round, reason) => reasons.push(reason),
    onRound: (result, round) => rounds.push({ round, result }),
  });
  return { controller, rounds, reasons, done };
}

const statusOf = (result: RunResult, id: string) => result.verify.find((c) => c.id === id)?.status;

describe('watchLab', () => {
  it('turns a check green when its file appears, woken by the file watcher', async () => {
    const workDir = makeTempDir('ailab-watch-');
    const w = await startWatching(workDir, { intervalMs: HOUR });
    await waitFor(() => w.rounds.length === 1, 'the first round');
    expect(statusOf(w.rounds[0].result, 'made')).toBe('fail');
    expect(w.rounds[0].result.score).toMatchObject({ earned: 1, possible: 3, passed: false });

    writeFileSync(join(workDir, 'done.txt'), 'done\n');
    await waitFor(() => w.rounds.length === 2, 'a round after the file appeared', 10_000);
    expect(w.reasons).toEqual(['start', 'change']);
    expect(statusOf(w.rounds[1].result, 'made')).toBe('pass');
    expect(w.rounds[1].result.status).toBe('passed');
    expect(w.rounds[1].result.runId).not.toBe(w.rounds[0].result.runId);

    w.controller.abort();
    const outcome = await w.done;
    expect(outcome.rounds).toBe(2);
    expect(outcome.last?.status).toBe('passed');
    expect(outcome.interrupted).toBeUndefined();
  });

  it('sees a file made in a subfolder that appeared after the start', async () => {
    const workDir = makeTempDir('ailab-watch-sub-');
    const w = await startWatching(workDir, { intervalMs: HOUR });
    await waitFor(() => w.rounds.length === 1, 'the first round');
    mkdirSync(join(workDir, 'sub'));
    await waitFor(() => w.rounds.length === 2, 'a round after the folder appeared', 10_000);
    // The new folder is watched too: a change inside it wakes the loop again.
    writeFileSync(join(workDir, 'sub', 'x.txt'), 'x');
    await waitFor(() => w.rounds.length === 3, 'a round after a change in the new folder', 10_000);
    expect(w.reasons).toEqual(['start', 'change', 'change']);
    w.controller.abort();
    await w.done;
  });

  it('re-runs on the interval when files are not watched', async () => {
    const workDir = makeTempDir('ailab-watch-interval-');
    const w = await startWatching(workDir, { intervalMs: 100, watchFiles: false });
    await waitFor(() => w.rounds.length >= 1, 'the first round');
    writeFileSync(join(workDir, 'done.txt'), 'done\n');
    await waitFor(
      () => w.rounds.some((r) => statusOf(r.result, 'made') === 'pass'),
      'a round that sees the file',
      10_000,
    );
    w.controller.abort();
    const outcome = await w.done;
    expect(w.reasons[0]).toBe('start');
    expect(w.reasons.slice(1).every((r) => r === 'interval')).toBe(true);
    expect(outcome.last?.status).toBe('passed');
  });

  it('keeps the last complete round when stopped during a round', async () => {
    const workDir = makeTempDir('ailab-watch-stop-');
    const lab = await loadLab(LAB);
    const controller = new AbortController();
    let rounds = 0;
    const done = watchLab(lab, {
      target: new LocalTarget(),
      values: {},
      workDir,
      version: '0.0.0-test',
      signal: controller.signal,
      intervalMs: 10,
      watchFiles: false,
      // Stop as the second round's first check starts.
      onEvent: (event, round) => {
        if (round === 2 && event.type === 'check-start') controller.abort();
      },
      onRound: () => rounds++,
    });
    const outcome = await done;
    expect(rounds).toBe(1);
    expect(outcome.rounds).toBe(2);
    expect(outcome.last?.status).toBe('failed');
    expect(outcome.interrupted?.status).toBe('interrupted');
  });
});

describe('watchTree', () => {
  it('lists every folder but node_modules, VCS and virtualenv folders', () => {
    const dir = makeTempDir('ailab-watchtree-list-');
    for (const sub of ['a/b', 'node_modules/pkg', '.git/objects', '.venv/lib', 'c'])
      mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'a', 'file.txt'), '');
    expect(
      watchedFolders(dir)
        .map((p) => p.slice(dir.length) || '/')
        .sort(),
    ).toEqual(['/', '/a', '/a/b', '/c']);
    expect(watchedFolders(dir, 2)).toHaveLength(2);
  });

  it('reports a change in a nested folder', async () => {
    const dir = makeTempDir('ailab-watchtree-');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    let changes = 0;
    const watcher = watchTree(dir, () => changes++);
    try {
      writeFileSync(join(dir, 'a', 'b', 'deep.txt'), 'deep');
      await waitFor(() => changes > 0, 'a change in a/b');
    } finally {
      watcher.close();
    }
  });
});

describe('Wakeup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function settle<T>(promise: Promise<T>): Promise<T | 'pending'> {
    return Promise.race([promise, Promise.resolve('pending' as const)]);
  }

  it('wakes after the interval, or after a quiet debounce once a file changed', async () => {
    vi.useFakeTimers();
    const signal = new AbortController().signal;
    const w = new Wakeup(300);
    w.roundStarts();
    let next = w.wait(HOUR, signal);
    w.changed();
    await vi.advanceTimersByTimeAsync(200);
    w.changed(); // a second save restarts the quiet time
    await vi.advanceTimersByTimeAsync(200);
    expect(await settle(next)).toBe('pending');
    await vi.advanceTimersByTimeAsync(100);
    expect(await next).toBe('change');

    w.roundStarts();
    next = w.wait(1000, signal);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await next).toBe('interval');
  });

  it('runs again after a change made during a round, but not twice in a row (no spinning)', async () => {
    vi.useFakeTimers();
    const signal = new AbortController().signal;
    const w = new Wakeup(300);
    w.roundStarts();
    w.changed(); // during round 1 (a learner saved a file, or a check wrote one)
    let next = w.wait(HOUR, signal);
    await vi.advanceTimersByTimeAsync(300);
    expect(await next).toBe('change');

    w.roundStarts();
    w.changed(); // during round 2, woken by its own change: this one waits for the interval
    next = w.wait(HOUR, signal);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await settle(next)).toBe('pending');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await next).toBe('interval');

    w.roundStarts();
    w.changed(); // after a round woken otherwise, a change during a round counts again
    next = w.wait(HOUR, signal);
    await vi.advanceTimersByTimeAsync(300);
    expect(await next).toBe('change');
  });

  it('stops at once when the signal aborts', async () => {
    const controller = new AbortController();
    const w = new Wakeup(300);
    w.roundStarts();
    const next = w.wait(HOUR, controller.signal);
    controller.abort();
    expect(await next).toBe('stop');
  });
});
