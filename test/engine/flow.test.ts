// Steps and checks that do not run: `when` on a choice, `requires` a missing command, and `confirm`
// (no prompt and no --yes is an error; --yes or a yes at the prompt runs it; a no skips it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

describe('when and requires', () => {
  it('skips the steps and checks whose `when` is false for the chosen option', async () => {
    const { result, workDir } = await runSampleLab('flow', { sets: ['cloud=gcp'] });

    expect(result.vars.cloud).toBe('gcp');
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    expect(byId['aws-only']).toMatchObject({ status: 'skip', message: 'skipped: cloud == aws is false' });
    expect(byId['gcp-only']).toMatchObject({ status: 'pass' });
    expect(existsSync(join(workDir, 'aws-ran'))).toBe(false);
    expect(existsSync(join(workDir, 'gcp-ran'))).toBe(true);
    // Only the template whose `when` holds was written.
    expect(readFileSync(join(workDir, 'cloud.toml'), 'utf8')).toBe('zone = "us-central1-a"\n');
    expect(result.verify.map((c) => [c.id, c.status, c.message])).toEqual([
      ['aws-file', 'skip', 'skipped: cloud == aws is false'],
      ['plain-file', 'pass', expect.any(String)],
    ]);
    // A skipped check counts neither for nor against the score.
    expect(result.score).toMatchObject({ earned: 1, possible: 1, passed: true });
    expect(result.status).toBe('passed');
  });

  it('takes the default option when none is given', async () => {
    const { result, workDir } = await runSampleLab('flow');

    expect(result.vars.cloud).toBe('aws');
    expect(result.steps.find((s) => s.id === 'gcp-only')).toMatchObject({
      status: 'skip',
      message: 'skipped: cloud == gcp is false',
    });
    expect(existsSync(join(workDir, 'aws-ran'))).toBe(true);
    expect(readFileSync(join(workDir, 'cloud.toml'), 'utf8')).toBe('region = "us-east-1"\n');
    expect(result.verify.map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(result.score).toMatchObject({ earned: 2, possible: 2 });
  });

  it('skips, and does not fail, a step or check that requires a missing command', async () => {
    const { result, workDir } = await runSampleLab('flow');

    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    expect(byId['needs-tool']).toMatchObject({
      status: 'skip',
      message: 'skipped: definitely-not-a-command-xyz is not on this machine',
      attempts: 0,
    });
    expect(byId.plain.status).toBe('pass');
    expect(byId.plain.checks).toEqual([
      expect.objectContaining({
        id: 'tool-check',
        status: 'skip',
        message: 'skipped: definitely-not-a-command-xyz is not on this machine',
      }),
    ]);
    expect(existsSync(join(workDir, 'plain-ran'))).toBe(true);
    expect(result.status).toBe('passed');
  });
});

describe('confirm', () => {
  it('is an error, not a silent skip, when it cannot ask and --yes was not given', async () => {
    const { result, workDir } = await runSampleLab('confirm');

    expect(result.steps[0]).toMatchObject({ id: 'danger', status: 'error' });
    expect(result.steps[0].message).toBe(
      'needs confirmation ("Really spend money?"): rerun with --yes to run it without asking',
    );
    expect(existsSync(join(workDir, 'confirmed-ran'))).toBe(false);
    expect(result.status).toBe('failed');
  });

  it('runs without asking with yes', async () => {
    const asked: string[] = [];
    const { result, workDir } = await runSampleLab('confirm', {
      yes: true,
      confirm: async (question) => {
        asked.push(question);
        return false;
      },
    });

    expect(asked).toEqual([]);
    expect(result.steps[0]).toMatchObject({ id: 'danger', status: 'pass' });
    expect(existsSync(join(workDir, 'confirmed-ran'))).toBe(true);
    expect(result.status).toBe('passed');
  });

  it('asks its question, runs on yes and skips on no', async () => {
    const asked: string[] = [];
    const yes = await runSampleLab('confirm', {
      confirm: async (question) => {
        asked.push(question);
        return true;
      },
    });
    expect(asked).toEqual(['Really spend money?']);
    expect(yes.result.steps[0].status).toBe('pass');
    expect(existsSync(join(yes.workDir, 'confirmed-ran'))).toBe(true);

    const no = await runSampleLab('confirm', { confirm: async () => false });
    expect(no.result.steps[0]).toMatchObject({ status: 'skip', message: 'skipped: declined at the prompt' });
    expect(existsSync(join(no.workDir, 'confirmed-ran'))).toBe(false);
  });
});
