// The torch check with the fake torch package (test/helpers/fake-torch: torch's API surface over numpy,
// configured by AILAB_FAKE_TORCH_*) and the stand-in nvidia-smi; the "torch missing" case is real
// (Debian's python3 with -S does not see dist-packages, so `import torch` fails whatever is installed).
import { afterAll, describe, expect, it } from 'vitest';
import { removeCheckContexts } from '../../test/helpers/check-context.js';
import {
  type FakeScenario,
  fakeGpuContext,
  fakeTorchPython,
  SYSTEM_PYTHON,
} from '../../test/helpers/fake-gpu.js';
import { check, formatCudnnVersion } from './torch.js';

afterAll(removeCheckContexts);

const H100 = 'NVIDIA H100 80GB HBM3:9.0:81559';
const run = (scenario: FakeScenario | 'none', options: Record<string, unknown>) =>
  check.run(fakeGpuContext(scenario), check.schema.parse(options));

describe('torch check', () => {
  it('passes a CUDA build that sees the GPU, with every expectation', async () => {
    const outcome = await run('h100', {
      interpreter: fakeTorchPython(H100),
      version: '>= 2.1',
      device_count: 1,
      device_name: 'H100',
      cuda_version: '>= 12.1',
      cudnn_version: '>= 8.9',
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.assertions?.map((a) => `${a.name}: ${a.actual}`)).toEqual([
      'torch: 2.3.1+cu121',
      'torch version: 2.3.1+cu121',
      'cuda available: true',
      'device count: 1',
      'device name: NVIDIA H100 80GB HBM3',
      'torch cuda: 12.1',
      'cudnn: 8.9.2',
    ]);
    expect(outcome.facts).toEqual({ torch_version: '2.3.1+cu121', torch_cuda: '12.1' });
  });

  it('a CPU-only wheel on a GPU host: says the wheel has no CUDA and which build to install', async () => {
    const outcome = await run('h100', {
      interpreter: fakeTorchPython(H100, {
        AILAB_FAKE_TORCH_VERSION: '2.3.1+cpu',
        AILAB_FAKE_TORCH_CUDA: 'none',
      }),
    });
    expect(outcome.status).toBe('fail');
    // The stand-in's driver supports CUDA 13.1: the newest wheel index it can run.
    expect(outcome.message).toBe(
      'this wheel has no CUDA (torch 2.3.1+cpu): install the cu12x build: pip install torch --index-url https://download.pytorch.org/whl/cu128',
    );
  });

  it('a CUDA wheel newer than the driver: says so', async () => {
    const outcome = await run('t4', {
      interpreter: fakeTorchPython('', {
        AILAB_FAKE_TORCH_VERSION: '2.5.1+cu124',
        AILAB_FAKE_TORCH_CUDA: '12.4',
      }),
    });
    expect(outcome.message).toBe(
      'torch 2.5.1+cu124 needs CUDA 12.4 but the driver supports only CUDA 11.7: upgrade the driver, or pip install torch --index-url https://download.pytorch.org/whl/cu118',
    );
  });

  it('no GPU at all: says there is no CUDA device, and why', async () => {
    const outcome = await run('none', { interpreter: fakeTorchPython('') });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      'no CUDA device: nvidia-smi is not installed (no NVIDIA driver on this machine)',
    );
    const cpuLab = await run('none', {
      interpreter: fakeTorchPython(''),
      cuda_available: false,
      device_count: 0,
    });
    expect(cpuLab.status).toBe('pass');
  });

  it('torch missing, for real', async () => {
    const outcome = await run('none', { interpreter: `${SYSTEM_PYTHON} -S` });
    expect(outcome).toMatchObject({
      status: 'fail',
      message: `torch is not installed for ${SYSTEM_PYTHON} -S (ModuleNotFoundError: No module named 'torch'): pip install torch`,
    });
    const onGpuHost = await run('h100', { interpreter: `${SYSTEM_PYTHON} -S` });
    expect(onGpuHost.message).toMatch(
      /: pip install torch --index-url https:\/\/download\.pytorch\.org\/whl\/cu128$/,
    );
  });

  it('an interpreter that is not there', async () => {
    const outcome = await run('none', { interpreter: 'no-such-python3' });
    expect(outcome).toMatchObject({
      status: 'fail',
      message: 'the Python interpreter `no-such-python3` is not on the target (command not found)',
    });
  });

  it('formats cuDNN versions of both encodings', () => {
    expect(formatCudnnVersion(8902)).toBe('8.9.2');
    expect(formatCudnnVersion(90100)).toBe('9.1.0');
  });
});
