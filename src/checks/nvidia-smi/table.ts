// An inventory as a plain text table (`ailab gpu`, and a check's details in reports).
import { formatMiB, type GpuInventory, type GpuRecord } from './gpu-record.js';

const dash = '-';

function mig(gpu: GpuRecord): string {
  if (gpu.migMode === undefined) return dash;
  if (gpu.migMode === 'disabled') return 'off';
  const n = gpu.migDevices?.length;
  return n === undefined ? 'on' : `on (${n} device${n === 1 ? '' : 's'})`;
}

function value(v: number | undefined, unit: string): string {
  return v === undefined ? 'N/A' : `${Math.round(v)}${unit}`;
}

/** Rows of cells for each GPU, with a header row. */
export function gpuTableRows(inventory: GpuInventory): string[][] {
  const header = [
    'GPU',
    'NAME',
    'MEMORY USED / TOTAL',
    'DRIVER',
    'CUDA',
    'UTIL',
    'TEMP',
    'POWER / LIMIT',
    'MIG',
  ];
  const rows = inventory.gpus.map((g) => [
    String(g.index),
    g.name,
    `${formatMiB(g.memoryUsedMiB)} / ${formatMiB(g.memoryTotalMiB)}`,
    inventory.driverVersion ?? dash,
    inventory.cudaVersion ?? dash,
    value(g.utilizationGpu, '%'),
    value(g.temperatureGpu, ' C'),
    `${value(g.powerDrawW, ' W')} / ${value(g.powerLimitW, ' W')}`,
    mig(g),
  ]);
  return [header, ...rows];
}

/** The rows aligned in columns, one line each. */
export function formatGpuTable(inventory: GpuInventory): string {
  const rows = gpuTableRows(inventory);
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
