// Week 10 (CI/CD Pipeline for Model Deployment), the CPU-runnable part, run for real through
// `ailab run`: the fixed train.py trains on a synthetic MNIST with Debian's python3-torch, the
// accuracy gate passes, the fixed app.py serves with Debian's python3-flask and answers POST /predict.
// The workflow file is validated with GitHub's workflow parser; Docker, GitHub Actions, Docker Hub and
// Kubernetes are not run (publish=local, docker_test=false).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { validateFile } from '../helpers/validate-template.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

describe.skipIf(!bundleBuilt())('week-10 on a CPU: train, gate, serve', () => {
  let run: LabRun;
  let workDir: string;
  let port: number;

  beforeAll(async () => {
    workDir = makeTempDir('ailab-week-10-');
    port = await freePort();
    run = await runLab('week-10', {
      workDir,
      sets: {
        python: DEBIAN_PYTHON,
        publish: 'local',
        docker_test: 'false',
        data: 'synthetic',
        synthetic_train_size: 6000,
        port,
      },
    });
  }, 120_000);

  afterAll(removeTempDirs);

  it('runs the local steps and passes', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['repo', 'synthetic-data', 'train', 'test-model', 'serve'])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['docker-build', 'docker-run', 'github', 'push', 'monitor', 'k8s-setup', 'rollback'])
      expect(step(run.result, id).status, id).toBe('skip');
    expect(run.result.score.percent).toBe(100);
  });

  it('served predictions: POST /predict answered a digit, a bad body got 400', () => {
    const [predict, badBody] = step(run.result, 'serve').checks.slice(1);
    expect(predict.status).toBe('pass');
    expect(predict.observed).toMatch(/\$\.prediction: [0-9]\b/);
    expect(badBody.status).toBe('pass');
    for (const id of ['files', 'workflow', 'model', 'accuracy-gate', 'api'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
  });

  it('stopped the API at cleanup', async () => {
    expect(await isPortOpen(port)).toBe(false);
  });

  it('wrote a workflow that GitHub parses', async () => {
    const workflow = readFileSync(join(workDir, '.github', 'workflows', 'cicd.yml'), 'utf8');
    expect(await validateFile('.github/workflows/cicd.yml', workflow)).toEqual([]);
    expect(workflow).toContain('${{ secrets.DOCKER_PASS }}');
  });

  it('grades a workflow without the training step down', async () => {
    const path = join(workDir, '.github', 'workflows', 'cicd.yml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('name: Train Model', 'name: Train'));
    const verify = await runLab('week-10', {
      mode: 'verify',
      workDir,
      sets: { python: DEBIAN_PYTHON, publish: 'local', docker_test: 'false', port },
    });
    const workflow = verifyCheck(verify.result, 'workflow');
    expect(workflow.status).toBe('fail');
    expect(workflow.message).toMatch(/Train Model/);
    expect(verifyCheck(verify.result, 'api').status).toBe('fail');
  }, 30_000);
});
