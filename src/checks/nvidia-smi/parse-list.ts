// `nvidia-smi -L` (one line per GPU, MIG devices indented below their GPU) and the version header of
// the default table, the one place besides `-q` that prints the driver's CUDA version.
import type { MigDevice } from './gpu-record.js';

export interface ListedGpu {
  index: number;
  name: string;
  uuid?: string;
  migDevices: MigDevice[];
}

const GPU_LINE = /^GPU (\d+): (.+?)(?: \(UUID: ([^)]+)\))?\s*$/;
// `  MIG 3g.40gb     Device  0: (UUID: MIG-…)`; drivers 450–470 printed `MIG 1c.3g.20gb Device 0: (UUID: MIG-GPU-…/1/0)`.
const MIG_LINE = /^\s+MIG\s+(\S+)\s+Device\s+(\d+):\s*\(UUID:\s*([^)]+)\)/;

/** GPUs and their MIG devices from `nvidia-smi -L`; lines that are neither are ignored. */
export function parseNvidiaSmiList(text: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const line of text.split(/\r?\n/)) {
    const gpu = GPU_LINE.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2], uuid: gpu[3], migDevices: [] });
      continue;
    }
    const mig = MIG_LINE.exec(line);
    if (mig && gpus.length > 0) {
      gpus[gpus.length - 1].migDevices.push({ index: Number(mig[2]), profile: mig[1], uuid: mig[3].trim() });
    }
  }
  return gpus;
}

/**
 * Driver and CUDA versions from the default table's header (all three layouts, and 610's
 * `KMD Version` / `CUDA UMD Version` words) or from `-q` text (`CUDA Version : 12.2`).
 */
export function parseVersionHeader(text: string): { driverVersion?: string; cudaVersion?: string } {
  const driver = /(?:Driver|KMD) Version\s*:\s*(\d+(?:\.\d+)*)/.exec(text);
  const cuda = /CUDA (?:UMD )?Version\s*:\s*(\d+(?:\.\d+)*)/.exec(text);
  return { driverVersion: driver?.[1], cudaVersion: cuda?.[1] };
}
