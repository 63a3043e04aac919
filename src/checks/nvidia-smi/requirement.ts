// `requires: { gpu: {count, memory, name} }` (or `requires: [gpu]`): does the target have the NVIDIA GPUs
// a lab needs? Asked through nvidia-smi on the target, for preflight and for `ailab list`.
import type { PreflightItem } from '../../engine/result.js';
import type { GpuRequirement } from '../../spec/types.js';
import { formatSize } from '../../util/size.js';
import { formatMiB } from './gpu-record.js';
import { type Exec, type QueryOutcome, queryGpus } from './query.js';

/** `gpu`, or `2 gpus /A10G|L4/ >= 16 GiB`: how `ailab list` names a GPU requirement it lacks. */
export function gpuRequirementLabel(req: GpuRequirement): string {
  if (req.count === 1 && req.name === undefined && req.memoryBytes === undefined) return 'gpu';
  const parts = [req.count === 1 ? 'gpu' : `${req.count} gpus`];
  if (req.name !== undefined) parts.push(`/${req.name}/`);
  if (req.memoryBytes !== undefined) parts.push(`>= ${formatSize(req.memoryBytes)}`);
  return parts.join(' ');
}

function describe(req: GpuRequirement): string {
  const what = `${req.count} NVIDIA GPU${req.count === 1 ? '' : 's'}`;
  const memory = req.memoryBytes === undefined ? '' : ` with >= ${formatSize(req.memoryBytes)}`;
  const name = req.name === undefined ? '' : ` matching /${req.name}/`;
  return `gpu: ${what}${memory}${name}`;
}

/** The preflight item for a GPU requirement, from what nvidia-smi said. */
export function evaluateGpuRequirement(req: GpuRequirement, outcome: QueryOutcome): PreflightItem {
  const requirement = describe(req);
  if (!outcome.ok) {
    const observed =
      'diagnosis' in outcome ? `${outcome.diagnosis.summary}. ${outcome.diagnosis.fix}` : outcome.error;
    return { requirement, ok: false, observed };
  }
  const gpus = outcome.inventory.gpus;
  const re = req.name === undefined ? undefined : new RegExp(req.name, 'i');
  const fits = gpus.filter(
    (g) =>
      (!re || re.test(g.name)) &&
      (req.memoryBytes === undefined || (g.memoryTotalMiB ?? 0) * 1024 * 1024 >= req.memoryBytes),
  );
  const seen = gpus.map((g) => `${g.name} (${formatMiB(g.memoryTotalMiB)})`).join(', ');
  const observed =
    fits.length === gpus.length ? `${gpus.length}: ${seen}` : `${fits.length} of ${gpus.length} fit: ${seen}`;
  return { requirement, ok: fits.length >= req.count, observed };
}

/** Ask the target's nvidia-smi and evaluate a GPU requirement. */
export async function checkGpuRequirement(exec: Exec, req: GpuRequirement): Promise<PreflightItem> {
  return evaluateGpuRequirement(req, await queryGpus(exec));
}
