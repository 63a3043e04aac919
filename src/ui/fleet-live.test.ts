// The fleet's live view: a table redrawn in place on a terminal, one line per finished host elsewhere.
import { describe, expect, it } from 'vitest';
import type { FleetJob, HostState } from '../engine/fleet.js';
import type { RunResult } from '../engine/result.js';
import { plainPaint } from '../report/paint.js';
import type { Lab } from '../spec/types.js';
import { createFleetLiveView } from './fleet-live.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    stream: {
      isTTY,
      rows: 40,
      columns: 100,
      write: (c: string) => chunks.push(c),
    } as unknown as NodeJS.WriteStream,
  };
}

const job = (name: string): FleetJob => {
  const host = { name, target: `ssh://u@${name}`, labels: {} };
  return { lab: {} as Lab, name, target: host.target, host, values: {} };
};
const result = (status: RunResult['status'], message = 'ok'): RunResult =>
  ({
    status,
    message,
    workDir: status === 'error' ? undefined : '/w',
    verify: [{}],
    score: { earned: 2, possible: 3, percent: 66.7, threshold: 70, passed: false },
  }) as unknown as RunResult;

describe('fleet live view', () => {
  it('prints one plain line per host as it finishes, off a terminal', () => {
    const out = stream(false);
    const view = createFleetLiveView({ stream: out.stream, paint: plainPaint, interactive: false, total: 2 });
    view.onUpdate({ job: job('a'), phase: 'connecting', detail: '' });
    view.onUpdate({ job: job('a'), phase: 'done', detail: '', result: result('failed') });
    view.onUpdate({
      job: job('b'),
      phase: 'done',
      detail: '',
      result: result('error', 'unreachable: connection refused by b:22'),
    });
    view.close();
    expect(out.chunks).toEqual([
      '[1/2] a  failed 2/3 (66.7%)\n',
      '[2/2] b  unreachable: connection refused by b:22\n',
    ]);
  });

  it('redraws a host × status table in place on a terminal', async () => {
    const out = stream(true);
    const view = createFleetLiveView({ stream: out.stream, paint: plainPaint, interactive: true, total: 2 });
    const a: HostState = { job: job('alice'), phase: 'running', detail: 'step 2/5: Start the service' };
    view.onUpdate(a);
    view.onUpdate({ job: job('bob'), phase: 'queued', detail: '' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    view.onUpdate({ ...a, phase: 'done', result: result('passed') });
    view.close();
    expect(out.chunks[0]).toBe(
      '\x1b[2Kalice  step 2/5: Start the service\n\x1b[2Kbob    queued\n\x1b[2K0/2 hosts done, 1 running\n',
    );
    expect(out.chunks.at(-1)).toBe(
      '\x1b[3A\x1b[2Kalice  passed 2/3 (66.7%)\n\x1b[2Kbob    queued\n\x1b[2K1/2 hosts done, 0 running\n',
    );
  });
});
