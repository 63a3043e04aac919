// Time a matrix multiply on the target's GPU (or CPU) with a Python payload shipped in payloads/matmul.py,
// check the result against a reference, and compare the achieved TFLOPS with the GPU's dense peak
// (data/gpu-peaks.json). nvidia-smi samples clocks, power and throttle reasons meanwhile, to say why a
// result is low. Without a CUDA device the check is skipped, unless `device: cpu` asks for the CPU.
// Grading lives in src/gpu/matmul.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { outcomeFromAssertions, valueMatcherSchema } from '../engine/match.js';
import {
  gradeCpuMatmul,
  gradeGpuMatmul,
  type MatmulGrade,
  type PayloadResult,
  round,
  speedupAssertion,
} from '../gpu/matmul.js';
import { interpreterProblem, type PythonRun, runPython } from '../gpu/python.js';
import { parseSamples, samplesWithin, summarizeSamples, withSampler } from '../gpu/samples.js';
import { explainNoCuda, probeGpu, wheelCommand } from '../gpu/torch-advice.js';
import { packageRoot } from '../util/package-root.js';
import { type CheckContext, type CheckOutcome, defineCheck } from './types.js';

const MARKER = '@@ailab-matmul ';

const dimension = (what: string) =>
  z.number().int().min(1).max(65536).optional().describe(`${what}, rounded up to a multiple of 256`);

const schema = z
  .strictObject({
    device: z
      .enum(['cuda', 'cpu'])
      .default('cuda')
      .describe('cuda (default; skipped when there is no CUDA device) or cpu (GFLOPS with torch or numpy)'),
    dtype: z
      .enum(['auto', 'fp32', 'tf32', 'fp16', 'bf16'])
      .default('auto')
      .describe('auto: bf16 on Ampere and newer, fp16 on older GPUs (T4, V100), fp32 on the CPU'),
    size: dimension('M = N = K (default 8192 on a GPU, 1024 on the CPU)'),
    m: dimension('Rows of A and C (default: size)'),
    n: dimension('Columns of B and C (default: size)'),
    k: dimension('Columns of A, rows of B (default: size)'),
    warmup: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('Untimed runs first (default 10 on a GPU, 2 on the CPU)'),
    iterations: z
      .number()
      .int()
      .min(1)
      .max(2000)
      .optional()
      .describe(
        'Timed runs; the median counts (default 50 on a GPU, and at least 1 s of them; 10 on the CPU)',
      ),
    min_fraction_of_peak: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Least share of the dense peak, e.g. 0.6 (default per GPU class in data/gpu-peaks.json)'),
    min_tflops: z.number().positive().optional().describe('Least TFLOPS on the GPU, whatever the peak'),
    min_gflops: z.number().positive().optional().describe('Least GFLOPS on the CPU (device: cpu)'),
    gpu: z.number().int().min(0).default(0).describe('Which GPU (CUDA device index, default 0)'),
    backend: z
      .enum(['auto', 'torch', 'numpy'])
      .default('auto')
      .describe('For the CPU: torch if it imports, else numpy (auto), or one of them'),
    interpreter: z
      .string()
      .min(1)
      .default('python3')
      .describe('The Python that runs the payload, as typed in a shell: python3 (default), .venv/bin/python'),
    sample: z
      .boolean()
      .default(true)
      .describe('Sample clocks, power and throttle reasons with nvidia-smi while it runs (default true)'),
    compare: z
      .literal('cpu-vs-gpu')
      .optional()
      .describe('Also time the CPU and check the GPU speedup (week 7); skipped without a CUDA device'),
    speedup: valueMatcherSchema
      .optional()
      .describe('With compare: the GPU/CPU throughput ratio, e.g. ">= 2" (default)'),
    cpu_size: dimension('With compare: M = N = K on the CPU (default 1024, so it stays quick)'),
  })
  .describe('Time a matmul on the GPU (or CPU): TFLOPS, share of the dense peak, correctness, why it is low');

type Options = z.output<typeof schema>;

let payloadText: string | undefined;

/** The payload's source, read from the package (it ships as a real .py file). */
export function matmulPayload(): string {
  payloadText ??= readFileSync(join(packageRoot(), 'payloads', 'matmul.py'), 'utf8');
  return payloadText;
}

