// Week 4 (Containerize a PyTorch Model), the CPU-runnable part, run for real through the `ailab` CLI:
// train_model.py (weights=none: nothing downloaded) and the unchanged app.py served by uvicorn on
// 127.0.0.1, with Debian's python3-torch, torchvision, fastapi, uvicorn and python3-multipart. Every
// API check runs against the live server. There is no Docker engine in CI: a stand-in `docker` that
// only answers --version satisfies the lab's requirement, and run_with=local skips build and run.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
  writeStub,
} from './fixtures-w01-05/ailab-cli.js';

const DOCKER_STUB = `#!/bin/sh
# Stand-in docker: a client without an engine (CI has none).
if [ "$1" = --version ]; then echo "Docker version 27.0.0-stand-in, build 0000000"; exit 0; fi
echo "Cannot connect to the Docker daemon (stand-in)" >&2; exit 1
`;

describe('week-04 on a CPU machine, served by uvicorn (run_with=local)', () => {
  let run: LabRun;
  let port: number;

  beforeAll(async () => {
    ensureBundle();
    const bin = makeTempDir('ailab-w04-bin-');
    writeStub(bin, 'docker', DOCKER_STUB);
    port = await freePort();
    run = await runLabCli('week-04', {
      sets: { run_with: 'local', python: DEBIAN_PYTHON, weights: 'none', port },
      only: ['prerequisites', 'train-model', 'app-files', 'serve-local', 'test-image', 'test-api', 'browser'],
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
  }, 90_000);

  afterAll(removeTempDirs);

  it('runs the CPU steps, passes every API check and grades 100%', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of [
      'prerequisites',
      'train-model',
      'app-files',
      'serve-local',
      'test-image',
      'test-api',
      'browser',
    ])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['build-image', 'run-container']) expect(step(run.result, id).status, id).toBe('skip');
    expect(run.result.score).toMatchObject({ earned: 8, possible: 8, percent: 100, passed: true });
  });

  it('trained and saved the state_dict (model.pt over 40 MB, no download)', () => {
    const model = join(run.result.workDir!, 'model.pt');
    expect(statSync(model).size).toBeGreaterThan(40_000_000);
    expect(readFileSync(join(run.result.workDir!, 'train.log'), 'utf8')).toContain('Model saved as model.pt');
    // A state_dict is a zip of tensors with no pickled torchvision class in it.
    expect(readFileSync(model).includes('torchvision.models.resnet')).toBe(false);
  });

  it('got a prediction for the generated JPEG, the same twice, and 422 without a file', () => {
    expect(stepCheck(run.result, 'test-api', /answers \{"prediction"/).status).toBe('pass');
    expect(stepCheck(run.result, 'test-api', /same prediction twice/).status).toBe('pass');
    expect(stepCheck(run.result, 'test-api', /without a file is refused with 422/).status).toBe('pass');
    // The course's curl command, as the step ran it: its answer is in the step's output.
    const answer = /^\{"prediction":\d+\}$/m.exec(step(run.result, 'test-api').outputTail ?? '')?.[0];
    expect(answer, step(run.result, 'test-api').outputTail).toBeDefined();
    const { prediction } = JSON.parse(answer!) as { prediction: number };
    expect(prediction).toBeGreaterThanOrEqual(0);
    expect(prediction).toBeLessThanOrEqual(9);
    expect(verifyCheck(run.result, 'openapi').status).toBe('pass');
    expect(verifyCheck(run.result, 'no-file').status).toBe('pass');
  });

  it('skips the Docker-only checks and says why', () => {
    expect(stepCheck(run.result, 'prerequisites', 'The Docker engine answers (docker info)').message).toBe(
      'skipped: run_with == docker is false',
    );
    for (const id of ['image', 'container', 'gpu'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
  });

  it('stopped uvicorn at cleanup: the port is closed again', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-serve-local', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });
});
