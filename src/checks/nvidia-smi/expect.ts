// What a lab can expect of the GPUs nvidia-smi lists, and the grading: one assertion per expectation,
// holding when every checked GPU satisfies it.
import { z } from 'zod';
import {
  describeValueMatcher,
  type MatchResult,
  matchValue,
  valueMatcherSchema,
} from '../../engine/match.js';
import {
  describeExpression,
  SIZE_EXPRESSION,
  sizeHolds,
  VERSION_EXPRESSION,
  versionHolds,
} from './expressions.js';
import {
  explainThrottleReason,
  formatMiB,
  type GpuInventory,
  type GpuRecord,
  slowingReasons,
} from './gpu-record.js';
import { findGpuModel } from './models.js';
import type { QueryNeeds } from './query.js';

const sizeExpression = (what: string) =>
  z
    .string()
    .regex(SIZE_EXPRESSION, 'a size with an optional comparison: ">= 22GiB", "< 1GiB" or "16GiB..24GiB"')
    .describe(what);
const versionExpression = (what: string) =>
  z
    .string()
    .regex(VERSION_EXPRESSION, 'a version with an optional comparison: ">= 535" or "< 12.4"')
    .describe(what);

export const nvidiaSmiSchema = z
  .strictObject({
    count: valueMatcherSchema
      .default('>= 1')
      .describe('How many GPUs nvidia-smi lists: ">= 1" (default), 2, ">= 4" …'),
    gpus: z
      .union([z.number().int().min(0), z.array(z.number().int().min(0)).min(1)])
      .optional()
      .describe('The GPUs (by index) the per-GPU expectations below apply to (default: every GPU)'),
    name: z
      .string()
      .min(1)
      .optional()
      .describe('A regular expression each product name must match, case-insensitive: "A10G|L4", "H100"'),
    memory_total: sizeExpression(
      'Total memory of each GPU: ">= 22GiB"; a bare size means at least. Cards report less than their label: an "80GB" H100 shows 79.6 GiB, a "24GB" A10G 22.5 GiB, a "16GB" T4 15 GiB',
    ).optional(),
    memory_used: sizeExpression(
      'Memory in use on each GPU: ">= 1GiB" (a model is loaded), "< 1GiB" (idle)',
    ).optional(),
    driver: versionExpression(
      'The NVIDIA driver version: ">= 535"; a bare version means at least',
    ).optional(),
    cuda: versionExpression(
      'The highest CUDA version the driver supports (nvidia-smi\'s "CUDA Version"): ">= 12.2"',
    ).optional(),
    compute_capability: versionExpression(
      'Compute capability of each GPU: ">= 8.0" (Ampere and newer)',
    ).optional(),
    mig_mode: z
      .enum(['enabled', 'disabled'])
      .optional()
      .describe('MIG mode of each GPU (GPUs without MIG support count as disabled)'),
    mig_devices: valueMatcherSchema
      .optional()
      .describe('How many MIG devices the checked GPUs have together: 4, ">= 1"'),
    utilization: valueMatcherSchema
      .optional()
      .describe(
        'GPU utilisation of each GPU in percent: "< 10" (idle), ">= 50" (busy). Not reported in MIG mode',
      ),
    temperature: valueMatcherSchema.optional().describe('Temperature of each GPU in °C: "< 85"'),
    power_draw: valueMatcherSchema.optional().describe('Power draw of each GPU in watts: "< 300"'),
    ecc_errors: valueMatcherSchema
      .optional()
      .describe('Uncorrected ECC errors since the driver loaded, per GPU: 0. GPUs without ECC count as 0'),
    throttling: z
      .boolean()
      .optional()
      .describe(
        'false: no GPU may be slowed by power capping, thermal or hardware slowdown right now (idle is fine)',
      ),
    process: z
      .union([
        z.string().min(1).describe('A regular expression the process name must match'),
        z.number().int().positive().describe('A process id'),
        z
          .strictObject({
            name: z.string().min(1).optional().describe('A regular expression the process name must match'),
            pid: z.number().int().positive().optional().describe('The process id'),
          })
          .describe('A process by name and/or pid'),
      ])
      .optional()
      .describe('A process that must be using a checked GPU: a name regex ("python"), a pid, or {name, pid}'),
    source: z
      .enum(['auto', 'csv', 'xml'])
      .default('auto')
      .describe(
        'What to read: auto (the CSV query, the XML report if that fails), csv (--query-gpu) or xml (-q -x)',
      ),
  })
  .describe('Query nvidia-smi and check the GPUs: count, model, memory, driver, CUDA, MIG, health');

export type NvidiaSmiOptions = z.output<typeof nvidiaSmiSchema>;

