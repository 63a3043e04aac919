// One normalised GPU record, whatever nvidia-smi output it came from (the CSV query, `-q -x` XML of
// any DTD version, `-L`). A field is undefined when nvidia-smi did not report it; `unavailable` says why.

/** A MIG device (a slice of a GPU in MIG mode). */
export interface MigDevice {
  /** Its index within its GPU. */
  index: number;
  /** The profile, e.g. `1g.10gb` (from `-L`; the XML does not name it). */
  profile?: string;
  uuid?: string;
  gpuInstanceId?: number;
  computeInstanceId?: number;
  memoryTotalMiB?: number;
  smCount?: number;
}

/** A process using a GPU. */
export interface GpuProcess {
  pid: number;
  name: string;
  /** C (compute), G (graphics) or C+G, when the source says. */
  type?: string;
  usedMemoryMiB?: number;
}

export interface GpuRecord {
  index: number;
  name: string;
  uuid?: string;
  pciBusId?: string;
  /** Hopper, Ampere, Ada Lovelace, Turing … (XML only). */
  architecture?: string;
  /** `9.0` (CSV `compute_cap`, not on drivers ≤ 470 nor in the XML). */
  computeCapability?: string;
  memoryTotalMiB?: number;
  memoryUsedMiB?: number;
  memoryFreeMiB?: number;
  /** Percent; not reported in MIG mode. */
  utilizationGpu?: number;
  utilizationMemory?: number;
  /** Degrees C. */
  temperatureGpu?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  smClockMHz?: number;
  maxSmClockMHz?: number;
  /** P0 (full performance) … P12. */
  pstate?: string;
  /** Undefined on GPUs without MIG (T4, A10G, L4, consumer cards). */
  migMode?: 'enabled' | 'disabled';
  /** Undefined when not read; empty when none. */
  migDevices?: MigDevice[];
  eccMode?: 'enabled' | 'disabled';
  /** Uncorrected ECC errors since the driver loaded (volatile). */
  eccUncorrected?: number;
  eccCorrected?: number;
  /** Active clock event (throttle) reasons by name (see THROTTLE_REASONS); undefined when not read. */
  throttleReasons?: string[];
  /** Undefined when not read. */
  processes?: GpuProcess[];
  /** Why a field above has no value, by field name: `[N/A]`, `[Not Supported]`, `not a field on this driver` … */
  unavailable: Record<string, string>;
}

export interface GpuInventory {
  /** Which output the records came from. */
  source: 'csv' | 'xml';
  driverVersion?: string;
  /** The highest CUDA version the driver supports (what nvidia-smi prints as "CUDA Version"). */
  cudaVersion?: string;
  gpus: GpuRecord[];
  /** What was worked around on the way (a field an old driver rejected …). */
  notes: string[];
}

/** NVML's clock event reason bits (nvml.h `nvmlClocksEventReason*`, formerly `nvmlClocksThrottleReason*`). */
export const THROTTLE_REASONS = [
  { bit: 0x1, name: 'gpu_idle', slows: false, why: 'the GPU is idle' },
  {
    bit: 0x2,
    name: 'applications_clocks_setting',
    slows: false,
    why: 'clocks are locked by an application clocks setting',
  },
  { bit: 0x4, name: 'sw_power_cap', slows: true, why: 'power capped: the GPU is at its power limit' },
  {
    bit: 0x8,
    name: 'hw_slowdown',
    slows: true,
    why: 'hardware slowdown (too hot, or the power supply asked for it)',
  },
  { bit: 0x10, name: 'sync_boost', slows: false, why: 'clocks held in sync with other GPUs (sync boost)' },
  {
    bit: 0x20,
    name: 'sw_thermal_slowdown',
    slows: true,
    why: 'thermal slowdown by the driver: the GPU is too hot',
  },
  {
    bit: 0x40,
    name: 'hw_thermal_slowdown',
    slows: true,
    why: 'hardware thermal slowdown: the GPU is too hot',
  },
  {
    bit: 0x80,
    name: 'hw_power_brake_slowdown',
    slows: true,
    why: 'power brake: the system asked the GPU to slow down',
  },
  { bit: 0x100, name: 'display_clocks_setting', slows: false, why: 'clocks set by the display' },
] as const;

/** Names of the reasons set in a bitmask such as `0x0000000000000004`; undefined when it is not one. */
export function decodeThrottleMask(mask: string): string[] | undefined {
  if (!/^0x[0-9a-f]+$/i.test(mask.trim())) return undefined;
  const value = BigInt(mask.trim());
  return THROTTLE_REASONS.filter((r) => (value & BigInt(r.bit)) !== 0n).map((r) => r.name);
}

/** The active reasons that really slow a GPU down (idle, sync boost and clock settings do not). */
export function slowingReasons(reasons: string[] | undefined): string[] {
  const slowing = new Set<string>(THROTTLE_REASONS.filter((r) => r.slows).map((r) => r.name));
  return (reasons ?? []).filter((r) => slowing.has(r));
}

/** A plain sentence for a reason name. */
export function explainThrottleReason(name: string): string {
  return THROTTLE_REASONS.find((r) => r.name === name)?.why ?? name;
}

/** `22.5 GiB` from MiB. */
export function formatMiB(mib: number | undefined): string {
  if (mib === undefined) return 'unknown';
  return mib >= 1024 ? `${Math.round((mib / 1024) * 10) / 10} GiB` : `${mib} MiB`;
}

/**
 * An inventory as plain JSON (`ailab gpu --json`, and the nvidia-smi check's details, which the
 * reports read): each GPU also carries the driver and CUDA versions.
 */
export function inventoryToJson(inventory: GpuInventory): Record<string, unknown> {
  return {
    source: inventory.source,
    driverVersion: inventory.driverVersion ?? null,
    cudaVersion: inventory.cudaVersion ?? null,
    gpus: inventory.gpus.map((gpu) => ({
      ...gpu,
      driverVersion: inventory.driverVersion ?? null,
      cudaVersion: inventory.cudaVersion ?? null,
    })),
    notes: inventory.notes,
  };
}
