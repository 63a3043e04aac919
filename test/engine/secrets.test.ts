// A secret var never reaches the RunResult (the JSON report): not in step output, check titles,
// messages, expected/observed, assertions, cleanup messages or vars. It shows as ***.
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

const TOKEN = 'tok-5ecr3t-A1b2C3';

describe('secrets', () => {
  it('never appear in the serialized result, wherever the lab prints them', async () => {
    const { result, events } = await runSampleLab('secrets', { sets: [`token=${TOKEN}`] });

    // The secret really went through every path: the steps printed it, the checks saw it.
    const echo = result.steps[0];
    // A step title with a placeholder is filled in, and the secret redacted.
    expect(echo.title).toBe('Print the token ***');
    expect(echo.outputTail).toContain('token is ***');
    expect(echo.outputTail).toContain('env token is ***');
    expect(echo.checks.map((c) => [c.id, c.status])).toEqual([
      ['sees-token', 'pass'],
      ['wrong-token', 'fail'],
    ]);
    expect(echo.checks[0].title).toBe('The output holds ***');
    expect(result.steps[1]).toMatchObject({
      id: 'fail-loudly',
      status: 'fail',
      outputTail: 'failing with ***',
    });
    expect(result.verify.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(result.cleanup[0]).toMatchObject({ id: 'noisy', status: 'error' });
    expect(result.cleanup[0].message).toContain('cleanup sees ***');
    expect(result.vars.token).toBe('***');

    const json = JSON.stringify(result);
    expect(json).toContain('***');
    expect(json).not.toContain(TOKEN);
    // Nor does any event the live view prints.
    const streamed = JSON.stringify(events.filter((e: EngineEvent) => e.type !== 'lab-start'));
    expect(streamed).not.toContain(TOKEN);
  });
});
