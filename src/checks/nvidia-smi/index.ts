// The nvidia-smi check: query the GPUs on the target (CSV, XML, -L), grade them against the lab's
// expectations, and turn nvidia-smi's failures into a diagnosis: what is wrong and what to do.
// A diagnosis is a `fail` (the machine is not right, which is what this check grades); output ailab
// cannot make sense of is an `error`.
import { outcomeFromAssertions } from '../../engine/match.js';
import type { CheckOutcome } from '../types.js';
import { defineCheck } from '../types.js';
import type { Diagnosis } from './diagnose.js';
import { gradeGpus, needsOf, nvidiaSmiSchema } from './expect.js';
import { type GpuInventory, inventoryToJson } from './gpu-record.js';
import { queryGpus } from './query.js';

const QUERY_TIMEOUT_MS = 20_000;

/** A check outcome for a diagnosis: the reason first, then why and what to do in the details. */
export function diagnosisOutcome(diagnosis: Diagnosis): CheckOutcome {
  return {
    status: 'fail',
    message: diagnosis.summary,
    expected: 'nvidia-smi lists the GPUs',
    observed: diagnosis.output || `exit ${diagnosis.exitCode}`,
    details: `${diagnosis.explanation}\nWhat to do: ${diagnosis.fix}\nnvidia-smi said: ${diagnosis.output} (exit ${diagnosis.exitCode})`,
  };
}

function factsOf(inventory: GpuInventory): Record<string, string | number> {
  const facts: Record<string, string | number> = { gpu_count: inventory.gpus.length };
  const first = inventory.gpus[0];
  if (first) facts.gpu_name = first.name;
  if (first?.memoryTotalMiB !== undefined) facts.gpu_memory_mib = first.memoryTotalMiB;
  if (inventory.driverVersion) facts.driver_version = inventory.driverVersion;
  if (inventory.cudaVersion) facts.cuda_version = inventory.cudaVersion;
  return facts;
}

export const check = defineCheck({
  type: 'nvidia-smi',
  summary: 'Query nvidia-smi and check the GPUs: count, model, memory, driver, CUDA, MIG, health',
  schema: nvidiaSmiSchema,
  async run(ctx, options) {
    const outcome = await queryGpus((command) => ctx.sh(command, { timeoutMs: QUERY_TIMEOUT_MS }), {
      source: options.source,
      needs: needsOf(options),
    });
    if (!outcome.ok) {
      if ('diagnosis' in outcome) return diagnosisOutcome(outcome.diagnosis);
      return { status: 'error', message: outcome.error, details: outcome.details };
    }
    const { inventory } = outcome;
    const result = outcomeFromAssertions(gradeGpus(inventory, options), factsOf(inventory));
    // JSON, so that reports can show the cards (src/report/gpu.ts reads `{gpus: [...]}`).
    result.details = JSON.stringify(inventoryToJson(inventory), null, 2);
    return result;
  },
});
