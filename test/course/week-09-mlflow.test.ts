// Week 9 (Track Experiments with MLflow), the CPU-runnable part, run for real through `ailab run`.
// MLflow is not in Debian and PyPI cannot be reached in CI, so two stand-ins take its place, and only
// its place: a fake MLflow tracking server (fixtures-w06-10/fake-mlflow-server.ts, Node, on
// 127.0.0.1) for the lab's "server" step, and a stand-in `mlflow` Python module on PYTHONPATH
// (fixtures-w06-10/mlflow-stub/) that sends the training script's logging calls to it with MLflow's
// REST API. Everything else is real: the lab's training script with Debian's torch, torchvision and
// matplotlib on a synthetic MNIST, and the lab's own checks, which read back through the REST API
// what the script logged.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';
import { type FakeMlflow, startFakeMlflow } from './fixtures-w06-10/fake-mlflow-server.js';

const STUB = join(import.meta.dirname, 'fixtures-w06-10', 'mlflow-stub');

describe.skipIf(!bundleBuilt())('week-09 on a CPU with a stand-in MLflow', () => {
  let server: FakeMlflow;
  let run: LabRun;
  let workDir: string;

  beforeAll(async () => {
    server = await startFakeMlflow();
    workDir = makeTempDir('ailab-week-09-');
    run = await runLab('week-09', {
      workDir,
      sets: { python: DEBIAN_PYTHON, data: 'synthetic', synthetic_train_size: 3000, port: server.port },
      only: ['version', 'synthetic-data', 'train', 'ui', 'compare', 'load-model'],
      env: { PYTHONPATH: STUB },
    });
  }, 150_000);

  afterAll(async () => {
    await server?.close();
    removeTempDirs();
  });

  it('passes every step it ran and every graded check', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['version', 'synthetic-data', 'train', 'compare', 'load-model'])
      expect(step(run.result, id).status, id).toBe('pass');
    // The real install and server steps were not run: MLflow is what the stand-ins replace.
    expect(step(run.result, 'install').status).toBe('skip');
    expect(step(run.result, 'server').status).toBe('skip');
    expect(run.result.score.percent).toBe(100);
  });

  it('read back what the training script logged, through the REST API', () => {
    const train = step(run.result, 'train');
    expect(train.checks.map((c) => [c.title, c.status])).toEqual([
      ['The loss of epoch 2 is below that of epoch 1', 'pass'],
      ['The run is FINISHED and logged its params: learning rate, batch size', 'pass'],
      ['Metrics: the loss of each of the 2 epochs, falling', 'pass'],
      ['Artifacts: the trained model was logged with the run', 'pass'],
      ['The loss curve (loss_curve.png) was uploaded to the training run', 'pass'],
    ]);
    for (const id of ['params', 'metrics', 'model', 'artifact', 'compare', 'reload'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
  });

  it('fails the graded checks when the server has no runs', async () => {
    const empty = await startFakeMlflow();
    try {
      const verify = await runLab('week-09', {
        mode: 'verify',
        workDir,
        sets: { python: DEBIAN_PYTHON, port: empty.port },
      });
      expect(verify.result.status).toBe('failed');
      expect(verifyCheck(verify.result, 'server').status).toBe('pass');
      for (const id of ['params', 'metrics', 'model', 'artifact', 'compare'])
        expect(verifyCheck(verify.result, id).status, id).toBe('fail');
    } finally {
      await empty.close();
    }
  }, 30_000);
});
