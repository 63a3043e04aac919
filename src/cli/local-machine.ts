// What `ailab list` can tell about this machine without starting a process (it must stay fast).
import { accessSync, constants } from 'node:fs';
import { cpus, platform, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Requirements } from '../spec/types.js';
import { formatSize } from '../util/size.js';

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Requirements this machine visibly lacks (python modules are checked at preflight, not here). */
export function missingLocally(req: Requirements): string[] {
  const missing: string[] = [];
  if (req.os.length > 0 && !req.os.includes(platform())) missing.push(`os ${req.os.join('/')}`);
  if (req.cpus !== undefined && cpus().length < req.cpus) missing.push(`${req.cpus} cpus`);
  if (req.memoryBytes !== undefined && totalmem() < req.memoryBytes)
    missing.push(`${formatSize(req.memoryBytes)} memory`);
  for (const command of req.commands) if (!onPath(command)) missing.push(command);
  return missing;
}

/**
 * A function naming the GPU requirement a lab lacks here (`gpu`, `2 gpus /A10G/`), or nothing. It asks
 * nvidia-smi at most once, and only when called (list calls it only when some lab needs a GPU); without
 * nvidia-smi on PATH it starts no process at all.
 */
export async function localGpuCheck(): Promise<(req: Requirements) => string[]> {
  const { evaluateGpuRequirement, gpuRequirementLabel } = await import('../checks/nvidia-smi/requirement.js');
  const { queryGpus } = await import('../checks/nvidia-smi/query.js');
  let outcome: Awaited<ReturnType<typeof queryGpus>> | undefined;
  if (onPath('nvidia-smi')) {
    const { LocalTarget } = await import('../targets/local.js');
    const target = new LocalTarget();
    outcome = await queryGpus((command) => target.exec(command, { timeoutMs: 10_000 }));
  }
  return (req) => {
    if (!req.gpu) return [];
    const ok = outcome !== undefined && evaluateGpuRequirement(req.gpu, outcome).ok;
    return ok ? [] : [gpuRequirementLabel(req.gpu)];
  };
}
