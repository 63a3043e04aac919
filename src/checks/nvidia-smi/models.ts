// The GPU model table (data/gpu-peaks.json): dense peak TFLOPS with a source per entry, the default share
// of peak a matmul must reach per class of GPU, and compute capabilities for drivers that do not report them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root.js';

export type MatmulDtype = 'fp32' | 'tf32' | 'fp16' | 'bf16';

export interface GpuModel {
  model: string;
  match: RegExp;
  gpuClass: string;
  computeCapability?: string;
  /** Dense peak TFLOPS per dtype; absent where the GPU has no such math (bf16 on a T4). */
  tflops: Partial<Record<MatmulDtype, number>>;
  source: string;
  note?: string;
}

export interface GpuClass {
  name: string;
  description: string;
  minFraction: { tensor: number; fp32: number };
}

interface RawTable {
  classes: Record<string, { description: string; min_fraction: { tensor: number; fp32: number } }>;
  gpus: {
    model: string;
    match: string;
    class: string;
    compute_capability?: string;
    tflops: Partial<Record<MatmulDtype, number>>;
    source: string;
    note?: string;
  }[];
}

let cached: { models: GpuModel[]; classes: Map<string, GpuClass> } | undefined;

/** The model table, read once from the package's data folder. */
export function gpuModelTable(): { models: GpuModel[]; classes: Map<string, GpuClass> } {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(join(packageRoot(), 'data', 'gpu-peaks.json'), 'utf8')) as RawTable;
  const classes = new Map(
    Object.entries(raw.classes).map(([name, c]) => [
      name,
      { name, description: c.description, minFraction: c.min_fraction },
    ]),
  );
  const models = raw.gpus.map((g) => ({
    model: g.model,
    match: new RegExp(g.match, 'i'),
    gpuClass: g.class,
    computeCapability: g.compute_capability,
    tflops: g.tflops,
    source: g.source,
    note: g.note,
  }));
  cached = { models, classes };
  return cached;
}

/** The table entry for a product name (`NVIDIA A10G`, `Tesla T4`), or undefined for a GPU it does not know. */
export function findGpuModel(name: string): GpuModel | undefined {
  return gpuModelTable().models.find((m) => m.match.test(name));
}

/** The default minimum share of dense peak for a model and dtype (tensor-core dtypes vs FP32 on CUDA cores). */
export function defaultMinFraction(model: GpuModel, dtype: MatmulDtype): number {
  const gpuClass = gpuModelTable().classes.get(model.gpuClass);
  if (!gpuClass) return 0;
  return dtype === 'fp32' ? gpuClass.minFraction.fp32 : gpuClass.minFraction.tensor;
}
