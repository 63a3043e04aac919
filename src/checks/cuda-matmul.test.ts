// The cuda-matmul check. The CPU path runs for real (Debian's numpy); the GPU path runs the real payload
// against the fake torch (test/helpers/fake-torch: numpy under torch's API, so its "TFLOPS" are a CPU's)
// with the stand-in nvidia-smi sampling the H100 capture under load, to exercise grading and diagnosis.
import { afterAll, describe, expect, it } from 'vitest';
import { removeCheckContexts } from '../../test/helpers/check-context.js';
import {
  type FakeScenario,
  fakeGpuContext,
  fakeTorchPython,
  SYSTEM_PYTHON,
} from '../../test/helpers/fake-gpu.js';
import { check } from './cuda-matmul.js';

afterAll(removeCheckContexts);

const run = (scenario: FakeScenario | 'none', options: Record<string, unknown>) =>
  check.run(fakeGpuContext(scenario), check.schema.parse(options));

describe('cuda-matmul on the CPU (real numpy)', () => {
  it('measures GFLOPS and checks the result', async () => {
    const outcome = await run('none', {
      device: 'cpu',
      size: 256,
      backend: 'numpy',
      interpreter: SYSTEM_PYTHON,
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.message).toMatch(
      /^CPU matmul 256x256x256 fp32 \(numpy, \d+ threads\): [\d.]+ GFLOPS \(median of 10 runs, [\d.]+ ms\); result correct \(max relative error [\d.]+e-\d+\)$/,
    );
    expect(outcome.facts?.matmul_gflops).toBeGreaterThan(0);
    const details = JSON.parse(outcome.details ?? '');
    expect(details).toMatchObject({ device: 'cpu', backend: 'numpy', dtype: 'fp32', m: 256, runs: 10 });
    expect(details.gflops).toBe(outcome.facts?.matmul_gflops);
  });

  it('fails below min_gflops, and refuses a dtype the CPU path does not time', async () => {
    const slow = await run('none', {
      device: 'cpu',
      size: 256,
      backend: 'numpy',
      interpreter: SYSTEM_PYTHON,
      min_gflops: 1e9,
    });
    expect(slow.status).toBe('fail');
    expect(slow.message).toMatch(/ GFLOPS \(median of 10 runs, [\d.]+ ms\), expected >= 1000000000 GFLOPS$/);
    const bf16 = await run('none', { device: 'cpu', dtype: 'bf16' });
    expect(bf16).toMatchObject({ status: 'error', message: 'the CPU path times fp32 only (dtype: bf16)' });
  });

  it('backend auto takes torch when it imports, else numpy', async () => {
    const outcome = await run('none', {
      device: 'cpu',
      size: 256,
      interpreter: SYSTEM_PYTHON,
      iterations: 3,
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.message).toMatch(/\((numpy|torch), \d+ threads\)/);
  });
});

describe('cuda-matmul without a usable GPU', () => {
  it('skips when there is no CUDA device (torch really missing, no nvidia-smi)', async () => {
    const outcome = await run('none', { interpreter: `${SYSTEM_PYTHON} -S` });
    expect(outcome).toMatchObject({
      status: 'skip',
      message: 'skipped: no CUDA device: nvidia-smi is not installed (no NVIDIA driver on this machine)',
    });
  });

  it('cpu-vs-gpu on a CPU-only machine is skipped with a clear message', async () => {
    const outcome = await run('none', { interpreter: fakeTorchPython(''), compare: 'cpu-vs-gpu' });
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toBe(
      'skipped: no CUDA device, so no CPU-vs-GPU comparison: nvidia-smi is not installed (no NVIDIA driver on this machine)',
    );
  });

  it('a CPU-only wheel on a GPU host fails and says which build to install', async () => {
    const outcome = await run('h100', {
      interpreter: fakeTorchPython('', {
        AILAB_FAKE_TORCH_VERSION: '2.3.1+cpu',
        AILAB_FAKE_TORCH_CUDA: 'none',
      }),
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      'this wheel has no CUDA (torch 2.3.1+cpu): install the cu12x build: pip install torch --index-url https://download.pytorch.org/whl/cu128',
    );
  });

  it('a dtype the GPU cannot do is an error that says what to use', async () => {
    const outcome = await run('t4', { interpreter: fakeTorchPython('Tesla T4:7.5:15360'), dtype: 'bf16' });
    expect(outcome).toMatchObject({
      status: 'error',
      message:
        'cannot time the matmul: bf16 needs compute capability 8.0 (Ampere) or newer; this GPU is 7.5: use dtype auto or fp16',
    });
  });
});

describe('cuda-matmul on a (fake) GPU', () => {
  it('grades against the dense peak, samples nvidia-smi meanwhile, and says why the result is low', async () => {
    const outcome = await run('h100-load', {
      interpreter: fakeTorchPython('NVIDIA H100 80GB HBM3:9.0:81559'),
      size: 256,
      iterations: 5,
      warmup: 1,
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(
      /^bf16 256x256x256 on NVIDIA H100 80GB HBM3: [\d.]+ TFLOPS \(median of \d+ runs, [\d.]+ ms\), 0% of the H100 SXM's 989 TFLOPS bf16 dense peak, expected >= 60%: the matrices are small \(256x256x256\): use size 8192 to keep the GPU busy$/,
    );
    expect(outcome.assertions?.map((a) => [a.name, a.ok])).toEqual([
      ['share of peak', false],
      ['result', true],
    ]);
    const details = JSON.parse(outcome.details ?? '');
    expect(details).toMatchObject({
      device: 'cuda',
      gpu: 'NVIDIA H100 80GB HBM3',
      capability: '9.0',
      dtype: 'bf16',
      peakTflops: 989,
      minFractionOfPeak: 0.6,
      peakSource: expect.stringContaining('stas00/ml-engineering'),
      torch: '2.3.1+cu121',
    });
    // The stand-in replays the H100 under gpu-burn: full clock, under the power limit, nothing throttling.
    expect(details.samples.count).toBeGreaterThan(0);
    expect(details.samples).toMatchObject({
      smClockMHz: 1980,
      maxSmClockMHz: 1980,
      powerDrawW: 631.95,
      utilizationGpu: 100,
      reasons: {},
    });
    expect(details.lowBecause).toEqual([
      'the matrices are small (256x256x256): use size 8192 to keep the GPU busy',
    ]);
  });

  it('an unknown GPU is reported, not graded, and cpu-vs-gpu gives the speedup', async () => {
    const outcome = await run('none', {
      interpreter: fakeTorchPython('NVIDIA GeForce RTX 4090:8.9:24564'),
      size: 256,
      iterations: 3,
      dtype: 'fp32',
      compare: 'cpu-vs-gpu',
      cpu_size: 256,
      speedup: '> 0',
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.message).toMatch(
      /^fp32 256x256x256 on NVIDIA GeForce RTX 4090: [\d.]+ TFLOPS .* \(no peak known for NVIDIA GeForce RTX 4090 in data\/gpu-peaks\.json: set min_tflops to grade it\); result correct .*; speedup [\d.]+x over the CPU \(GPU [\d.]+ TFLOPS fp32 vs CPU [\d.]+ GFLOPS fp32 \((torch|numpy)\)\)$/,
    );
    expect(typeof outcome.facts?.speedup).toBe('number');
    expect(JSON.parse(outcome.details ?? '').cpu).toMatchObject({ size: 256 });
  });
});
