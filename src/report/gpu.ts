// What the GPU checks (`nvidia-smi`, `cuda-matmul`) saw, read back from their results for the HTML and
// JUnit reports. The check modules own their output; this reads it loosely: a JSON `details` object
// first (`{gpus: [...]}`, `{tflops, peakTflops, dtype}`), then the usual texts (`nvidia-smi -L` lines,
// CSV query rows, "123.4 TFLOPS … 62% of peak 989 TFLOPS"). Whatever it cannot read is still shown as
// the check's own expected/observed by the reports.
import type { CheckResult, RunResult } from '../engine/result.js';
import { allChecks, hostOf } from './model.js';

export const GPU_CHECK_TYPES = ['nvidia-smi', 'cuda-matmul'];

export interface GpuCard {
  host: string;
  index?: number;
  name: string;
  memory?: string;
  driver?: string;
}

export interface MatmulFigure {
  host: string;
  title: string;
  status: CheckResult['status'];
  /** Achieved throughput, in `unit`. */
  value: number;
  unit: 'TFLOPS' | 'GFLOPS';
  /** The device's dense peak for this dtype, in `unit`, when the check said. */
  peak?: number;
  dtype?: string;
  device?: string;
}

export interface GpuSection {
  checks: { host: string; check: CheckResult }[];
  cards: GpuCard[];
  matmul: MatmulFigure[];
}

