import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fakeGpuEnv } from '../../test/helpers/fake-gpu.js';
import {
  explainLowResult,
  parseSamples,
  SAMPLES_MARKER,
  samplesWithin,
  summarizeSamples,
  withSampler,
} from './samples.js';

const sample = (timestamp: string, clock: number, power: number, util: number, mask: string) =>
  `${timestamp}, ${clock}, 1590, ${power}, 70.00, 83, ${util}, ${mask}`;

describe('GPU samples', () => {
  it('parses the lines after the marker and keeps those inside the timed window', () => {
    const stdout = [
      '@@ailab-matmul {}',
      SAMPLES_MARKER,
      sample('2026/07/14 08:12:38.100', 300, 20, 0, '0x0000000000000001'),
      sample('2026/07/14 08:12:39.100', 900, 70, 100, '0x0000000000000004'),
      sample('2026/07/14 08:12:39.300', 915, 69.5, 100, '0x0000000000000044'),
      'not a sample',
    ].join('\n');
    const all = parseSamples(stdout);
    expect(all).toHaveLength(3);
    expect(all[1]).toEqual({
      timestamp: '2026/07/14 08:12:39.100',
      smClockMHz: 900,
      maxSmClockMHz: 1590,
      powerDrawW: 70,
      powerLimitW: 70,
      temperatureC: 83,
      utilizationGpu: 100,
      reasons: ['sw_power_cap'],
    });
    const during = samplesWithin(all, { start: '2026/07/14 08:12:39.000', end: '2026/07/14 08:12:40.000' });
    expect(during).toHaveLength(2);
    expect(summarizeSamples(during)).toEqual({
      count: 2,
      smClockMHz: 907.5,
      maxSmClockMHz: 1590,
      powerDrawW: 69.75,
      powerLimitW: 70,
      temperatureC: 83,
      utilizationGpu: 100,
      reasons: { sw_power_cap: 2, hw_thermal_slowdown: 1 },
    });
  });

  it('says why a result is low: throttling, low clocks, a busy or shared GPU, small sizes, MIG', () => {
    const summary = summarizeSamples(
      parseSamples(
        `${SAMPLES_MARKER}\n${sample('2026/07/14 08:12:39.100', 900, 70, 60, '0x0000000000000004')}`,
      ),
    );
    expect(
      explainLowResult(summary, {
        m: 2048,
        n: 2048,
        k: 2048,
        dtype: 'fp16',
        gpuName: 'NVIDIA A100-SXM4-80GB MIG 1g.10gb',
      }),
    ).toEqual([
      'power capped: the GPU is at its power limit (sw_power_cap, in 1 of 1 samples)',
      'the SM clock ran at 900 MHz, 57% of its 1590 MHz maximum',
      'the GPU was busy only 60% of the time: other work shares it, or the runs are too short',
      'this is a MIG slice: it has a fraction of the GPU, and so of its peak',
      'the matrices are small (2048x2048x2048): use size 8192 to keep the GPU busy',
    ]);
    const healthy = summarizeSamples(
      parseSamples(`${SAMPLES_MARKER}\n${sample('2026/07/14 08:12:39.100', 1590, 50, 100, '0x0')}`),
    );
    expect(explainLowResult(healthy, { m: 8192, n: 8192, k: 8192, dtype: 'bf16' })).toEqual([
      'no throttling, low clock or power limit was seen: other work on the GPU, or an optimistic peak in data/gpu-peaks.json',
    ]);
    expect(explainLowResult(summarizeSamples([]), { m: 8192, n: 8192, k: 8192, dtype: 'bf16' })).toEqual([
      'nvidia-smi took no samples during the timed runs, so clocks and power are unknown',
    ]);
  });

  it('the sampler runs nvidia-smi in the background around a command and keeps its exit code', () => {
    const script = withSampler('sleep 0.7; echo done; (exit 3)', 0, 100);
    const run = spawnSync('bash', ['-c', script], { env: fakeGpuEnv('h100-load'), encoding: 'utf8' });
    expect(run.status).toBe(3);
    const [before, after] = run.stdout.split(`${SAMPLES_MARKER}\n`);
    expect(before).toBe('done\n');
    const samples = parseSamples(`${SAMPLES_MARKER}\n${after}`);
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples[0]).toMatchObject({
      smClockMHz: 1980,
      maxSmClockMHz: 1980,
      powerDrawW: 631.95,
      reasons: [],
    });
  });

  it('falls back to clocks_throttle_reasons on an old driver, and runs the command alone without nvidia-smi', () => {
    const old = spawnSync('bash', ['-c', withSampler('sleep 0.5', 0, 100)], {
      env: fakeGpuEnv('h100-load', { AILAB_FAKE_NVIDIA_SMI_REJECT: 'clocks_event_reasons.*' }),
      encoding: 'utf8',
    });
    expect(parseSamples(old.stdout).length).toBeGreaterThanOrEqual(1);
    const none = spawnSync('bash', ['-c', withSampler('echo alone', 0)], {
      env: fakeGpuEnv('none'),
      encoding: 'utf8',
    });
    expect(none.status).toBe(0);
    expect(none.stdout).toBe(`alone\n${SAMPLES_MARKER}\n`);
  });
});
