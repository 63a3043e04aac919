// `nvidia-smi -q -x`: the full report as XML. The schema is named by the DOCTYPE (nvsmi_device_v11,
// v12, v13) and changed between them: power_readings → gpu_power_readings, power_draw →
// average_power_draw / instant_power_draw, clocks_throttle_reasons → clocks_event_reasons. Like
// telegraf, read what each version has rather than trusting the driver number. Values carry units as
// text ("81920 MiB", "27 C") and N/A is plain "N/A".
import { XMLParser } from 'fast-xml-parser';
import type { GpuInventory, GpuProcess, GpuRecord, MigDevice } from './gpu-record.js';
import { emptyRecord, NvidiaSmiOutputError, parseCsvValue } from './parse-csv.js';

type Node = Record<string, unknown>;

/** The DTD version from the DOCTYPE (`nvsmi_device_v12.dtd` → 12); undefined without one (drivers ≤ 418). */
export function xmlSchemaVersion(text: string): number | undefined {
  const m = /<!DOCTYPE\s+nvidia_smi_log\s+SYSTEM\s+"nvsmi_device_v(\d+)\.dtd"/.exec(text);
  return m ? Number(m[1]) : undefined;
}

const asNode = (value: unknown): Node | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;

function at(node: unknown, path: string): unknown {
  let current: unknown = node;
  for (const key of path.split('.')) {
    const n = asNode(current);
    if (!n) return undefined;
    current = n[key];
  }
  return current;
}

/** The first of several paths that holds a text value, parsed: {value} or {na}. */
function read(node: unknown, ...paths: string[]): { value?: string; na?: string } {
  let na: string | undefined;
  for (const path of paths) {
    const raw = at(node, path);
    if (typeof raw !== 'string' && typeof raw !== 'number') continue;
    const parsed = parseCsvValue(String(raw));
    if (parsed.value !== undefined) return parsed;
    na ??= parsed.na;
  }
  return { na: na ?? 'not reported' };
}

function put<K extends keyof GpuRecord>(
  gpu: GpuRecord,
  key: K,
  reading: { value?: string; na?: string },
  convert: (v: string) => GpuRecord[K] | undefined,
): void {
  if (reading.value === undefined) {
    gpu.unavailable[key] = reading.na ?? 'not reported';
    return;
  }
  const value = convert(reading.value);
  if (value === undefined) gpu.unavailable[key] = `unreadable: ${reading.value}`;
  else gpu[key] = value;
}

const num = (v: string) => (Number.isFinite(Number(v)) ? Number(v) : undefined);
const mode = (v: string) =>
  v.toLowerCase() === 'enabled' ? 'enabled' : v.toLowerCase() === 'disabled' ? 'disabled' : undefined;

