import { describe, expect, it } from 'vitest';
import { check, gpu as gpuFixture, run } from '../../test/report/fixtures.js';
import { extractGpu } from './gpu.js';

const lab = { id: 'week-07', title: 'GPU', week: 7, file: '/labs/week-07.yaml' };

describe('extractGpu', () => {
  it('is undefined when no GPU check ran (skipped ones do not count)', () => {
    const skipped = check({ id: 'g', title: 'GPU', type: 'nvidia-smi', status: 'skip' });
    expect(extractGpu([run({ lab, verify: [skipped, check({ id: 'c', title: 'cmd' })] })])).toBeUndefined();
  });

  it('reads `nvidia-smi -L` lines and CSV rows, merging what two checks tell of one card', () => {
    const section = extractGpu([gpuFixture])!;
    expect(section.cards).toEqual([
      {
        host: 'gpu-1.example.com',
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        memory: '81559 MiB',
        driver: '550.54.15',
      },
      { host: 'gpu-1.example.com', index: 1, name: 'NVIDIA H100 80GB HBM3' },
    ]);
    expect(section.matmul).toEqual([
      expect.objectContaining({ value: 712.4, unit: 'TFLOPS', peak: 989, dtype: 'bf16' }),
    ]);
  });

  it('reads the JSON details of the nvidia-smi and cuda-matmul checks', () => {
    const inventory = {
      source: 'csv',
      driverVersion: '535.104.05',
      cudaVersion: '12.2',
      gpus: [
        {
          index: 0,
          name: 'NVIDIA A10G',
          memoryTotalMiB: 23028,
          driverVersion: '535.104.05',
          unavailable: {},
        },
        { index: 1, name: 'NVIDIA A10G', memoryTotalMiB: 23028, driverVersion: null, unavailable: {} },
      ],
      notes: [],
    };
    const matmul = {
      device: 'cuda',
      gpu: 'NVIDIA A10G',
      dtype: 'bf16',
      tflops: 52.3,
      peakTflops: 70,
      runs: 20,
    };
    const cpu = { device: 'cpu', backend: 'numpy', dtype: 'fp32', gflops: 84.2 };
    const unknownPeak = { device: 'cuda', gpu: 'Some New GPU', dtype: 'fp16', tflops: 10, peakTflops: null };
    const section = extractGpu([
      run({
        lab,
        verify: [
          check({
            id: 'smi',
            title: 'GPUs',
            type: 'nvidia-smi',
            details: JSON.stringify(inventory, null, 2),
          }),
          check({ id: 'mm', title: 'matmul', type: 'cuda-matmul', details: JSON.stringify(matmul) }),
          check({ id: 'cpu', title: 'cpu matmul', type: 'cuda-matmul', details: JSON.stringify(cpu) }),
          check({
            id: 'new',
            title: 'new gpu',
            type: 'cuda-matmul',
            status: 'fail',
            details: JSON.stringify(unknownPeak),
          }),
        ],
      }),
    ])!;
    expect(section.cards).toEqual([
      { host: 'localhost', index: 0, name: 'NVIDIA A10G', memory: '23028 MiB', driver: '535.104.05' },
      { host: 'localhost', index: 1, name: 'NVIDIA A10G', memory: '23028 MiB', driver: undefined },
    ]);
    expect(section.matmul).toEqual([
      {
        host: 'localhost',
        title: 'matmul',
        status: 'pass',
        value: 52.3,
        unit: 'TFLOPS',
        peak: 70,
        dtype: 'bf16',
        device: 'NVIDIA A10G',
      },
      {
        host: 'localhost',
        title: 'cpu matmul',
        status: 'pass',
        value: 84.2,
        unit: 'GFLOPS',
        peak: undefined,
        dtype: 'fp32',
        device: 'cpu',
      },
      {
        host: 'localhost',
        title: 'new gpu',
        status: 'fail',
        value: 10,
        unit: 'TFLOPS',
        peak: undefined,
        dtype: 'fp16',
        device: 'Some New GPU',
      },
    ]);
  });

  it('reads a figure and its peak from text, and a peak from a share of it', () => {
    const text = (observed: string) =>
      extractGpu([run({ lab, verify: [check({ id: 'm', title: 'm', type: 'cuda-matmul', observed })] })])!
        .matmul[0];
    expect(text('fp16: 180 TFLOPS, 73% of the A100 peak')).toMatchObject({
      value: 180,
      peak: 246.6,
      dtype: 'fp16',
    });
    expect(text('312 TFLOPS peak; measured 250.5 TFLOPS')).toMatchObject({ value: 250.5, peak: 312 });
    expect(text('bf16: 700 TFLOPS of peak 989 TFLOPS')).toMatchObject({ value: 700, peak: 989 });
    expect(text('GFLOPS: none')).toBeUndefined();
    expect(text('42.5 GFLOPS on the CPU')).toMatchObject({ value: 42.5, unit: 'GFLOPS', peak: undefined });
  });

  it('tells hosts apart in a fleet', () => {
    const card = (host: string) =>
      run({
        lab,
        target: { uri: `ssh://u@${host}:2222`, kind: 'ssh' },
        verify: [
          check({ id: 'l', title: 'l', type: 'nvidia-smi', details: 'GPU 0: Tesla T4 (UUID: GPU-1)' }),
        ],
      });
    const section = extractGpu([card('a'), card('b')])!;
    expect(section.cards.map((c) => `${c.host} ${c.name}`)).toEqual(['a:2222 Tesla T4', 'b:2222 Tesla T4']);
  });
});
