// Retries of a failing step and `within` polling of a check, with real files as counters and signals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

describe('runLab retries and polling', () => {
  it('retries a step until it passes, and polls a check until it passes', async () => {
    const { result, workDir } = await runSampleLab('retries');

    const [flaky, later] = result.steps;
    expect(flaky).toMatchObject({
      id: 'flaky',
      status: 'pass',
      attempts: 3,
      exitCode: 0,
      message: 'exit code 0 after 3 attempts',
    });
    expect(flaky.outputTail).toBe('attempt 3');
    expect(readFileSync(join(workDir, 'count.txt'), 'utf8').trim()).toBe('3');

    // The file appears about 0.6 s after the step ends: the check saw it missing, then present.
    expect(later.status).toBe('pass');
    const ready = later.checks[0];
    expect(ready).toMatchObject({ id: 'ready-file', status: 'pass' });
    expect(ready.attempts).toBeGreaterThan(1);
    expect(ready.durationMs).toBeGreaterThanOrEqual(300);
    expect(ready.durationMs).toBeLessThan(5000);
    expect(result.status).toBe('passed');
  });
});
