// Grading: points, partial credit per assertion, bonus points, skipped checks, the pass mark and
// required checks.
import { afterEach, describe, expect, it } from 'vitest';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

describe('grading', () => {
  it('adds points, partial credit and bonus; skipped checks do not count', async () => {
    const { result } = await runSampleLab('grading', { mode: 'verify' });

    expect(result.verify.map((c) => [c.id, c.status, c.earned, c.points])).toEqual([
      ['full', 'pass', 2, 2],
      ['zero', 'fail', 0, 2],
      ['partial', 'fail', 2, 3],
      ['extra', 'pass', 1, 1],
      ['skipped', 'skip', 0, 5],
    ]);
    const partial = result.verify[2];
    expect(partial.assertions?.map((a) => [a.name, a.ok])).toEqual([
      ['exit code', true],
      ['stdout contains "hello"', true],
      ['stderr contains "nope"', false],
    ]);
    // Only the failing expectation is shown as expected/observed.
    expect(partial.expected).toMatch(/^stderr contains "nope": /);
    expect(partial.observed).toMatch(/^stderr contains "nope": /);
    expect(result.verify.find((c) => c.id === 'extra')?.bonus).toBe(true);

    // 2 + 0 + 2 + 1 (bonus) of 2 + 2 + 3: 5/7 = 71.4%, above the default 70% mark.
    expect(result.score).toEqual({ earned: 5, possible: 7, percent: 71.4, threshold: 70, passed: true });
    expect(result.status).toBe('passed');
    expect(result.message).toBe('score 5/7 (71.4%), at or above the 70% pass mark');
  });

  it('fails below the lab pass_threshold', async () => {
    const { result } = await runSampleLab('grading-threshold', { mode: 'verify' });

    expect(result.score).toEqual({ earned: 1, possible: 2, percent: 50, threshold: 60, passed: false });
    expect(result.status).toBe('failed');
    expect(result.message).toBe('score 1/2 (50%), below the 60% pass mark');
  });

  it('fails when a required check fails, even with every point earned', async () => {
    const { result } = await runSampleLab('grading-required', { mode: 'verify' });

    expect(result.score).toMatchObject({ earned: 3, possible: 3, percent: 100, passed: false });
    expect(result.verify.find((c) => c.id === 'must')).toMatchObject({ status: 'fail', required: true });
    expect(result.status).toBe('failed');
    expect(result.message).toBe('required check "Required, worth nothing" did not pass');
  });
});
