// Week 7 (Run a Model on GPU with CUDA), the CPU-runnable part, run for real through `ailab run`:
// the course's training code (assembled into train_mnist.py) with Debian's python3-torch and
// python3-torchvision, on a synthetic MNIST written in torchvision's raw IDX format (so the course's
// download=True finds it and downloads nothing). The GPU steps and checks are skipped on the cpu path.
import { readFileSync } from 'node:fs';
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

describe.skipIf(!bundleBuilt())('week-07 on a CPU with a synthetic MNIST', () => {
  let run: LabRun;
  let workDir: string;

  beforeAll(async () => {
    workDir = makeTempDir('ailab-week-07-');
    run = await runLab('week-07', {
      workDir,
      sets: { python: DEBIAN_PYTHON, device: 'cpu', data: 'synthetic', synthetic_train_size: 6000 },
    });
  }, 120_000);

  afterAll(removeTempDirs);

  it('runs every CPU step and passes', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['cuda-check', 'synthetic-data', 'dataset', 'train'])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['nvidia-smi', 'gpu-monitor', 'cpu-vs-gpu'])
      expect(step(run.result, id).message, id).toBe('skipped: device == cuda is false');
  });

  it('trained for real: the loss fell, the accuracy check passed, the model was saved', () => {
    const log = readFileSync(join(workDir, 'train.log'), 'utf8');
    const losses = [...log.matchAll(/^Epoch (\d), Loss: ([0-9.e-]+)$/gm)].map((m) => Number(m[2]));
    expect(losses).toHaveLength(2);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(log).toMatch(/Device: cpu/);
    for (const id of ['dataset', 'loss-falls', 'accuracy', 'model'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['gpu', 'torch-cuda', 'gpu-used', 'speedup'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
    expect(run.result.score.percent).toBe(100);
  });

  it('fails the graded checks in a folder where nothing was trained', async () => {
    const empty = makeTempDir('ailab-week-07-empty-');
    const verify = await runLab('week-07', {
      mode: 'verify',
      workDir: empty,
      sets: { python: DEBIAN_PYTHON, device: 'cpu' },
    });
    expect(verify.result.status).toBe('failed');
    expect(verify.code).toBe(1);
    for (const id of ['dataset', 'loss-falls', 'accuracy', 'model'])
      expect(verifyCheck(verify.result, id).status, id).toBe('fail');
  });

  it('asks for a GPU on the course path (device=cuda) where there is none', async () => {
    const gpuless = makeTempDir('ailab-week-07-cuda-');
    const verify = await runLab('week-07', {
      mode: 'verify',
      workDir: gpuless,
      sets: { python: DEBIAN_PYTHON },
    });
    expect(verifyCheck(verify.result, 'torch-cuda').status).toBe('fail');
    expect(verifyCheck(verify.result, 'torch-cuda').hint).toMatch(/CUDA build of PyTorch/);
  });
});
