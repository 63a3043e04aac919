// While a matmul runs, nvidia-smi samples the GPU in the background (clocks, power, temperature,
// utilisation, clock event reasons); afterwards the samples taken during the timed runs say why a result
// is low: power capping, thermal slowdown, low clocks, a GPU shared with other work.
import {
  decodeThrottleMask,
  explainThrottleReason,
  slowingReasons,
} from '../checks/nvidia-smi/gpu-record.js';
import { parseCsvValue } from '../checks/nvidia-smi/parse-csv.js';

export const SAMPLES_MARKER = '@@ailab-samples';

const FIELDS =
  'timestamp,clocks.current.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu,utilization.gpu,clocks_event_reasons.active';

/**
 * Wrap a command so that nvidia-smi samples GPU `index` every `intervalMs` while it runs (nvidia-smi
 * numbers GPUs by PCI bus id; CUDA usually agrees, unless CUDA_VISIBLE_DEVICES reorders); the samples
 * follow SAMPLES_MARKER on stdout and the command's exit code is kept. Without nvidia-smi it just runs.
 */
export function withSampler(command: string, index: number, intervalMs = 200): string {
  return [
    '__ailab_s=$(mktemp 2>/dev/null || echo "/tmp/ailab-samples.$$")',
    '__ailab_p=',
    'if command -v nvidia-smi >/dev/null 2>&1; then',
    `  __ailab_f=${FIELDS}`,
    // Drivers before the 535 era know the reasons as clocks_throttle_reasons.
    `  nvidia-smi -i ${index} --query-gpu="$__ailab_f" --format=csv,noheader,nounits >/dev/null 2>&1 || __ailab_f=\${__ailab_f/clocks_event_reasons/clocks_throttle_reasons}`,
    `  nvidia-smi -i ${index} --query-gpu="$__ailab_f" --format=csv,noheader,nounits -lms ${intervalMs} >"$__ailab_s" 2>/dev/null </dev/null &`,
    '  __ailab_p=$!',
    'fi',
    command,
    '__ailab_rc=$?',
    'if [ -n "$__ailab_p" ]; then kill "$__ailab_p" 2>/dev/null; wait "$__ailab_p" 2>/dev/null; fi',
    `echo '${SAMPLES_MARKER}'`,
    'cat "$__ailab_s" 2>/dev/null; rm -f "$__ailab_s"',
    'exit $__ailab_rc',
  ].join('\n');
}

export interface GpuSample {
  /** As nvidia-smi prints it: `2026/07/14 08:12:38.696` (sortable as text). */
  timestamp: string;
  smClockMHz?: number;
  maxSmClockMHz?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  temperatureC?: number;
  utilizationGpu?: number;
  reasons?: string[];
}

/** The samples after SAMPLES_MARKER in a command's stdout. */
export function parseSamples(stdout: string): GpuSample[] {
  const at = stdout.indexOf(`${SAMPLES_MARKER}\n`);
  if (at < 0) return [];
  const samples: GpuSample[] = [];
  for (const line of stdout.slice(at + SAMPLES_MARKER.length + 1).split('\n')) {
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length !== 8 || !/^\d{4}\/\d\d\/\d\d /.test(parts[0])) continue;
    const n = (i: number) => {
      const v = parseCsvValue(parts[i]).value;
      return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : undefined;
    };
    samples.push({
      timestamp: parts[0],
      smClockMHz: n(1),
      maxSmClockMHz: n(2),
      powerDrawW: n(3),
      powerLimitW: n(4),
      temperatureC: n(5),
      utilizationGpu: n(6),
      reasons: decodeThrottleMask(parts[7]),
    });
  }
  return samples;
}

/** The samples taken between two timestamps in nvidia-smi's format (inclusive). */
export function samplesWithin(
  samples: GpuSample[],
  window: { start?: string; end?: string } | undefined,
): GpuSample[] {
  if (!window?.start || !window.end) return samples;
  const { start, end } = window;
  return samples.filter((s) => s.timestamp >= start && s.timestamp <= end);
}

const medianOf = (values: (number | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
};

export interface SampleSummary {
  count: number;
  smClockMHz?: number;
  maxSmClockMHz?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  temperatureC?: number;
  utilizationGpu?: number;
  /** Slowing reasons and in how many samples each was active. */
  reasons: Record<string, number>;
}

export function summarizeSamples(samples: GpuSample[]): SampleSummary {
  const reasons: Record<string, number> = {};
  for (const s of samples) for (const r of slowingReasons(s.reasons)) reasons[r] = (reasons[r] ?? 0) + 1;
  return {
    count: samples.length,
    smClockMHz: medianOf(samples.map((s) => s.smClockMHz)),
    maxSmClockMHz: medianOf(samples.map((s) => s.maxSmClockMHz)),
    powerDrawW: medianOf(samples.map((s) => s.powerDrawW)),
    powerLimitW: medianOf(samples.map((s) => s.powerLimitW)),
    temperatureC: medianOf(samples.map((s) => s.temperatureC)),
    utilizationGpu: medianOf(samples.map((s) => s.utilizationGpu)),
    reasons,
  };
}

/** Plain reasons a matmul result may be low, from the samples and what was run; most telling first. */
export function explainLowResult(
  summary: SampleSummary | undefined,
  run: { m: number; n: number; k: number; dtype: string; gpuName?: string },
): string[] {
  const why: string[] = [];
  if (summary && summary.count > 0) {
    for (const [reason, count] of Object.entries(summary.reasons))
      why.push(`${explainThrottleReason(reason)} (${reason}, in ${count} of ${summary.count} samples)`);
    const { smClockMHz: clock, maxSmClockMHz: max } = summary;
    if (clock !== undefined && max !== undefined && max > 0 && clock < 0.85 * max)
      why.push(
        `the SM clock ran at ${Math.round(clock)} MHz, ${Math.round((clock / max) * 100)}% of its ${Math.round(max)} MHz maximum`,
      );
    const { powerDrawW: power, powerLimitW: limit } = summary;
    if (
      power !== undefined &&
      limit !== undefined &&
      limit > 0 &&
      power >= 0.95 * limit &&
      !summary.reasons.sw_power_cap
    )
      why.push(`power draw ${Math.round(power)} W is at its ${Math.round(limit)} W limit`);
    if (summary.utilizationGpu !== undefined && summary.utilizationGpu < 90)
      why.push(
        `the GPU was busy only ${Math.round(summary.utilizationGpu)}% of the time: other work shares it, or the runs are too short`,
      );
  } else if (summary) {
    why.push('nvidia-smi took no samples during the timed runs, so clocks and power are unknown');
  }
  if (run.gpuName && /MIG/i.test(run.gpuName))
    why.push('this is a MIG slice: it has a fraction of the GPU, and so of its peak');
  if (Math.min(run.m, run.n, run.k) < 4096)
    why.push(`the matrices are small (${run.m}x${run.n}x${run.k}): use size 8192 to keep the GPU busy`);
  if (summary && summary.count > 0 && why.length === 0)
    why.push(
      'no throttling, low clock or power limit was seen: other work on the GPU, or an optimistic peak in data/gpu-peaks.json',
    );
  return why;
}
