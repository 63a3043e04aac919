// The fleet runner with stand-in targets (the SSH side is tested against real sshd in test/ssh/):
// concurrency bound, order kept, an unreachable host recorded without stopping the others.
import { describe, expect, it } from 'vitest';
import { TargetError } from '../errors.js';
import { isUnreachable, renderFleetTable, summarizeFleet } from '../report/fleet.js';
import type { Lab } from '../spec/types.js';
import type { Target } from '../targets/types.js';
import { connectFailureMessage, oneLine, runFleet } from './fleet.js';
import type { RunResult } from './result.js';

const lab = {
  id: 'week-01',
  title: 'A lab',
  file: 'week-01.yaml',
  vars: { token: { secret: true } },
  steps: [{ id: 's1', title: 'Step', kind: 'run' }],
  verify: [
    { id: 'a', title: 'A', type: 'command', points: 2, required: false, bonus: false },
    { id: 'b', title: 'B', type: 'file', points: 1, required: false, bonus: false },
  ],
  passThreshold: 70,
} as unknown as Lab;

function passed(uri: string): RunResult {
  return {
    ...({} as RunResult),
    lab: { id: lab.id, title: lab.title, file: lab.file },
    target: { uri, kind: 'ssh' },
    status: 'passed',
    workDir: '/tmp/x',
    message: 'ok',
    durationMs: 5,
    score: { earned: 3, possible: 3, percent: 100, threshold: 70, passed: true },
    preflight: [],
    steps: [],
    verify: [],
  };
}

describe('runFleet', () => {
  it('runs at most `concurrency` hosts at once, keeps the order, and records an unreachable host', async () => {
    const hosts = Array.from({ length: 7 }, (_, i) => ({
      name: `h${i}`,
      target: `ssh://u@h${i}`,
      labels: {},
    }));
    let running = 0;
    let most = 0;
    const closed: string[] = [];
    const results = await runFleet({
      jobs: hosts.map((host) => ({
        lab,
        name: host.name,
        target: host.target,
        host,
        values: { token: 'abc', n: '1' },
      })),
      mode: 'verify',
      concurrency: 3,
      version: '1',
      signal: new AbortController().signal,
      connect: async ({ host, target }) => {
        if (host?.name === 'h4')
          throw Object.assign(new TargetError('connection refused by h4:22'), { reason: 'refused' });
        return { uri: target, close: async () => void closed.push(host?.name ?? '') } as unknown as Target;
      },
      run: async (_job, target) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return passed(target.uri);
      },
    });
    expect(most).toBe(3);
    expect(results.map((r) => r.target.name)).toEqual(hosts.map((h) => h.name));
    const down = results[4];
    expect(down).toMatchObject({ status: 'error', message: 'unreachable: connection refused by h4:22' });
    expect(down.target).toEqual({ uri: 'ssh://u@h4', kind: 'ssh', name: 'h4' });
    expect(down.verify.map((c) => [c.id, c.status, c.earned])).toEqual([
      ['a', 'error', 0],
      ['b', 'error', 0],
    ]);
    expect(down.score).toMatchObject({ earned: 0, possible: 3, passed: false });
    expect(down.vars).toEqual({ token: '***', n: '1' });
    expect(isUnreachable(down)).toBe(true);
    expect(closed.sort()).toEqual(['h0', 'h1', 'h2', 'h3', 'h5', 'h6']);

    const summary = summarizeFleet(results, 100);
    expect(summary).toMatchObject({ total: 7, passed: 6, failed: 0, unreachable: 1 });
    const table = renderFleetTable(summary);
    expect(table[0]).toMatch(/^HOST\s+STATUS\s+SCORE\s+FAILURES$/);
    expect(table[5]).toMatch(/^h4\s+unreachable\s+-\s+unreachable: connection refused by h4:22$/);
    expect(table.at(-1)).toBe('7 hosts: 6 passed, 0 failed, 1 unreachable; mean score 85.7% (100ms)');
  });

  it('sums up connection errors in one line, by kind', () => {
    const banner =
      '@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@\nThe host key changed.\n  recorded: X';
    expect(oneLine(banner)).toBe('The host key changed. recorded: X');
    expect(connectFailureMessage(Object.assign(new Error(banner), { reason: 'host-key' }))).toBe(
      'host key refused: The host key changed. recorded: X',
    );
    expect(connectFailureMessage(Object.assign(new Error('authentication failed'), { reason: 'auth' }))).toBe(
      'cannot log in: authentication failed',
    );
    expect(connectFailureMessage(new Error('x is unreachable'))).toBe('unreachable: x is unreachable');
  });

  it('runs labs side by side on one target (--parallel): rows by lab, no host name in the results', async () => {
    const other = { ...lab, id: 'week-02', title: 'Another lab', file: 'week-02.yaml' } as Lab;
    const abort = new AbortController();
    const results = await runFleet({
      jobs: [lab, other].map((l) => ({ lab: l, name: l.id, target: 'k8s://ci/labs', values: {} })),
      mode: 'run',
      concurrency: 2,
      version: '1',
      signal: abort.signal,
      connect: async (job) => {
        if (job.lab === other) {
          // Ctrl-C while this lab's pod starts: interrupted, not unreachable.
          abort.abort();
          throw new TargetError('interrupted while pod labs/x was starting');
        }
        return { uri: job.target, close: async () => {} } as unknown as Target;
      },
      run: async (job, target) => ({ ...passed(target.uri), lab: { id: job.lab.id, title: '', file: '' } }),
    });
    expect(results.map((r) => [r.lab.id, r.status, r.target.name])).toEqual([
      ['week-01', 'passed', undefined],
      ['week-02', 'interrupted', undefined],
    ]);
    // Interrupted before anything was graded: 0%, even for a lab with no verify checks.
    const empty = await runFleet({
      jobs: [{ lab: { ...lab, verify: [] } as Lab, name: 'x', target: 'local', values: {} }],
      mode: 'run',
      concurrency: 1,
      version: '1',
      signal: abort.signal,
      connect: async () => ({}) as Target,
      run: async () => ({}) as RunResult,
    });
    expect(empty[0].score).toMatchObject({ possible: 0, percent: 0, passed: false });
    const table = renderFleetTable(summarizeFleet(results, 10), undefined, 80, 'lab');
    expect(table[0]).toMatch(/^LAB\s+STATUS/);
    expect(table[1]).toMatch(/^week-01\s+passed/);
    expect(table[2]).toMatch(/^week-02\s+interrupted/);
    expect(table.at(-1)).toMatch(/^2 labs: 1 passed, 0 failed, 0 unreachable, 1 interrupted/);
  });
});
