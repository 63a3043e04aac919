// Grading matmul results against the peak table, with results as the payload prints them.
import { describe, expect, it } from 'vitest';
import { findGpuModel } from '../checks/nvidia-smi/models.js';
import { gradeCpuMatmul, gradeGpuMatmul, type PayloadResult, speedupAssertion } from './matmul.js';
import { summarizeSamples } from './samples.js';

/** A payload result for an 8192³ matmul on `name` that reached `tflops`. */
function result(
  name: string,
  dtype: PayloadResult['dtype'],
  tflops: number,
  extra: Partial<PayloadResult> = {},
): PayloadResult {
  const flop = 2 * 8192 ** 3;
  return {
    ok: true,
    device: 'cuda',
    backend: 'torch',
    dtype,
    m: 8192,
    n: 8192,
    k: 8192,
    runs: 50,
    median_ms: (flop / (tflops * 1e12)) * 1000,
    min_ms: 1,
    max_ms: 2,
    tflops,
    gpu: { index: 0, name, capability: '9.0', memory_mib: 81559 },
    correctness: { max_rel_error: 2e-3, tolerance: 3e-2, finite: true, ok: true },
    ...extra,
  };
}

const verdict = (r: PayloadResult, limits = {}) =>
  gradeGpuMatmul(r, limits).assertions.map((a) => [a.name, a.ok, a.actual, a.expected]);

describe('the peak table', () => {
  it('finds the models nvidia-smi and torch name, with a source for each', () => {
    const cases: [string, string | undefined][] = [
      ['NVIDIA H100 80GB HBM3', 'H100 SXM'],
      ['NVIDIA H100 PCIe', 'H100 PCIe'],
      ['NVIDIA H200', 'H200'],
      ['NVIDIA GH200 480GB', 'GH200'],
      ['NVIDIA A100-SXM4-80GB', 'A100 SXM'],
      ['NVIDIA A100 80GB PCIe', 'A100 PCIe'],
      ['NVIDIA A100-PCIE-40GB', 'A100 PCIe'],
      ['NVIDIA A10G', 'A10G'],
      ['NVIDIA A10', 'A10'],
      ['NVIDIA L4', 'L4'],
      ['Tesla T4', 'T4'],
      ['Tesla V100-SXM2-16GB', 'V100'],
      ['NVIDIA L40S', undefined],
      ['NVIDIA GeForce RTX 4090', undefined],
    ];
    for (const [name, model] of cases) {
      const found = findGpuModel(name);
      expect(found?.model, name).toBe(model);
      if (found) expect(found.source.length, name).toBeGreaterThan(20);
    }
    expect(findGpuModel('Tesla T4')?.tflops).toEqual({ fp32: 8.1, fp16: 65 });
  });
});