/** The options the payload reads, for one device (the CPU side of a comparison runs a few quick runs). */
function payloadOptionsFor(options: Options, device: 'cuda' | 'cpu', size?: number): Record<string, unknown> {
  const own = device === options.device;
  const opts: Record<string, unknown> = {
    device,
    dtype: device === 'cpu' ? 'auto' : options.dtype,
    size: size ?? options.size,
    m: size === undefined ? options.m : undefined,
    n: size === undefined ? options.n : undefined,
    k: size === undefined ? options.k : undefined,
    gpu: options.gpu,
    backend: options.backend,
    warmup: own ? options.warmup : 1,
    iterations: own ? options.iterations : 5,
  };
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

function runPayload(
  ctx: CheckContext,
  options: Options,
  payloadOptions: Record<string, unknown>,
  sample: boolean,
) {
  return runPython(ctx, {
    interpreter: options.interpreter,
    script: matmulPayload(),
    args: [JSON.stringify(payloadOptions)],
    marker: MARKER,
    wrap: sample ? (command) => withSampler(command, options.gpu) : undefined,
  });
}

/** A payload that did not run, as an outcome (skip without a CUDA device); undefined when it ran. */
async function payloadFailure(
  ctx: CheckContext,
  options: Options,
  run: PythonRun,
): Promise<CheckOutcome | undefined> {
  const problem = interpreterProblem(options.interpreter, run.result);
  if (problem) return { status: 'fail', message: problem };
  const json = run.json as PayloadResult | undefined;
  if (!json) {
    const why = run.result.timedOut ? 'timed out' : `exit ${run.result.exitCode ?? run.result.signal}`;
    const tail = `${run.result.stdout}\n${run.result.stderr}`.trim().split('\n').slice(-20).join('\n');
    return { status: 'error', message: `the matmul payload printed no result (${why})`, details: tail };
  }
  if (json.ok) return undefined;
  const message = json.message ?? json.reason ?? 'unknown failure';
  if (json.reason === 'no-torch' || json.reason === 'no-cuda') {
    if (options.device === 'cpu')
      return { status: 'fail', message: `${message}: pip install torch (or use backend: numpy)` };
    const presence = await probeGpu((command) => ctx.sh(command));
    if (!presence.visible) {
      const what = options.compare ? 'no CUDA device, so no CPU-vs-GPU comparison' : 'no CUDA device';
      return { status: 'skip', message: `skipped: ${what}: ${presence.summary}` };
    }
    if (json.reason === 'no-torch')
      return {
        status: 'fail',
        message: `torch is not installed for ${options.interpreter} (${message}): ${wheelCommand(presence.cudaVersion)}`,
      };
    return {
      status: 'fail',
      message: explainNoCuda({ torch: json.torch, torch_cuda: json.torch_cuda }, presence).message,
    };
  }
  if (json.reason === 'no-numpy') return { status: 'fail', message: `${message}: pip install numpy` };
  return { status: 'error', message: `cannot time the matmul: ${message}` };
}

function outcomeOf(grade: MatmulGrade): CheckOutcome {
  const outcome = outcomeFromAssertions(grade.assertions, grade.facts);
  // JSON, so that reports can show the figures (src/report/gpu.ts reads tflops/gflops, peakTflops, dtype, gpu).
  outcome.details = JSON.stringify(grade.details, null, 2);
  return outcome;
}

export const check = defineCheck({
  type: 'cuda-matmul',
  summary: 'Time a matmul on the GPU (or CPU): TFLOPS, share of the dense peak, correctness, why it is low',
  schema,
  async run(ctx, options) {
    if (options.device === 'cpu') {
      if (options.compare) return { status: 'error', message: 'compare: cpu-vs-gpu needs device: cuda' };
      if (options.dtype !== 'auto' && options.dtype !== 'fp32')
        return { status: 'error', message: `the CPU path times fp32 only (dtype: ${options.dtype})` };
      const run = await runPayload(ctx, options, payloadOptionsFor(options, 'cpu'), false);
      return (
        (await payloadFailure(ctx, options, run)) ??
        outcomeOf(gradeCpuMatmul(run.json as unknown as PayloadResult, options.min_gflops))
      );
    }

    const run = await runPayload(ctx, options, payloadOptionsFor(options, 'cuda'), options.sample);
    const failure = await payloadFailure(ctx, options, run);
    if (failure) return failure;
    const result = run.json as unknown as PayloadResult;
    const samples = options.sample
      ? summarizeSamples(samplesWithin(parseSamples(run.result.stdout), result.window))
      : undefined;
    const grade = gradeGpuMatmul(
      result,
      { minFraction: options.min_fraction_of_peak, minTflops: options.min_tflops },
      samples,
    );

    if (options.compare === 'cpu-vs-gpu') {
      const cpuOptions = payloadOptionsFor(options, 'cpu', options.cpu_size ?? 1024);
      const cpuRun = await runPayload(ctx, options, cpuOptions, false);
      const cpuFailure = await payloadFailure(ctx, { ...options, device: 'cpu' }, cpuRun);
      if (cpuFailure) {
        const status = cpuFailure.status === 'skip' ? 'error' : cpuFailure.status;
        return { ...cpuFailure, status, message: `CPU side of cpu-vs-gpu: ${cpuFailure.message}` };
      }
      const cpu = cpuRun.json as unknown as PayloadResult;
      const speedup = speedupAssertion(result, cpu, options.speedup);
      grade.assertions.push(speedup);
      grade.facts.speedup = Number(speedup.actual);
      grade.details.cpu = { gflops: round(cpu.tflops * 1000), backend: cpu.backend, size: cpu.m };
      grade.details.speedup = grade.facts.speedup;
    }
    return outcomeOf(grade);
  },
});
