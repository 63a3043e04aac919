// Week 8 (Train ResNet Across Multiple GPUs), the CPU-runnable part, run for real through `ailab run`:
// the fixed train_ddp.py with DistributedDataParallel on the gloo backend, world size 2, on
// torchvision's FakeData (CIFAR-10 cannot be faked: its archive is checksummed), with Debian's
// python3-torch 1.13. Launched both ways the lab offers: torch.distributed.run (with the
// --redirects 1 --tee 1 workaround for torch 1.13 on Python 3.11) and mp.spawn.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  problems,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

afterAll(removeTempDirs);

describe.skipIf(!bundleBuilt())('week-08 on a CPU: DDP with gloo, 2 ranks, FakeData', () => {
  it.each([
    ['torchrun', 'train-torchrun', 'train-spawn'],
    ['spawn', 'train-spawn', 'train-torchrun'],
  ])(
    'launcher=%s: both ranks train, the loss falls, the checkpoint loads',
    async (launcher, ran, skipped) => {
      const workDir = makeTempDir(`ailab-week-08-${launcher}-`);
      const run = await runLab('week-08', {
        workDir,
        sets: {
          python: DEBIAN_PYTHON,
          device: 'cpu',
          data: 'fake',
          launcher,
          nproc: 2,
          master_port: await freePort(),
          fake_size: 256,
          min_accuracy: 0,
        },
      });
      expect(run.result.status, problems(run.result)).toBe('passed');
      expect(step(run.result, ran).status).toBe('pass');
      expect(step(run.result, skipped).status).toBe('skip');
      expect(step(run.result, 'dataset').message).toBe('skipped: data == cifar10 is false');
      const [ranks, checkpoint] = step(run.result, ran).checks;
      expect(ranks.status).toBe('pass');
      expect(ranks.observed).toMatch(/ranks=2 complete=2 falling=2/);
      expect(checkpoint.status).toBe('pass');
      for (const id of ['ranks', 'checkpoint', 'checkpoint-loads', 'accuracy', 'no-processes'])
        expect(verifyCheck(run.result, id).status, id).toBe('pass');
      for (const id of ['gpus', 'torch-cuda', 'dataset'])
        expect(verifyCheck(run.result, id).status, id).toBe('skip');
    },
    120_000,
  );
});
