// Ask nvidia-smi on a target what GPUs it has: the CSV query first (stable, cheap), falling back field by
// field when an old driver rejects one; the XML report when asked for, or when the CSV query fails for a
// reason that is not a known diagnosis. Extra calls only for what a caller needs (CUDA version, MIG
// devices, processes). Used by the nvidia-smi check, preflight, `ailab gpu` and `ailab list`.
import type { ExecResult } from '../../targets/types.js';
import { type Diagnosis, diagnoseNvidiaSmi } from './diagnose.js';
import type { GpuInventory, GpuProcess } from './gpu-record.js';
import {
  NvidiaSmiOutputError,
  olderFieldName,
  parseCsvValue,
  parseNvidiaSmiCsv,
  QUERY_FIELDS,
  recordKeyOf,
} from './parse-csv.js';
import { parseNvidiaSmiList, parseVersionHeader } from './parse-list.js';

export type Exec = (command: string) => Promise<ExecResult>;

export type NvidiaSmiSource = 'auto' | 'csv' | 'xml';

export interface QueryNeeds {
  /** The driver's CUDA version (not a CSV field). */
  cuda?: boolean;
  /** MIG devices of GPUs in MIG mode. */
  migDevices?: boolean;
  /** Processes using each GPU. */
  processes?: boolean;
}

export type QueryOutcome =
  | { ok: true; inventory: GpuInventory }
  | { ok: false; diagnosis: Diagnosis }
  /** nvidia-smi did something ailab cannot make sense of. */
  | { ok: false; error: string; details?: string };

const INVALID_FIELD = /Field "([^"]+)" is not a valid field to query/;

function firstLines(result: ExecResult, lines = 5): string {
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(0, lines)
    .join('\n');
}

function stopped(result: ExecResult, what: string): QueryOutcome | undefined {
  if (result.timedOut) return { ok: false, error: `${what} timed out after ${result.durationMs}ms` };
  if (result.aborted) return { ok: false, error: `${what} was aborted` };
  return undefined;
}

function failed(result: ExecResult, what: string): QueryOutcome {
  const diagnosis = diagnoseNvidiaSmi(result);
  if (diagnosis) return { ok: false, diagnosis };
  return {
    ok: false,
    error: `${what} failed (exit ${result.exitCode ?? result.signal}): ${firstLines(result, 1).slice(0, 160) || 'no output'}`,
    details: firstLines(result, 20),
  };
}

/** The CSV query, dropping or renaming each field an old driver rejects until it answers. */
async function queryCsv(exec: Exec): Promise<QueryOutcome> {
  let fields = [...QUERY_FIELDS];
  const notes: string[] = [];
  const dropped: string[] = [];
  for (let attempt = 0; attempt <= QUERY_FIELDS.length; attempt++) {
    const command = `nvidia-smi --query-gpu=${fields.join(',')} --format=csv,noheader,nounits`;
    const result = await exec(command);
    const stop = stopped(result, 'nvidia-smi --query-gpu');
    if (stop) return stop;
    const invalid = INVALID_FIELD.exec(`${result.stdout}\n${result.stderr}`);
    if (result.exitCode !== 0 && invalid && fields.includes(invalid[1])) {
      const field = invalid[1];
      const older = olderFieldName(field);
      if (older) {
        fields = fields.map((f) => (f === field ? older : f));
        notes.push(`this driver does not know the field ${field}: asked for ${older} instead`);
      } else {
        fields = fields.filter((f) => f !== field);
        dropped.push(field);
        notes.push(`this driver does not know the field ${field}: left it out`);
      }
      continue;
    }
    // Some failures print their message with exit 0 or instead of CSV; look before parsing.
    const diagnosis = diagnoseNvidiaSmi(result);
    if (diagnosis) return { ok: false, diagnosis };
    if (result.exitCode !== 0) return failed(result, 'nvidia-smi --query-gpu');
    try {
      const { gpus, driverVersion } = parseNvidiaSmiCsv(result.stdout, fields);
      for (const gpu of gpus)
        for (const field of dropped) gpu.unavailable[recordKeyOf(field)] = 'not a field on this driver';
      if (gpus.length === 0) return { ok: false, error: 'nvidia-smi --query-gpu printed no GPU' };
      return { ok: true, inventory: { source: 'csv', driverVersion, gpus, notes } };
    } catch (error) {
      if (!(error instanceof NvidiaSmiOutputError)) throw error;
      return { ok: false, error: error.message, details: firstLines(result, 20) };
    }
  }
  return { ok: false, error: 'nvidia-smi rejected every field ailab asked for' };
}

