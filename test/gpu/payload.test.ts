// payloads/matmul.py, run for real with Debian's python3 (numpy). Its pure functions are imported as a
// module; its GPU path runs against the fake torch (test/helpers/fake-torch: numpy under a torch-like
// API), which exercises warm-up, CUDA events, the median and the correctness check without a GPU.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { FAKE_TORCH_DIR, SYSTEM_PYTHON } from '../helpers/fake-gpu.js';

const PAYLOAD = join(REPO_ROOT, 'payloads', 'matmul.py');

/** Evaluate Python expressions with the payload imported as `p`; returns their values as JSON. */
function evaluate(expressions: string[]): unknown[] {
  const script = [
    'import importlib.util, json, sys',
    `spec = importlib.util.spec_from_file_location("matmul", ${JSON.stringify(PAYLOAD)})`,
    'p = importlib.util.module_from_spec(spec); spec.loader.exec_module(p)',
    'def attempt(f):',
    '    try: return f()',
    '    except ValueError as e: return "ValueError: " + str(e)',
    `print(json.dumps([${expressions.map((e) => `attempt(lambda: ${e})`).join(', ')}]))`,
  ].join('\n');
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script], { encoding: 'utf8' }));
}

/** Run the payload as ailab does: the source on stdin, options as one JSON argument. */
function runPayload(
  options: Record<string, unknown>,
  env: Record<string, string> = {},
): Record<string, unknown> {
  const stdout = execFileSync(SYSTEM_PYTHON, ['-', JSON.stringify(options)], {
    input: readFileSync(PAYLOAD),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('@@ailab-matmul '));
  return JSON.parse(line!.slice('@@ailab-matmul '.length));
}

describe('matmul payload: pure functions', () => {
  it('rounds sizes up to multiples of 256', () => {
    expect(
      evaluate([
        'p.round_up(1)',
        'p.round_up(256)',
        'p.round_up(257)',
        'p.round_up(8000)',
        'p.round_up(8192)',
      ]),
    ).toEqual([256, 256, 512, 8192, 8192]);
  });

  it('chooses bf16 from Ampere on, fp16 before, fp32 on the CPU, and refuses what a device cannot do', () => {
    expect(
      evaluate([
        'p.choose_dtype("auto", "cuda", (9, 0))',
        'p.choose_dtype("auto", "cuda", (8, 6))',
        'p.choose_dtype("auto", "cuda", (7, 5))',
        'p.choose_dtype("auto", "cuda", (7, 0))',
        'p.choose_dtype("tf32", "cuda", (8, 0))',
        'p.choose_dtype("fp16", "cuda", (7, 5))',
        'p.choose_dtype("auto", "cpu")',
        'p.choose_dtype("bf16", "cuda", (7, 5))',
        'p.choose_dtype("bf16", "cpu")',
        'p.choose_dtype("fp8", "cuda", (9, 0))',
      ]),
    ).toEqual([
      'bf16',
      'bf16',
      'fp16',
      'fp16',
      'tf32',
      'fp16',
      'fp32',
      'ValueError: bf16 needs compute capability 8.0 (Ampere) or newer; this GPU is 7.5: use dtype auto or fp16',
      'ValueError: the CPU path times fp32 only (asked for bf16)',
      "ValueError: unknown dtype 'fp8': use auto, fp32, tf32, fp16 or bf16",
    ]);
  });

  it('counts 2·M·N·K and reports the median', () => {
    const [flops, tflops, median, summary] = evaluate([
      'p.flop_count(8192, 8192, 8192)',
      'p.tflops(8192, 8192, 8192, 0.0015)',
      'p.median([5, 1, 3, 2])',
      'p.timing_summary([2.0, 1.0, 4.0], 1024, 1024, 1024)',
    ]) as [number, number, number, Record<string, number>];
    expect(flops).toBe(2 * 8192 ** 3);
    expect(tflops).toBeCloseTo((2 * 8192 ** 3) / 0.0015 / 1e12, 6);
    expect(median).toBe(2.5);
    expect(summary).toEqual({
      runs: 3,
      median_ms: 2,
      min_ms: 1,
      max_ms: 4,
      tflops: (2 * 1024 ** 3) / 0.002 / 1e12,
    });
  });

  it('judges correctness against the dtype tolerance, and NaN as wrong', () => {
    expect(
      evaluate([
        'p.correctness(0.5, 100.0, True, "bf16")["ok"]',
        'p.correctness(5.0, 100.0, True, "bf16")["ok"]',
        'p.correctness(0.0, 100.0, False, "fp32")["ok"]',
        'p.correctness(0.001, 100.0, True, "fp32")["ok"]',
      ]),
    ).toEqual([true, false, false, true]);
  });

  it('timestamps line up with nvidia-smi (YYYY/MM/DD HH:MM:SS.mmm)', () => {
    const [stamp] = evaluate(['p.stamp(0.25)']) as [string];
    expect(stamp).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.250$/);
  });
});

describe('matmul payload: runs', () => {
  it('CPU with numpy, for real', () => {
    const r = runPayload({ device: 'cpu', size: 256, backend: 'numpy', iterations: 5 });
    expect(r).toMatchObject({
      ok: true,
      device: 'cpu',
      backend: 'numpy',
      dtype: 'fp32',
      m: 256,
      n: 256,
      k: 256,
      runs: 5,
    });
    expect(r.tflops).toBeGreaterThan(0);
    expect(r.correctness).toMatchObject({ ok: true, finite: true, tolerance: 1e-4 });
  });

  it('the GPU path against the fake torch: events, warm-up, median, correctness, sizes rounded', () => {
    const r = runPayload(
      { device: 'cuda', size: 300, iterations: 4, warmup: 2, min_seconds: 0, min_warmup_seconds: 0 },
      { PYTHONPATH: FAKE_TORCH_DIR, AILAB_FAKE_TORCH_GPUS: 'NVIDIA A10G:8.6:23028' },
    );
    expect(r).toMatchObject({
      ok: true,
      device: 'cuda',
      backend: 'torch',
      dtype: 'bf16',
      m: 512,
      runs: 4,
      warmup: 2,
      gpu: { index: 0, name: 'NVIDIA A10G', capability: '8.6', memory_mib: 23028 },
    });
    expect(r.correctness).toMatchObject({ ok: true, tolerance: 0.03 });
    expect((r.window as { start: string }).start).toMatch(/^\d{4}\/\d\d\/\d\d /);
  });

  it('says why it cannot run: no torch, no CUDA, a dtype the GPU lacks, too big', () => {
    expect(runPayload({ device: 'cuda' }, { PYTHONPATH: '/nonexistent' }).reason).toMatch(
      /^no-(torch|cuda)$/,
    );
    const fake = { PYTHONPATH: FAKE_TORCH_DIR };
    expect(runPayload({ device: 'cuda' }, fake)).toMatchObject({
      ok: false,
      reason: 'no-cuda',
      torch: '2.3.1+cu121',
    });
    expect(
      runPayload({ device: 'cuda', dtype: 'bf16' }, { ...fake, AILAB_FAKE_TORCH_GPUS: 'Tesla T4:7.5:15360' }),
    ).toMatchObject({ ok: false, reason: 'unsupported-dtype' });
    expect(
      runPayload({ device: 'cuda', size: 65536 }, { ...fake, AILAB_FAKE_TORCH_GPUS: 'Tesla T4:7.5:15360' }),
    ).toMatchObject({
      ok: false,
      reason: 'too-big',
      message: expect.stringMatching(/^65536x65536x65536 fp16 needs/),
    });
  });
});
