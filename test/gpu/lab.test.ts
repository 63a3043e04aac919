// GPU labs through the real loader and engine on this machine, with the stand-in nvidia-smi replaying
// real captures (FakeGpuTarget puts it first on PATH for every command the lab runs).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { loadLab } from '../../src/spec/load.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { FakeGpuTarget, type FakeScenario, fakeGpuEnv } from '../helpers/fake-gpu.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const LABS = join(REPO_ROOT, 'test', 'labs-gpu');

afterAll(removeTempDirs);

async function runGpuLab(id: string, scenario: FakeScenario | 'none') {
  const lab = await loadLab(join(LABS, `${id}.yaml`));
  const values = Object.fromEntries(Object.values(lab.vars).map((v) => [v.name, v.default ?? '']));
  const result = await runLab(lab, {
    target: new FakeGpuTarget(fakeGpuEnv(scenario)),
    mode: 'run',
    values,
    workDir: makeTempDir(`ailab-${id}-`),
    signal: new AbortController().signal,
    version: '0.0.0-test',
  });
  return { lab, result };
}

describe('a GPU lab on a (stand-in) H100', () => {
  it('passes preflight, its step checks and its graded checks', async () => {
    const { lab, result } = await runGpuLab('gpu-basics', 'h100');
    expect(lab.requires.gpu).toEqual({ count: 1, memoryBytes: 16 * 1024 ** 3, name: 'H100|A10G|L4' });
    expect(result.preflight.find((p) => p.requirement.startsWith('gpu:'))).toEqual({
      requirement: 'gpu: 1 NVIDIA GPU with >= 16 GiB matching /H100|A10G|L4/',
      ok: true,
      observed: '1: NVIDIA H100 80GB HBM3 (79.6 GiB)',
    });
    expect(result.steps[0].checks?.[0]).toMatchObject({ type: 'nvidia-smi', status: 'pass' });
    expect(result.verify.map((c) => [c.id, c.status, c.earned])).toEqual([
      ['gpu', 'pass', 2],
      ['gpu-idle', 'pass', 1],
      ['cpu-matmul', 'pass', 1],
    ]);
    expect(result.verify[2].message).toMatch(
      /^CPU matmul 256x256x256 fp32 \(numpy, \d+ threads\): [\d.]+ GFLOPS/,
    );
    expect(result.status).toBe('passed');
  });

  it('under load, the idle check fails with what it saw', async () => {
    const { result } = await runGpuLab('gpu-basics', 'h100-load');
    const idle = result.verify.find((c) => c.id === 'gpu-idle');
    expect(idle).toMatchObject({
      status: 'fail',
      message: 'memory used 19.4 GiB, expected < 1GiB (and 1 more)',
    });
    expect(idle?.assertions?.find((a) => a.name === 'utilization')).toMatchObject({
      ok: false,
      actual: '100%',
    });
  });
});

describe('GPU requirements in preflight', () => {
  it('a broken driver stops the lab before any step, with the diagnosis', async () => {
    const { result } = await runGpuLab('gpu-basics', 'no-driver');
    const gpu = result.preflight.find((p) => p.requirement.startsWith('gpu:'));
    expect(gpu?.ok).toBe(false);
    expect(gpu?.observed).toMatch(
      /^the NVIDIA driver is not loaded \(nvidia-smi cannot talk to it\)\. Look at `lsmod/,
    );
    expect(result.steps).toHaveLength(0);
    expect(result.status).toBe('error');
  });

  it('a GPU that does not fit the requirement', async () => {
    const { result } = await runGpuLab('gpu-basics', 't4');
    expect(result.preflight.find((p) => p.requirement.startsWith('gpu:'))).toEqual({
      requirement: 'gpu: 1 NVIDIA GPU with >= 16 GiB matching /H100|A10G|L4/',
      ok: false,
      observed: '0 of 1 fit: Tesla T4 (15 GiB)',
    });
  });

  it('`gpu` in the requirement list means at least one NVIDIA GPU, not a command', async () => {
    const { lab, result } = await runGpuLab('gpu-shorthand', 'none');
    expect(lab.requires.commands).toEqual(['bash']);
    expect(lab.requires.gpu).toEqual({ count: 1, memoryBytes: undefined, name: undefined });
    expect(result.preflight.find((p) => p.requirement.startsWith('gpu:'))).toMatchObject({
      requirement: 'gpu: 1 NVIDIA GPU',
      ok: false,
      observed: expect.stringMatching(/^nvidia-smi is not installed/),
    });
    const ok = await runGpuLab('gpu-shorthand', 'a10g');
    expect(ok.result.status).toBe('passed');
  });
});