/** Sum the numeric children whose names match, at the first level under `node`. */
function sumMatching(node: unknown, match: (name: string) => boolean): number | undefined {
  const n = asNode(node);
  if (!n) return undefined;
  let total: number | undefined;
  for (const [key, value] of Object.entries(n)) {
    if (!match(key) || typeof value !== 'string') continue;
    const v = num(value.trim());
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

function eccCounts(gpu: Node): { uncorrected?: number; corrected?: number } {
  const volatile = at(gpu, 'ecc_errors.volatile');
  // v10 and before: single_bit / double_bit blocks with a total.
  const doubleBit = num(String(at(volatile, 'double_bit.total') ?? ''));
  const singleBit = num(String(at(volatile, 'single_bit.total') ?? ''));
  return {
    uncorrected: doubleBit ?? sumMatching(volatile, (k) => k.includes('uncorrectable')),
    corrected:
      singleBit ?? sumMatching(volatile, (k) => k.includes('correctable') && !k.includes('uncorrectable')),
  };
}

function throttleReasons(gpu: Node): string[] | undefined {
  for (const [block, prefix] of [
    ['clocks_event_reasons', 'clocks_event_reason_'],
    ['clocks_throttle_reasons', 'clocks_throttle_reason_'],
  ] as const) {
    const reasons = asNode(gpu[block]);
    if (!reasons) continue;
    return Object.entries(reasons)
      .filter(([key, value]) => key.startsWith(prefix) && String(value).trim() === 'Active')
      .map(([key]) => key.slice(prefix.length));
  }
  return undefined;
}

const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

function migDevices(gpu: Node): MigDevice[] {
  return list(at(gpu, 'mig_devices.mig_device')).map((d, i) => ({
    index: num(String(at(d, 'index') ?? '')) ?? i,
    gpuInstanceId: num(String(at(d, 'gpu_instance_id') ?? '')),
    computeInstanceId: num(String(at(d, 'compute_instance_id') ?? '')),
    memoryTotalMiB: num(read(d, 'fb_memory_usage.total').value ?? ''),
    smCount: num(String(at(d, 'device_attributes.shared.multiprocessor_count') ?? '')),
  }));
}

function processes(gpu: Node): GpuProcess[] {
  return list(at(gpu, 'processes.process_info')).flatMap((p) => {
    const pid = num(String(at(p, 'pid') ?? ''));
    if (pid === undefined) return [];
    return [
      {
        pid,
        name: String(at(p, 'process_name') ?? '').trim(),
        type: String(at(p, 'type') ?? '').trim() || undefined,
        usedMemoryMiB: num(read(p, 'used_memory').value ?? ''),
      },
    ];
  });
}

function gpuRecord(gpu: Node, index: number): GpuRecord {
  const g = emptyRecord(index);
  const text = (v: string) => v;
  put(g, 'name', read(gpu, 'product_name'), text);
  put(g, 'uuid', read(gpu, 'uuid'), text);
  g.pciBusId = typeof gpu['@_id'] === 'string' ? gpu['@_id'] : read(gpu, 'pci.pci_bus_id').value;
  put(g, 'architecture', read(gpu, 'product_architecture'), text);
  g.unavailable.computeCapability = 'not in the XML report';
  put(g, 'memoryTotalMiB', read(gpu, 'fb_memory_usage.total'), num);
  put(g, 'memoryUsedMiB', read(gpu, 'fb_memory_usage.used'), num);
  put(g, 'memoryFreeMiB', read(gpu, 'fb_memory_usage.free'), num);
  put(g, 'utilizationGpu', read(gpu, 'utilization.gpu_util'), num);
  put(g, 'utilizationMemory', read(gpu, 'utilization.memory_util'), num);
  put(g, 'temperatureGpu', read(gpu, 'temperature.gpu_temp'), num);
  // v11: power_readings; v12: gpu_power_readings/power_draw; v13: average_power_draw (no power_draw).
  put(
    g,
    'powerDrawW',
    read(
      gpu,
      'gpu_power_readings.power_draw',
      'gpu_power_readings.average_power_draw',
      'gpu_power_readings.instant_power_draw',
      'power_readings.power_draw',
      'power_readings.average_power_draw',
    ),
    num,
  );
  put(
    g,
    'powerLimitW',
    read(
      gpu,
      'gpu_power_readings.current_power_limit',
      'power_readings.enforced_power_limit',
      'power_readings.power_limit',
    ),
    num,
  );
  put(g, 'smClockMHz', read(gpu, 'clocks.sm_clock'), num);
  put(g, 'maxSmClockMHz', read(gpu, 'max_clocks.sm_clock'), num);
  put(g, 'pstate', read(gpu, 'performance_state'), text);
  put(g, 'migMode', read(gpu, 'mig_mode.current_mig'), mode);
  g.migDevices = migDevices(gpu);
  put(g, 'eccMode', read(gpu, 'ecc_mode.current_ecc'), mode);
  const ecc = eccCounts(gpu);
  if (ecc.uncorrected !== undefined) g.eccUncorrected = ecc.uncorrected;
  else g.unavailable.eccUncorrected = 'N/A';
  if (ecc.corrected !== undefined) g.eccCorrected = ecc.corrected;
  else g.unavailable.eccCorrected = 'N/A';
  g.throttleReasons = throttleReasons(gpu);
  if (g.throttleReasons === undefined) g.unavailable.throttleReasons = 'not reported';
  g.processes = processes(gpu);
  return g;
}

/** Parse `nvidia-smi -q -x` output into an inventory; throws NvidiaSmiOutputError when it is not that. */
export function parseNvidiaSmiXml(text: string): GpuInventory & { schemaVersion?: number } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => name === 'gpu' || name === 'mig_device' || name === 'process_info',
  });
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (error) {
    throw new NvidiaSmiOutputError(
      `nvidia-smi -q -x printed XML that does not parse: ${(error as Error).message}`,
    );
  }
  const log = asNode(doc.nvidia_smi_log);
  if (!log) throw new NvidiaSmiOutputError('nvidia-smi -q -x printed no <nvidia_smi_log> report');
  const gpus = list(log.gpu).map((gpu, i) => gpuRecord(asNode(gpu) ?? {}, i));
  const notes: string[] = [];
  const attached = num(String(log.attached_gpus ?? ''));
  if (attached !== undefined && attached !== gpus.length)
    notes.push(`the report says ${attached} GPUs are attached but describes ${gpus.length}`);
  return {
    source: 'xml',
    schemaVersion: xmlSchemaVersion(text),
    driverVersion: read(log, 'driver_version').value?.split(/\s/)[0],
    cudaVersion: read(log, 'cuda_version').value,
    gpus,
    notes,
  };
}