/** The extra nvidia-smi calls these options need. */
export function needsOf(options: NvidiaSmiOptions): QueryNeeds {
  return {
    cuda: options.cuda !== undefined,
    migDevices: options.mig_devices !== undefined,
    processes: options.process !== undefined,
  };
}

const UNAVAILABLE_HELP: Record<string, string> = {
  utilizationGpu: 'GPUs in MIG mode do not report utilisation',
};

/** What a GPU reports for a field, or why it reports nothing. */
function missing(gpu: GpuRecord, key: string): string {
  const why = gpu.unavailable[key] ?? 'not reported';
  const help = UNAVAILABLE_HELP[key] && gpu.migMode === 'enabled' ? `; ${UNAVAILABLE_HELP[key]}` : '';
  return `not reported (${why}${help})`;
}

/** One assertion over the checked GPUs: it holds when every one of them holds. */
function perGpu(
  name: string,
  expected: string,
  gpus: GpuRecord[],
  test: (gpu: GpuRecord) => { ok: boolean; shown: string },
): MatchResult {
  const results = gpus.map((gpu) => ({ gpu, ...test(gpu) }));
  const ok = results.length > 0 && results.every((r) => r.ok);
  const shown =
    results.length === 1 ? results[0].shown : results.map((r) => `GPU ${r.gpu.index}: ${r.shown}`).join('; ');
  const actual = results.length === 0 ? 'no GPU to check' : shown;
  return {
    name,
    ok,
    expected,
    actual,
    message: ok ? `${name} ${actual}` : `${name} ${actual}, expected ${expected}`,
  };
}

function numeric(
  name: string,
  matcher: z.output<typeof valueMatcherSchema>,
  unit: string,
  key: keyof GpuRecord,
) {
  return (gpus: GpuRecord[]) =>
    perGpu(name, describeValueMatcher(matcher), gpus, (gpu) => {
      const value = gpu[key];
      if (typeof value !== 'number') return { ok: false, shown: missing(gpu, key) };
      return { ok: matchValue(name, matcher, value).ok, shown: `${value}${unit}` };
    });
}

/** The compute capability nvidia-smi reported, else the model table's, marked as such. */
function computeCapabilityOf(gpu: GpuRecord): { value?: string; shown: string } {
  if (gpu.computeCapability) return { value: gpu.computeCapability, shown: gpu.computeCapability };
  const known = findGpuModel(gpu.name)?.computeCapability;
  if (known)
    return { value: known, shown: `${known} (from ailab's GPU table: nvidia-smi did not report it)` };
  return { shown: missing(gpu, 'computeCapability') };
}

function processMatches(options: NvidiaSmiOptions['process'], p: { pid: number; name: string }): boolean {
  if (options === undefined) return false;
  if (typeof options === 'number') return p.pid === options;
  const spec = typeof options === 'string' ? { name: options } : options;
  if (spec.pid !== undefined && p.pid !== spec.pid) return false;
  if (spec.name !== undefined && !new RegExp(spec.name, 'i').test(p.name)) return false;
  return true;
}

