// Grading a matmul benchmark (payloads/matmul.py's result): achieved TFLOPS against the GPU's dense peak
// (data/gpu-peaks.json), correctness, why a low result is low, the CPU-vs-GPU speedup. Pure functions:
// the cuda-matmul check runs the payload and hands its result here.

import { defaultMinFraction, findGpuModel, type MatmulDtype } from '../checks/nvidia-smi/models.js';
import { type MatchResult, matchValue, type ValueMatcher } from '../engine/match.js';
import { explainLowResult, type SampleSummary } from './samples.js';

/** What the payload prints when it ran (see payloads/matmul.py). */
export interface PayloadResult {
  ok: boolean;
  reason?: string;
  message?: string;
  torch?: string;
  torch_cuda?: string | null;
  device?: string;
  backend?: string;
  dtype?: MatmulDtype;
  m: number;
  n: number;
  k: number;
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  tflops: number;
  threads?: number;
  gpu?: { index: number; name: string; capability: string; memory_mib: number };
  correctness: { max_rel_error: number; tolerance: number; finite: boolean; ok: boolean };
  window?: { start: string; end: string };
}

export interface MatmulGrade {
  assertions: MatchResult[];
  facts: Record<string, string | number>;
  /** For the check's details (JSON, which the reports read: tflops, peakTflops, dtype, gpu). */
  details: Record<string, unknown>;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const shape = (r: PayloadResult) => `${r.m}x${r.n}x${r.k}`;

/** The result is finite and within the dtype's tolerance of the reference (a fast wrong GPU is broken). */
export function correctnessAssertion(r: PayloadResult): MatchResult {
  const c = r.correctness;
  const actual = c.finite
    ? `max relative error ${c.max_rel_error.toExponential(1)}`
    : 'NaN or infinity in the result';
  return {
    name: 'result',
    ok: c.ok,
    expected: `finite, error <= ${c.tolerance}`,
    actual,
    message: c.ok
      ? `result correct (${actual})`
      : `the result is wrong (${actual}, tolerance ${c.tolerance}): a faulty GPU, driver or library`,
  };
}

/** A GPU result against its dense peak (and/or an absolute floor), with the reasons a low one is low. */
export function gradeGpuMatmul(
  r: PayloadResult,
  limits: { minFraction?: number; minTflops?: number },
  samples?: SampleSummary,
): MatmulGrade {
  const dtype = r.dtype ?? 'fp32';
  const name = r.gpu?.name ?? 'the GPU';
  const tflops = round(r.tflops);
  const model = findGpuModel(name);
  const peak = model?.tflops[dtype];
  const facts: Record<string, string | number> = { matmul_tflops: tflops };
  const what = `${dtype} ${shape(r)} on ${name}: ${tflops} TFLOPS (median of ${r.runs} runs, ${round(r.median_ms, 2)} ms)`;
  const assertions: MatchResult[] = [];
  let minFraction: number | undefined;
  let fraction: number | undefined;
  if (model && peak !== undefined) {
    minFraction = limits.minFraction ?? defaultMinFraction(model, dtype);
    fraction = r.tflops / peak;
    facts.matmul_fraction_of_peak = round(fraction, 3);
    const ok = fraction >= minFraction;
    const share = `${Math.round(fraction * 100)}% of the ${model.model}'s ${peak} TFLOPS ${dtype} dense peak`;
    const expected = `>= ${Math.round(minFraction * 100)}%`;
    assertions.push({
      name: 'share of peak',
      ok,
      expected,
      actual: `${Math.round(fraction * 100)}%`,
      message: ok ? `${what}, ${share}` : `${what}, ${share}, expected ${expected}`,
    });
  } else if (limits.minTflops === undefined) {
    const unknown = model ? `no ${dtype} peak for the ${model.model}` : `no peak known for ${name}`;
    assertions.push({
      name: 'throughput',
      ok: true,
      expected: 'any',
      actual: `${tflops} TFLOPS`,
      message: `${what} (${unknown} in data/gpu-peaks.json: set min_tflops to grade it)`,
    });
  }
  if (limits.minTflops !== undefined) {
    const ok = r.tflops >= limits.minTflops;
    const expected = `>= ${limits.minTflops} TFLOPS`;
    assertions.push({
      name: 'throughput',
      ok,
      expected,
      actual: `${tflops} TFLOPS`,
      message: ok ? what : `${what}, expected ${expected}`,
    });
  }
  const low = assertions.some((a) => !a.ok);
  const lowBecause = low
    ? explainLowResult(samples, { m: r.m, n: r.n, k: r.k, dtype, gpuName: r.gpu?.name })
    : [];
  const firstLow = assertions.find((a) => !a.ok);
  if (firstLow && lowBecause.length > 0) firstLow.message = `${firstLow.message}: ${lowBecause[0]}`;
  assertions.push(correctnessAssertion(r));
  return {
    assertions,
    facts,
    details: {
      device: 'cuda',
      gpu: name,
      capability: r.gpu?.capability,
      dtype,
      m: r.m,
      n: r.n,
      k: r.k,
      tflops,
      peakTflops: peak ?? null,
      fractionOfPeak: fraction === undefined ? null : round(fraction, 3),
      minFractionOfPeak: minFraction ?? null,
      peakSource: model?.source ?? null,
      runs: r.runs,
      median_ms: r.median_ms,
      min_ms: r.min_ms,
      max_ms: r.max_ms,
      correctness: r.correctness,
      torch: r.torch,
      samples: samples ?? null,
      lowBecause,
    },
  };
}

/** A CPU result: GFLOPS, against an optional floor. */
export function gradeCpuMatmul(r: PayloadResult, minGflops?: number): MatmulGrade {
  const gflops = round(r.tflops * 1000);
  const what = `CPU matmul ${shape(r)} fp32 (${r.backend}, ${r.threads} threads): ${gflops} GFLOPS (median of ${r.runs} runs, ${round(r.median_ms, 2)} ms)`;
  const throughput: MatchResult =
    minGflops === undefined
      ? { name: 'throughput', ok: true, expected: 'any', actual: `${gflops} GFLOPS`, message: what }
      : {
          ...matchValue('throughput', { gte: minGflops }, gflops),
          message: `${what}${gflops >= minGflops ? '' : `, expected >= ${minGflops} GFLOPS`}`,
        };
  return {
    assertions: [throughput, correctnessAssertion(r)],
    facts: { matmul_gflops: gflops },
    details: {
      device: 'cpu',
      backend: r.backend,
      dtype: 'fp32',
      gflops,
      m: r.m,
      n: r.n,
      k: r.k,
      runs: r.runs,
      median_ms: r.median_ms,
      threads: r.threads,
      correctness: r.correctness,
    },
  };
}

/** The GPU/CPU throughput ratio against a matcher (default ">= 2": the course's week 7 expects 2–10×). */
export function speedupAssertion(
  gpu: PayloadResult,
  cpu: PayloadResult,
  matcher: ValueMatcher = '>= 2',
): MatchResult {
  const speedup = round(gpu.tflops / cpu.tflops);
  const result = matchValue('speedup', matcher, speedup);
  const versus = `GPU ${round(gpu.tflops)} TFLOPS ${gpu.dtype} vs CPU ${round(cpu.tflops * 1000)} GFLOPS fp32 (${cpu.backend})`;
  result.message = `speedup ${speedup}x over the CPU (${versus})${result.ok ? '' : `, expected ${result.expected}`}`;
  return result;
}
