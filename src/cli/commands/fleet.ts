// `ailab run|verify <lab> --hosts FILE`: one lab on every host of an inventory, --concurrency at a time.
// A live host × status table while it runs, then a summary table (host, score, failures); --json prints
// `{schemaVersion, summary, hosts: RunResult[]}`; --report files get the RunResult of every host.
import type { RunResult } from '../../engine/result.js';
import type { ResolvedValues } from '../../engine/values.js';
import { ExitCode, UsageError } from '../../errors.js';
import { isUnreachable, renderFleetJson, renderFleetTable, summarizeFleet } from '../../report/fleet.js';
import type { ReportRequest } from '../../report/index.js';
import type { Paint } from '../../report/paint.js';
import type { Lab } from '../../spec/types.js';
import { createTarget } from '../../targets/index.js';
import { loadInventory } from '../../targets/inventory.js';
import { packageVersion } from '../../util/package-root.js';
import { deliverReports, onInterrupt, unattendedRunOptions } from '../run-support.js';
import { podOptionsFor, targetOptions } from '../target-options.js';
import type { RunCommandOptions } from './run.js';

export interface FleetCommandInput {
  labs: Lab[];
  resolved: ResolvedValues[];
  stepFlags: (string[] | undefined)[];
  reports: ReportRequest[];
  opts: RunCommandOptions;
  paint: Paint;
}

/** Exit code of a fleet: interrupted, then a host that could not be used (3), then a failure (1). */
export function fleetExitCode(results: RunResult[]): number {
  if (results.some((r) => r.status === 'interrupted')) return ExitCode.interrupted;
  if (results.some((r) => isUnreachable(r) || r.preflight.some((p) => !p.ok))) return ExitCode.preflight;
  if (results.some((r) => r.status !== 'passed')) return ExitCode.failed;
  return ExitCode.ok;
}

export async function fleetCommand(input: FleetCommandInput): Promise<number> {
  const { labs, resolved, opts, paint } = input;
  if (labs.length !== 1) throw new UsageError('--hosts runs one lab at a time', 'name a single lab');
  if (opts.target !== 'local') throw new UsageError('give --target or --hosts, not both');
  const [lab] = labs;
  const hosts = await loadInventory(opts.hosts!);
  const base = targetOptions(opts, undefined, resolved);
  if (opts.identity) {
    // Check the shared key once (and ask for its passphrase once), not once per host.
    const { loadPrivateKey } = await import('../../targets/ssh-keys.js');
    const canAsk = Boolean(process.stdin.isTTY) && !process.env.CI && !opts.json;
    const prompts = canAsk ? (await import('../prompts.js')).createPrompts() : undefined;
    await loadPrivateKey(opts.identity, { env: process.env, askSecret: prompts?.secret });
  }

  const ci = Boolean(process.env.CI);
  const stream = opts.json ? process.stderr : process.stdout;
  const { createFleetLiveView } = await import('../../ui/fleet-live.js');
  const live = opts.quiet
    ? undefined
    : createFleetLiveView({ stream, paint, interactive: Boolean(stream.isTTY) && !ci, total: hosts.length });
  if (!opts.quiet) {
    stream.write(
      paint.bold(
        `${opts.mode === 'run' ? 'Running' : 'Verifying'} ${lab.id} — ${lab.title} on ${hosts.length} hosts\n`,
      ),
    );
  }

  const interrupt = onInterrupt(
    (signal) => `${signal}: stopping every host and cleaning up (Ctrl-C again quits at once)`,
  );

  const { runFleet } = await import('../../engine/fleet.js');
  const { runLab } = await import('../../engine/run-lab.js');
  const started = Date.now();
  let results: RunResult[];
  try {
    results = await runFleet({
      jobs: hosts.map((host) => ({
        lab,
        name: host.name,
        target: host.target,
        host,
        values: resolved[0].values,
      })),
      mode: opts.mode,
      concurrency: opts.concurrency ?? 16,
      version: packageVersion(),
      signal: interrupt.signal,
      connect: (job) =>
        createTarget(job.target, {
          ...base,
          ...podOptionsFor(lab, opts, job.host),
          identity: job.host?.identity ?? opts.identity,
        }),
      run: (_job, target, onEvent, runId) =>
        runLab(lab, {
          ...unattendedRunOptions(opts, resolved[0], input.stepFlags[0], interrupt.signal, packageVersion()),
          runId,
          target,
          onEvent,
        }),
      onUpdate: live?.onUpdate,
    });
  } finally {
    live?.close();
    interrupt.dispose();
  }
  const durationMs = Date.now() - started;

  if (!opts.json)
    process.stdout.write(`\n${renderFleetTable(summarizeFleet(results, durationMs), paint).join('\n')}\n`);
  await deliverReports(results, input.reports, {
    json: opts.json,
    jsonText: renderFleetJson(results, durationMs),
  });
  return fleetExitCode(results);
}