/** Every expectation in the options against an inventory. */
export function gradeGpus(inventory: GpuInventory, options: NvidiaSmiOptions): MatchResult[] {
  const wanted = options.gpus === undefined ? undefined : [options.gpus].flat();
  const gpus = wanted ? inventory.gpus.filter((g) => wanted.includes(g.index)) : inventory.gpus;
  const assertions: MatchResult[] = [matchValue('gpu count', options.count, inventory.gpus.length)];
  if (wanted) {
    const absent = wanted.filter((i) => !inventory.gpus.some((g) => g.index === i));
    if (absent.length > 0) {
      const actual = `no GPU ${absent.join(', ')} (indexes: ${inventory.gpus.map((g) => g.index).join(', ')})`;
      assertions.push({
        name: 'gpus',
        ok: false,
        expected: `GPU ${wanted.join(', ')}`,
        actual,
        message: actual,
      });
    }
  }
  if (options.name !== undefined) {
    const re = new RegExp(options.name, 'i');
    assertions.push(
      perGpu('name', `matches /${options.name}/i`, gpus, (g) => ({ ok: re.test(g.name), shown: g.name })),
    );
  }
  for (const [key, label, expression] of [
    ['memoryTotalMiB', 'memory total', options.memory_total],
    ['memoryUsedMiB', 'memory used', options.memory_used],
  ] as const) {
    if (expression === undefined) continue;
    assertions.push(
      perGpu(label, describeExpression(expression), gpus, (g) => {
        const mib = g[key];
        if (mib === undefined) return { ok: false, shown: missing(g, key) };
        // One decimal: an H100's 81559 MiB is 79.6 GiB, which `>= 80GiB` must visibly miss.
        return { ok: sizeHolds(expression, mib * 1024 * 1024), shown: formatMiB(mib) };
      }),
    );
  }
  for (const [label, expression, version] of [
    ['driver', options.driver, inventory.driverVersion],
    ['cuda', options.cuda, inventory.cudaVersion],
  ] as const) {
    if (expression === undefined) continue;
    const ok = version !== undefined && versionHolds(expression, version);
    const actual = version ?? 'not reported';
    const expected = describeExpression(expression);
    assertions.push({
      name: label,
      ok,
      expected,
      actual,
      message: ok ? `${label} ${actual}` : `${label} ${actual}, expected ${expected}`,
    });
  }
  if (options.compute_capability !== undefined) {
    const expression = options.compute_capability;
    assertions.push(
      perGpu('compute capability', describeExpression(expression), gpus, (g) => {
        const cc = computeCapabilityOf(g);
        return { ok: cc.value !== undefined && versionHolds(expression, cc.value), shown: cc.shown };
      }),
    );
  }
  if (options.mig_mode !== undefined) {
    const want = options.mig_mode;
    assertions.push(
      perGpu('mig mode', want, gpus, (g) => {
        const mode = g.migMode ?? 'disabled';
        return { ok: mode === want, shown: g.migMode ?? 'disabled (no MIG support)' };
      }),
    );
  }
  if (options.mig_devices !== undefined) {
    const known = gpus.every((g) => g.migDevices !== undefined);
    const devices = gpus.flatMap((g) => g.migDevices ?? []);
    const result = matchValue('mig devices', options.mig_devices, known ? devices.length : undefined);
    if (known && devices.length > 0) {
      const profiles = devices.map(
        (d) => d.profile ?? (d.memoryTotalMiB ? formatMiB(d.memoryTotalMiB) : '?'),
      );
      result.actual = `${devices.length} (${profiles.join(', ')})`;
    }
    if (!known) result.actual = 'not reported';
    result.message = result.ok
      ? `mig devices ${result.actual}`
      : `mig devices ${result.actual}, expected ${result.expected}`;
    assertions.push(result);
  }
  if (options.utilization !== undefined)
    assertions.push(numeric('utilization', options.utilization, '%', 'utilizationGpu')(gpus));
  if (options.temperature !== undefined)
    assertions.push(numeric('temperature', options.temperature, ' °C', 'temperatureGpu')(gpus));
  if (options.power_draw !== undefined)
    assertions.push(numeric('power draw', options.power_draw, ' W', 'powerDrawW')(gpus));
  if (options.ecc_errors !== undefined) {
    const matcher = options.ecc_errors;
    assertions.push(
      perGpu('ecc errors', describeValueMatcher(matcher), gpus, (g) => {
        // A GPU without ECC (consumer cards) or with ECC off has no ECC errors to report.
        const count = g.eccUncorrected ?? 0;
        const shown =
          g.eccUncorrected === undefined
            ? `0 (${g.eccMode === 'enabled' ? 'not reported' : 'ECC off or not supported'})`
            : `${count}`;
        return { ok: matchValue('ecc errors', matcher, count).ok, shown };
      }),
    );
  }
  if (options.throttling !== undefined) {
    const allow = options.throttling;
    assertions.push(
      perGpu('throttling', allow ? 'any' : 'none', gpus, (g) => {
        if (g.throttleReasons === undefined) return { ok: allow, shown: missing(g, 'throttleReasons') };
        const slowing = slowingReasons(g.throttleReasons);
        if (slowing.length === 0) return { ok: true, shown: 'none' };
        return { ok: allow, shown: slowing.map(explainThrottleReason).join('; ') };
      }),
    );
  }
  if (options.process !== undefined) {
    const spec = options.process;
    const expected =
      typeof spec === 'number'
        ? `pid ${spec}`
        : typeof spec === 'string'
          ? `a process matching /${spec}/i`
          : [spec.name && `name /${spec.name}/i`, spec.pid && `pid ${spec.pid}`].filter(Boolean).join(', ');
    const known = gpus.some((g) => g.processes !== undefined);
    const all = gpus.flatMap((g) => (g.processes ?? []).map((p) => ({ ...p, gpu: g.index })));
    const found = all.filter((p) => processMatches(spec, p));
    const list = (ps: typeof all) => ps.map((p) => `${p.pid} ${p.name} on GPU ${p.gpu}`).join('; ');
    const actual = !known
      ? 'processes not reported'
      : found.length > 0
        ? list(found)
        : all.length > 0
          ? `only ${list(all)}`
          : 'no process uses the GPU';
    const ok = found.length > 0;
    assertions.push({
      name: 'process',
      ok,
      expected,
      actual,
      message: ok ? `process ${actual}` : `process: ${actual}, expected ${expected}`,
    });
  }
  return assertions;
}
