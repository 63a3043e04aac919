// `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`: one line per GPU, values joined by
// ", " in the order asked. Values that are not values ([N/A], [Not Supported], [Unknown Error],
// [Requested functionality has been deprecated], plain N/A, empty) become "unavailable, and why".
import { decodeThrottleMask, type GpuRecord } from './gpu-record.js';

export type CsvValue = { value: string; na?: undefined } | { value?: undefined; na: string };

/** Units nvidia-smi may leave on a value (without `nounits`, or in the XML). */
const WITH_UNIT = /^([+-]?\d+(?:\.\d+)?)\s*(?:MiB|KiB|GiB|%|W|MHz|us|ms|C|x)$/;

/** One CSV (or XML) value: the text without its unit, or why there is none. */
export function parseCsvValue(raw: string): CsvValue {
  const text = raw.trim();
  if (text === '') return { na: 'empty' };
  if (/^\[.*\]$/.test(text)) return { na: text };
  if (text === 'N/A') return { na: 'N/A' };
  const unit = WITH_UNIT.exec(text);
  return { value: unit ? unit[1] : text };
}

type Setter = (gpu: GpuRecord, value: string, out: { driverVersion?: string }) => void;

interface FieldDef {
  /** The field's names, newest first; an older driver may know only a later one. */
  names: string[];
  /** The record field it fills (for `unavailable`). */
  key: keyof GpuRecord | 'driverVersion';
  set: Setter;
}

const num = (value: string) => {
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};
const mode = (value: string) => {
  const v = value.toLowerCase();
  return v === 'enabled' ? 'enabled' : v === 'disabled' ? 'disabled' : undefined;
};

const FIELDS: FieldDef[] = [
  { names: ['index'], key: 'index', set: (g, v) => (g.index = num(v) ?? g.index) },
  { names: ['name'], key: 'name', set: (g, v) => (g.name = v) },
  { names: ['uuid'], key: 'uuid', set: (g, v) => (g.uuid = v) },
  { names: ['pci.bus_id'], key: 'pciBusId', set: (g, v) => (g.pciBusId = v) },
  {
    // Deprecated in 610 in favour of kmd_version; 610 may print a "[Deprecated …]" suffix.
    names: ['driver_version', 'kmd_version'],
    key: 'driverVersion',
    set: (_g, v, out) => (out.driverVersion = v.split(/\s/)[0]),
  },
  // Not a field on drivers ≤ 470 (rejected with exit 2).
  { names: ['compute_cap'], key: 'computeCapability', set: (g, v) => (g.computeCapability = v) },
  { names: ['memory.total'], key: 'memoryTotalMiB', set: (g, v) => (g.memoryTotalMiB = num(v)) },
  { names: ['memory.used'], key: 'memoryUsedMiB', set: (g, v) => (g.memoryUsedMiB = num(v)) },
  { names: ['memory.free'], key: 'memoryFreeMiB', set: (g, v) => (g.memoryFreeMiB = num(v)) },
  { names: ['utilization.gpu'], key: 'utilizationGpu', set: (g, v) => (g.utilizationGpu = num(v)) },
  { names: ['utilization.memory'], key: 'utilizationMemory', set: (g, v) => (g.utilizationMemory = num(v)) },
  { names: ['temperature.gpu'], key: 'temperatureGpu', set: (g, v) => (g.temperatureGpu = num(v)) },
  { names: ['power.draw'], key: 'powerDrawW', set: (g, v) => (g.powerDrawW = num(v)) },
  { names: ['power.limit'], key: 'powerLimitW', set: (g, v) => (g.powerLimitW = num(v)) },
  { names: ['clocks.current.sm', 'clocks.sm'], key: 'smClockMHz', set: (g, v) => (g.smClockMHz = num(v)) },
  { names: ['clocks.max.sm'], key: 'maxSmClockMHz', set: (g, v) => (g.maxSmClockMHz = num(v)) },
  { names: ['pstate'], key: 'pstate', set: (g, v) => (g.pstate = v) },
  { names: ['mig.mode.current'], key: 'migMode', set: (g, v) => (g.migMode = mode(v)) },
  { names: ['ecc.mode.current'], key: 'eccMode', set: (g, v) => (g.eccMode = mode(v)) },
  {
    names: ['ecc.errors.uncorrected.volatile.total'],
    key: 'eccUncorrected',
    set: (g, v) => (g.eccUncorrected = num(v)),
  },
  {
    names: ['ecc.errors.corrected.volatile.total'],
    key: 'eccCorrected',
    set: (g, v) => (g.eccCorrected = num(v)),
  },
  {
    // Renamed from clocks_throttle_reasons in the 535 era; old drivers know only the old name.
    names: ['clocks_event_reasons.active', 'clocks_throttle_reasons.active'],
    key: 'throttleReasons',
    set: (g, v) => (g.throttleReasons = decodeThrottleMask(v)),
  },
];

/** The fields ailab asks for, newest names. */
export const QUERY_FIELDS: readonly string[] = FIELDS.map((f) => f.names[0]);

/** The next older name of a field an old driver rejected, if it has one. */
export function olderFieldName(field: string): string | undefined {
  const def = FIELDS.find((f) => f.names.includes(field));
  return def?.names[def.names.indexOf(field) + 1];
}

/** The record field a query field fills. */
export function recordKeyOf(field: string): string {
  return FIELDS.find((f) => f.names.includes(field))?.key ?? field;
}

/** The error a parser throws for output it cannot read (the check reports it as an error). */
export class NvidiaSmiOutputError extends Error {}

export function emptyRecord(index: number): GpuRecord {
  return { index, name: 'unknown', unavailable: {} };
}

/** Records from CSV lines; `fields` are the fields asked for, in order. */
export function parseNvidiaSmiCsv(
  text: string,
  fields: readonly string[],
): { gpus: GpuRecord[]; driverVersion?: string } {
  const out: { driverVersion?: string } = {};
  const gpus: GpuRecord[] = [];
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const nameAt = fields.indexOf('name');
  for (const [lineNo, line] of lines.entries()) {
    let parts = line.split(',').map((p) => p.trim());
    // A comma inside a product name would add columns: give the surplus back to the name.
    if (parts.length > fields.length && nameAt >= 0) {
      const extra = parts.length - fields.length;
      parts = [
        ...parts.slice(0, nameAt),
        parts.slice(nameAt, nameAt + extra + 1).join(', '),
        ...parts.slice(nameAt + extra + 1),
      ];
    }
    if (parts.length !== fields.length) {
      throw new NvidiaSmiOutputError(
        `unexpected nvidia-smi CSV line ${lineNo + 1}: ${parts.length} values for ${fields.length} fields: ${line.slice(0, 120)}`,
      );
    }
    const gpu = emptyRecord(lineNo);
    for (const [i, field] of fields.entries()) {
      const def = FIELDS.find((f) => f.names.includes(field));
      if (!def) continue;
      const parsed = parseCsvValue(parts[i]);
      if (parsed.na !== undefined) gpu.unavailable[def.key] = parsed.na;
      else def.set(gpu, parsed.value, out);
    }
    gpus.push(gpu);
  }
  return { gpus, driverVersion: out.driverVersion };
}
