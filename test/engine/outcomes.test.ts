// The engine on real labs (test/labs) on this machine: passing, failing steps and checks,
// continue_on_error, and verify mode. Each run uses real bash processes in a fresh work folder.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

describe('runLab outcomes', () => {
  it('passes a lab whose steps and checks all pass, and grades it', async () => {
    const { result, workDir } = await runSampleLab('all-pass');

    expect(result.status).toBe('passed');
    expect(result.schemaVersion).toBe(1);
    expect(result.tool).toEqual({ name: 'ailab', version: '0.0.0-test' });
    expect(result.mode).toBe('run');
    expect(result.lab).toMatchObject({ id: 'all-pass', title: 'Everything passes' });
    expect(result.target).toEqual({ uri: 'local', kind: 'local' });
    expect(result.workDir).toBe(workDir);
    expect(Date.parse(result.finishedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
    expect(result.preflight).toEqual([{ requirement: 'command: bash', ok: true, observed: 'on PATH' }]);

    expect(result.steps.map((s) => [s.id, s.status, s.exitCode, s.attempts])).toEqual([
      ['write', 'pass', 0, 1],
      ['read', 'pass', 0, 1],
    ]);
    expect(result.steps[1].outputTail).toBe('42');
    expect(result.steps.flatMap((s) => s.checks.map((c) => [c.id, c.status]))).toEqual([
      ['answer-file', 'pass'],
      ['answer-command', 'pass'],
    ]);
    expect(result.verify.map((c) => [c.id, c.status, c.earned, c.points])).toEqual([
      ['answer', 'pass', 2, 2],
      ['shell', 'pass', 1, 1],
    ]);
    expect(result.score).toEqual({ earned: 3, possible: 3, percent: 100, threshold: 70, passed: true });
    expect(result.message).toBe('score 3/3 (100%), at or above the 70% pass mark');

    // The steps really ran in the work folder, and cleanup ran after them.
    expect(existsSync(join(workDir, 'made-by-step'))).toBe(true);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
    expect(result.cleanup).toEqual([
      expect.objectContaining({ id: 'mark', title: 'Leave a cleanup marker', status: 'pass' }),
    ]);
  });

  it('stops at a failing step, skips the rest and still runs cleanup', async () => {
    const { result, workDir } = await runSampleLab('step-fails');

    expect(result.status).toBe('failed');
    const [first, broken, never] = result.steps;
    expect(first).toMatchObject({ id: 'first', status: 'pass' });
    expect(broken).toMatchObject({
      id: 'broken',
      status: 'fail',
      exitCode: 1,
      message: 'exit code 1',
      outputTail: 'about to fail',
    });
    expect(never).toMatchObject({
      id: 'never',
      status: 'skip',
      message: 'an earlier step failed',
      attempts: 0,
    });
    expect(existsSync(join(workDir, 'never-ran'))).toBe(false);
    expect(result.message).toBe('step "broken" failed: exit code 1');

    // Cleanup ran: it deleted the scratch file the first step made and left its marker.
    expect(existsSync(join(workDir, 'scratch.tmp'))).toBe(false);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
    expect(result.cleanup).toEqual([expect.objectContaining({ id: 'tidy', status: 'pass' })]);
  });

  it('reports what a failing check expected and what it observed', async () => {
    const { result } = await runSampleLab('check-fails');

    expect(result.status).toBe('failed');
    const step = result.steps[0];
    expect(step.status).toBe('fail');
    expect(step.message).toMatch(/^check "The greeting says goodbye" failed: /);
    const check = step.checks[0];
    expect(check).toMatchObject({ id: 'wrong-greeting', status: 'fail', earned: 0 });
    expect(check.expected).toContain('goodbye');
    expect(check.observed).toContain('hello');
    expect(check.message).not.toBe('');

    // The step failed, so the verify checks still run (they grade the machine) but score nothing here.
    const verify = result.verify[0];
    // The hint reads with its placeholder filled in.
    expect(verify).toMatchObject({
      id: 'missing-file',
      status: 'fail',
      hint: 'Make nobody-made-this.txt by hand.',
    });
    expect(verify.expected).toBe(`${join(result.workDir!, 'nobody-made-this.txt')}: exists`);
    expect(verify.observed).toBe(`${join(result.workDir!, 'nobody-made-this.txt')}: does not exist`);
    expect(result.score).toMatchObject({ earned: 0, possible: 1, passed: false });
  });

  it('goes on after a step marked continue_on_error, and can still pass', async () => {
    const { result, workDir } = await runSampleLab('continue');

    expect(result.steps.map((s) => [s.id, s.status, s.exitCode])).toEqual([
      ['may-fail', 'fail', 3],
      ['next', 'pass', 0],
    ]);
    expect(existsSync(join(workDir, 'next-ran'))).toBe(true);
    expect(result.status).toBe('passed');
  });

  it('runs only the verify checks in verify mode: no steps, no cleanup steps', async () => {
    const workDir = makeTempDir('ailab-verify-');
    writeFileSync(join(workDir, 'answer.txt'), '42\n');

    const { result } = await runSampleLab('all-pass', { mode: 'verify', workDir });

    expect(result.mode).toBe('verify');
    expect(result.steps).toEqual([]);
    expect(result.cleanup).toEqual([]);
    expect(result.verify.map((c) => [c.id, c.status])).toEqual([
      ['answer', 'pass'],
      ['shell', 'pass'],
    ]);
    expect(result.status).toBe('passed');
    expect(existsSync(join(workDir, 'made-by-step'))).toBe(false);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(false);
  });

  it('grades a hand-done lab as failed in verify mode when its work is missing', async () => {
    const { result, workDir } = await runSampleLab('all-pass', { mode: 'verify' });

    expect(result.verify.find((c) => c.id === 'answer')).toMatchObject({ status: 'fail', earned: 0 });
    expect(result.score).toMatchObject({ earned: 1, possible: 3, passed: false });
    expect(result.status).toBe('failed');
    expect(existsSync(join(workDir, 'answer.txt'))).toBe(false);
  });
});