async function queryXml(exec: Exec): Promise<QueryOutcome> {
  const result = await exec('nvidia-smi -q -x');
  const stop = stopped(result, 'nvidia-smi -q -x');
  if (stop) return stop;
  const diagnosis = diagnoseNvidiaSmi(result);
  if (diagnosis) return { ok: false, diagnosis };
  if (result.exitCode !== 0) return failed(result, 'nvidia-smi -q -x');
  // Loaded only here: the XML parser is the heaviest part of this module.
  const { parseNvidiaSmiXml } = await import('./parse-xml.js');
  try {
    const { schemaVersion: _v, ...inventory } = parseNvidiaSmiXml(result.stdout);
    if (inventory.gpus.length === 0) return { ok: false, error: 'nvidia-smi -q -x described no GPU' };
    return { ok: true, inventory };
  } catch (error) {
    if (!(error instanceof NvidiaSmiOutputError)) throw error;
    return { ok: false, error: error.message, details: firstLines(result, 20) };
  }
}

/** Fill what the CSV query cannot tell, with one extra call each, only when needed. */
async function addExtras(exec: Exec, inventory: GpuInventory, needs: QueryNeeds): Promise<void> {
  if (needs.cuda && inventory.cudaVersion === undefined) {
    const result = await exec('nvidia-smi');
    const header = parseVersionHeader(result.stdout);
    if (header.cudaVersion) inventory.cudaVersion = header.cudaVersion;
    else
      inventory.notes.push(
        `CUDA version unknown: nvidia-smi printed no "CUDA Version" (${firstLines(result, 1)})`,
      );
    inventory.driverVersion ??= header.driverVersion;
  }
  if (needs.migDevices) {
    const inMig = inventory.gpus.filter((g) => g.migMode === 'enabled' && g.migDevices === undefined);
    // No GPU in MIG mode: no MIG devices, nothing to ask.
    for (const gpu of inventory.gpus) if (gpu.migMode !== 'enabled') gpu.migDevices ??= [];
    if (inMig.length > 0) {
      const result = await exec('nvidia-smi -L');
      if (result.exitCode === 0) {
        const listed = parseNvidiaSmiList(result.stdout);
        for (const gpu of inMig) {
          const match = listed.find((l) => (gpu.uuid && l.uuid === gpu.uuid) || l.index === gpu.index);
          gpu.migDevices = match?.migDevices ?? [];
        }
      } else {
        inventory.notes.push(`MIG devices unknown: nvidia-smi -L failed (${firstLines(result, 1)})`);
      }
    }
  }
  if (needs.processes && inventory.gpus.some((g) => g.processes === undefined)) {
    const result = await exec(
      'nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits',
    );
    if (result.exitCode === 0) {
      const byUuid = new Map<string, GpuProcess[]>();
      for (const line of result.stdout.split(/\r?\n/)) {
        const [uuid, pid, name, memory] = line.split(',').map((p) => p.trim());
        if (!uuid || !pid || !Number.isFinite(Number(pid))) continue;
        const used = parseCsvValue(memory ?? '').value;
        const list = byUuid.get(uuid) ?? [];
        list.push({
          pid: Number(pid),
          name: name ?? '',
          type: 'C',
          usedMemoryMiB: used ? Number(used) : undefined,
        });
        byUuid.set(uuid, list);
      }
      for (const gpu of inventory.gpus) gpu.processes ??= byUuid.get(gpu.uuid ?? '') ?? [];
    } else {
      inventory.notes.push(
        `processes unknown: nvidia-smi --query-compute-apps failed (${firstLines(result, 1)})`,
      );
    }
  }
}

/** The GPUs of a target as nvidia-smi reports them, or why it could not say. */
export async function queryGpus(
  exec: Exec,
  options: { source?: NvidiaSmiSource; needs?: QueryNeeds } = {},
): Promise<QueryOutcome> {
  const source = options.source ?? 'auto';
  const needs = options.needs ?? {};
  if (source === 'xml') return queryXml(exec);
  const csv = await queryCsv(exec);
  if (!csv.ok) {
    // A known diagnosis (no driver …) will not get better with the other format.
    if (source === 'csv' || 'diagnosis' in csv) return csv;
    const xml = await queryXml(exec);
    if (xml.ok) {
      xml.inventory.notes.unshift(`the CSV query failed (${csv.error}): read the XML report instead`);
      return xml;
    }
    return csv;
  }
  await addExtras(exec, csv.inventory, needs);
  return csv;
}