describe('gradeGpuMatmul', () => {
  it('H100 bf16 at 72% of 989 passes the SXM class default (60%)', () => {
    const grade = gradeGpuMatmul(result('NVIDIA H100 80GB HBM3', 'bf16', 712), {});
    expect(verdict(result('NVIDIA H100 80GB HBM3', 'bf16', 712))).toEqual([
      ['share of peak', true, '72%', '>= 60%'],
      ['result', true, 'max relative error 2.0e-3', 'finite, error <= 0.03'],
    ]);
    expect(grade.assertions[0].message).toBe(
      "bf16 8192x8192x8192 on NVIDIA H100 80GB HBM3: 712 TFLOPS (median of 50 runs, 1.54 ms), 72% of the H100 SXM's 989 TFLOPS bf16 dense peak",
    );
    expect(grade.facts).toEqual({ matmul_tflops: 712, matmul_fraction_of_peak: 0.72 });
    expect(grade.details).toMatchObject({
      tflops: 712,
      peakTflops: 989,
      dtype: 'bf16',
      gpu: 'NVIDIA H100 80GB HBM3',
      lowBecause: [],
    });
  });

  it('FP32 on CUDA cores is graded against the FP32 peak with the lower FP32 default', () => {
    // DCGM measured ~39 of 67 TFLOPS SGEMM on an H100 SXM (58%): above the 40% FP32 default.
    expect(verdict(result('NVIDIA H100 80GB HBM3', 'fp32', 39))[0]).toEqual([
      'share of peak',
      true,
      '58%',
      '>= 40%',
    ]);
  });

  it('a power-capped T4 has a lower bar, and a low result says why from the samples', () => {
    expect(verdict(result('Tesla T4', 'fp16', 20))[0]).toEqual(['share of peak', true, '31%', '>= 25%']);
    const samples = summarizeSamples([
      {
        timestamp: '2026/07/14 08:12:39.100',
        smClockMHz: 600,
        maxSmClockMHz: 1590,
        powerDrawW: 70,
        powerLimitW: 70,
        utilizationGpu: 100,
        reasons: ['sw_power_cap', 'hw_slowdown'],
      },
    ]);
    const grade = gradeGpuMatmul(result('Tesla T4', 'fp16', 10), {}, samples);
    expect(grade.assertions[0]).toMatchObject({ ok: false, actual: '15%', expected: '>= 25%' });
    expect(grade.assertions[0].message).toMatch(
      /, expected >= 25%: power capped: the GPU is at its power limit \(sw_power_cap, in 1 of 1 samples\)$/,
    );
    expect(grade.details.lowBecause).toEqual([
      'power capped: the GPU is at its power limit (sw_power_cap, in 1 of 1 samples)',
      'hardware slowdown (too hot, or the power supply asked for it) (hw_slowdown, in 1 of 1 samples)',
      'the SM clock ran at 600 MHz, 38% of its 1590 MHz maximum',
    ]);
  });

  it('min_fraction_of_peak and min_tflops override the defaults', () => {
    expect(verdict(result('NVIDIA A10G', 'bf16', 60), { minFraction: 0.6 })[0]).toEqual([
      'share of peak',
      false,
      '48%',
      '>= 60%',
    ]);
    expect(verdict(result('NVIDIA A10G', 'bf16', 60), { minTflops: 50 }).map((a) => a[0])).toEqual([
      'share of peak',
      'throughput',
      'result',
    ]);
  });

  it('a GPU the table does not know is reported, or graded by min_tflops', () => {
    const unknown = gradeGpuMatmul(result('NVIDIA L40S', 'bf16', 300), {});
    expect(unknown.assertions[0]).toMatchObject({ name: 'throughput', ok: true, expected: 'any' });
    expect(unknown.assertions[0].message).toMatch(
      /\(no peak known for NVIDIA L40S in data\/gpu-peaks\.json: set min_tflops to grade it\)$/,
    );
    expect(verdict(result('NVIDIA L40S', 'bf16', 300), { minTflops: 350 })[0]).toEqual([
      'throughput',
      false,
      '300 TFLOPS',
      '>= 350 TFLOPS',
    ]);
  });

  it('a wrong result fails whatever the speed', () => {
    const wrong = result('NVIDIA H100 80GB HBM3', 'bf16', 800, {
      correctness: { max_rel_error: Number.NaN, tolerance: 0.03, finite: false, ok: false },
    });
    const grade = gradeGpuMatmul(wrong, {});
    expect(grade.assertions[1]).toMatchObject({
      ok: false,
      message:
        'the result is wrong (NaN or infinity in the result, tolerance 0.03): a faulty GPU, driver or library',
    });
  });
});

describe('CPU results and the speedup', () => {
  const cpu = {
    ...result('cpu', 'fp32', 0.0928),
    device: 'cpu',
    backend: 'numpy',
    threads: 2,
    m: 1024,
    n: 1024,
    k: 1024,
    runs: 10,
    median_ms: 23.15,
  };

  it('reports GFLOPS, graded by min_gflops', () => {
    const grade = gradeCpuMatmul(cpu);
    expect(grade.assertions[0].message).toBe(
      'CPU matmul 1024x1024x1024 fp32 (numpy, 2 threads): 92.8 GFLOPS (median of 10 runs, 23.15 ms)',
    );
    expect(grade.facts).toEqual({ matmul_gflops: 92.8 });
    expect(gradeCpuMatmul(cpu, 100).assertions[0]).toMatchObject({ ok: false, expected: '>= 100' });
  });

  it('the GPU/CPU ratio against ">= 2" by default', () => {
    const gpu = result('NVIDIA A10G', 'fp32', 14);
    expect(speedupAssertion(gpu, cpu)).toMatchObject({
      ok: true,
      actual: '150.9',
      message: 'speedup 150.9x over the CPU (GPU 14 TFLOPS fp32 vs CPU 92.8 GFLOPS fp32 (numpy))',
    });
    expect(speedupAssertion(gpu, cpu, '>= 200').ok).toBe(false);
  });
});
