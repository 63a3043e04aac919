// `ailab gpu`: the GPU inventory of a target, as nvidia-smi reports it, as a table or JSON; the first
// thing to run on a new GPU VM. When nvidia-smi is missing or fails, the diagnosis says why and what to
// do, and the exit code is 1; a target that cannot be reached is exit 3 (a TargetError).

import { inventoryToJson } from '../../checks/nvidia-smi/gpu-record.js';
import { queryGpus } from '../../checks/nvidia-smi/query.js';
import { formatGpuTable } from '../../checks/nvidia-smi/table.js';
import { ExitCode, TargetError } from '../../errors.js';
import { createTarget } from '../../targets/index.js';
import type { ExecResult } from '../../targets/types.js';
import { createPaint } from '../paint.js';

export interface GpuCommandOptions {
  target: string;
  json?: boolean;
  color: boolean;
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
}

const QUERY_TIMEOUT_MS = 30_000;

export async function gpuCommand(opts: GpuCommandOptions): Promise<number> {
  const target = await createTarget(opts.target, {
    identity: opts.identity,
    knownHosts: opts.knownHosts,
    acceptNewHostKey: opts.acceptNewHostKey,
  });
  let outcome: Awaited<ReturnType<typeof queryGpus>>;
  try {
    const exec = async (command: string): Promise<ExecResult> => {
      const result = await target.exec(command, { timeoutMs: QUERY_TIMEOUT_MS });
      if (result.connectionLost)
        throw new TargetError(`lost the connection to ${target.uri} while asking nvidia-smi`);
      return result;
    };
    outcome = await queryGpus(exec, { needs: { cuda: true, migDevices: true } });
  } finally {
    await target.close();
  }

  if (opts.json) {
    const body = outcome.ok
      ? { target: target.uri, ok: true, ...inventoryToJson(outcome.inventory) }
      : 'diagnosis' in outcome
        ? { target: target.uri, ok: false, diagnosis: outcome.diagnosis }
        : { target: target.uri, ok: false, error: outcome.error, details: outcome.details ?? null };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return outcome.ok ? ExitCode.ok : ExitCode.failed;
  }

  const paint = await createPaint(opts.color);
  if (!outcome.ok) {
    if ('diagnosis' in outcome) {
      const d = outcome.diagnosis;
      process.stdout.write(
        `${paint.red(`No usable GPU on ${target.uri}: ${d.summary}`)}\n\n${d.explanation}\n\n${paint.bold('What to do:')} ${d.fix}\n\n${paint.dim(`nvidia-smi said: ${d.output} (exit ${d.exitCode})`)}\n`,
      );
    } else {
      process.stdout.write(`${paint.red(`nvidia-smi on ${target.uri}: ${outcome.error}`)}\n`);
      if (outcome.details) process.stdout.write(`${paint.dim(outcome.details)}\n`);
    }
    return ExitCode.failed;
  }
  const { inventory } = outcome;
  process.stdout.write(`${formatGpuTable(inventory)}\n`);
  const migDevices = inventory.gpus.flatMap((g) => (g.migDevices ?? []).map((d) => ({ gpu: g.index, ...d })));
  for (const d of migDevices)
    process.stdout.write(
      `  GPU ${d.gpu} MIG device ${d.index}: ${d.profile ?? `${d.memoryTotalMiB ?? '?'} MiB`}${d.uuid ? ` (${d.uuid})` : ''}\n`,
    );
  for (const note of inventory.notes) process.stdout.write(`${paint.dim(`note: ${note}`)}\n`);
  return ExitCode.ok;
}