/** The GPU checks that ran (not skipped) across results, and what can be read from them; undefined if none. */
export function extractGpu(results: RunResult[]): GpuSection | undefined {
  const checks = results.flatMap((result) =>
    allChecks(result)
      .filter(({ check }) => GPU_CHECK_TYPES.includes(check.type) && check.status !== 'skip')
      .map(({ check }) => ({ host: hostOf(result), check })),
  );
  if (checks.length === 0) return undefined;
  const cards: GpuCard[] = [];
  const matmul: MatmulFigure[] = [];
  const seen = new Map<string, GpuCard>();
  for (const { host, check } of checks) {
    if (check.type === 'nvidia-smi') {
      // Several checks may each tell part of the same card (one its name, another its driver): merge them.
      for (const card of readCards(check)) {
        const key = `${host}\u0000${card.index ?? ''}\u0000${card.name}`;
        const known = seen.get(key);
        if (known) {
          known.memory ??= card.memory;
          known.driver ??= card.driver;
          continue;
        }
        const full = { host, ...card };
        seen.set(key, full);
        cards.push(full);
      }
    } else {
      const figure = readMatmul(check);
      if (figure) matmul.push({ host, title: check.title, status: check.status, ...figure });
    }
  }
  return { checks, cards, matmul };
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function pick(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined && record[key] !== null) return record[key];
  return undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function asNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseFloat(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function cardFromRecord(record: Record<string, unknown>): Omit<GpuCard, 'host'> | undefined {
  const name = asText(pick(record, 'name', 'product_name', 'productName'));
  if (!name) return undefined;
  const mib = asNumber(pick(record, 'memoryTotalMiB', 'memory_total_mib', 'memoryMiB'));
  const memory =
    mib !== undefined ? `${mib} MiB` : asText(pick(record, 'memory', 'memoryTotal', 'memory.total'));
  return {
    index: asNumber(pick(record, 'index')),
    name,
    memory,
    driver: asText(pick(record, 'driverVersion', 'driver_version', 'driver')),
  };
}

const LIST_LINE = /^GPU (\d+): (.+?)(?: \(UUID: [^)]*\))?\s*$/gm;
const CSV_LINE =
  /^\s*(?:(\d+)\s*,\s*)?((?:NVIDIA|Tesla|GeForce|Quadro|TITAN|RTX)[^,\n]*?)\s*,\s*(\d+(?:\.\d+)?)\s*(MiB|GiB)?\s*(?:,\s*(\d+\.\d+(?:\.\d+)?))?/gim;

function readCards(check: CheckResult): Omit<GpuCard, 'host'>[] {
  for (const text of [check.details, check.observed]) {
    const json = parseJson(text);
    const list = Array.isArray(json)
      ? json
      : json && typeof json === 'object'
        ? (pick(json as Record<string, unknown>, 'gpus', 'devices') as unknown[] | undefined)
        : undefined;
    if (Array.isArray(list)) {
      const cards = list
        .filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object')
        .map(cardFromRecord)
        .filter((card) => card !== undefined);
      if (cards.length > 0) return cards;
    }
  }
  const texts = [check.details, check.observed, check.message].filter((t): t is string => Boolean(t));
  for (const text of texts) {
    const listed = [...text.matchAll(LIST_LINE)].map((m) => ({ index: Number(m[1]), name: m[2].trim() }));
    if (listed.length > 0) return listed;
    const rows = [...text.matchAll(CSV_LINE)].map((m) => ({
      index: m[1] === undefined ? undefined : Number(m[1]),
      name: m[2].trim(),
      memory: `${m[3]} ${m[4] ?? 'MiB'}`,
      driver: m[5],
    }));
    if (rows.length > 0) return rows;
  }
  return [];
}

const FLOPS = /(\d+(?:\.\d+)?)\s*(TFLOPS|GFLOPS|TFLOP\/s|GFLOP\/s)/i;
const PEAK_AFTER = /peak(?:\s*(?:of|is|=|:))?\s*(\d+(?:\.\d+)?)\s*(TFLOPS|GFLOPS|TFLOP\/s|GFLOP\/s)?/i;
const PEAK_BEFORE = /(\d+(?:\.\d+)?)\s*(TFLOPS|GFLOPS|TFLOP\/s|GFLOP\/s)\s*(?:dense\s*)?peak/i;
const PERCENT_OF_PEAK = /(\d+(?:\.\d+)?)\s*%\s*of\s*(?:the\s*)?(?:\w+\s*)?peak/i;
const DTYPE = /\b(bf16|fp16|tf32|fp32|fp8|fp64|int8)\b/i;

function readMatmul(check: CheckResult): Omit<MatmulFigure, 'host' | 'title' | 'status'> | undefined {
  for (const text of [check.details, check.observed]) {
    const json = parseJson(text);
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const record = json as Record<string, unknown>;
      const tflops = asNumber(pick(record, 'tflops', 'achievedTflops', 'achieved_tflops'));
      const gflops = asNumber(pick(record, 'gflops', 'achievedGflops'));
      if (tflops !== undefined || gflops !== undefined) {
        const unit = tflops !== undefined ? 'TFLOPS' : 'GFLOPS';
        return {
          value: (tflops ?? gflops)!,
          unit,
          peak: asNumber(
            unit === 'TFLOPS'
              ? pick(record, 'peakTflops', 'peak_tflops', 'peak')
              : pick(record, 'peakGflops', 'peak_gflops', 'peak'),
          ),
          dtype: asText(pick(record, 'dtype')),
          device: asText(pick(record, 'gpu', 'device', 'name')),
        };
      }
    }
  }
  const texts = [check.observed, check.message, check.details].filter((t): t is string => Boolean(t));
  for (const text of texts) {
    // The achieved figure is the first FLOPS number that is not the peak (`312 TFLOPS peak; measured 250`).
    const peakSpan = PEAK_AFTER.exec(text) ?? PEAK_BEFORE.exec(text);
    const found = [...text.matchAll(new RegExp(FLOPS.source, 'gi'))].find(
      (m) =>
        !peakSpan ||
        m.index! + m[0].length <= peakSpan.index ||
        m.index! >= peakSpan.index + peakSpan[0].length,
    );
    if (!found) continue;
    const unit = found[2].toUpperCase().startsWith('T') ? 'TFLOPS' : 'GFLOPS';
    const value = Number(found[1]);
    const all = texts.join('\n');
    let peak: number | undefined;
    const peakMatch = PEAK_AFTER.exec(all) ?? PEAK_BEFORE.exec(all);
    if (peakMatch) {
      const peakUnit = peakMatch[2]?.toUpperCase().startsWith('G')
        ? 'GFLOPS'
        : peakMatch[2]
          ? 'TFLOPS'
          : unit;
      peak = Number(peakMatch[1]) * (peakUnit === unit ? 1 : peakUnit === 'TFLOPS' ? 1000 : 0.001);
    } else {
      const percent = PERCENT_OF_PEAK.exec(all);
      if (percent && Number(percent[1]) > 0) peak = Math.round((value * 100 * 10) / Number(percent[1])) / 10;
    }
    return { value, unit, peak, dtype: DTYPE.exec(all)?.[1].toLowerCase() };
  }
  return undefined;
}
