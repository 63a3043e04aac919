// `ailab run <lab...> --parallel N` (and several labs on a k8s:// target): each lab on a target of its
// own made from the same --target URI (for k8s:// its own pod, shaped by the lab; for local its own
// work folder), at most N at a time. It is a fleet with a lab per row (src/engine/fleet.ts): the same
// live table, summary table and exit codes; the reports get one RunResult per lab, all with one run id.
import type { RunResult } from '../../engine/result.js';
import type { ResolvedValues } from '../../engine/values.js';
import { UsageError } from '../../errors.js';
import { renderFleetTable, summarizeFleet } from '../../report/fleet.js';
import type { ReportRequest } from '../../report/index.js';
import type { Paint } from '../../report/paint.js';
import type { Lab } from '../../spec/types.js';
import { createTarget } from '../../targets/index.js';
import { packageVersion } from '../../util/package-root.js';
import { deliverReports, onInterrupt, unattendedRunOptions } from '../run-support.js';
import { podOptionsFor, targetOptions } from '../target-options.js';
import { fleetExitCode } from './fleet.js';
import type { RunCommandOptions } from './run.js';

export interface ParallelCommandInput {
  labs: Lab[];
  resolved: ResolvedValues[];
  stepFlags: (string[] | undefined)[];
  reports: ReportRequest[];
  opts: RunCommandOptions;
  paint: Paint;
}

/** --parallel with flags it cannot go with: a usage error (exit 2). */
export function checkParallelFlags(opts: RunCommandOptions): void {
  if ((opts.parallel ?? 1) <= 1) return;
  if (opts.hosts) throw new UsageError('give --parallel or --hosts, not both');
  if (opts.watch) throw new UsageError('--parallel cannot be used with --watch');
}

/**
 * Does this run take the parallel path: several labs, and --parallel N > 1 or a k8s:// target (each
 * lab gets a pod of its own, with its image and GPUs, even one at a time).
 */
export function wantsParallel(labs: Lab[], opts: RunCommandOptions): boolean {
  return labs.length > 1 && ((opts.parallel ?? 1) > 1 || opts.target.startsWith('k8s://'));
}

export async function parallelCommand(input: ParallelCommandInput): Promise<number> {
  const { labs, resolved, opts, paint } = input;
  if (opts.mode === 'run' && !opts.targetExplicit && labs.some((lab) => lab.provision))
    throw new UsageError(
      '--parallel does not launch hosts for provision blocks',
      'give --target, or run such labs without --parallel',
    );
  const parallel = opts.parallel ?? 1;
  const ci = Boolean(process.env.CI);
  const stream = opts.json ? process.stderr : process.stdout;
  const { createFleetLiveView } = await import('../../ui/fleet-live.js');
  const live = opts.quiet
    ? undefined
    : createFleetLiveView({
        stream,
        paint,
        interactive: Boolean(stream.isTTY) && !ci,
        total: labs.length,
        noun: 'labs',
      });
  if (!opts.quiet) {
    stream.write(
      paint.bold(
        `${opts.mode === 'run' ? 'Running' : 'Verifying'} ${labs.length} labs on ${opts.target}, ${parallel} at a time\n`,
      ),
    );
  }

  const interrupt = onInterrupt(
    (signal) => `${signal}: stopping every lab and cleaning up (Ctrl-C again quits at once)`,
  );
  const { runFleet } = await import('../../engine/fleet.js');
  const { runLab } = await import('../../engine/run-lab.js');
  const version = packageVersion();
  const indexOf = new Map(labs.map((lab, i) => [lab, i]));
  const started = Date.now();
  let results: RunResult[];
  try {
    results = await runFleet({
      jobs: labs.map((lab, i) => ({ lab, name: lab.id, target: opts.target, values: resolved[i].values })),
      mode: opts.mode,
      concurrency: parallel,
      version,
      signal: interrupt.signal,
      connect: ({ lab }) =>
        createTarget(opts.target, {
          ...targetOptions(opts, undefined, [resolved[indexOf.get(lab) as number]]),
          ...podOptionsFor(lab, opts),
        }),
      run: ({ lab }, target, onEvent, runId) => {
        const i = indexOf.get(lab) as number;
        return runLab(lab, {
          ...unattendedRunOptions(opts, resolved[i], input.stepFlags[i], interrupt.signal, version),
          runId,
          target,
          onEvent,
        });
      },
      onUpdate: live?.onUpdate,
    });
  } finally {
    live?.close();
    interrupt.dispose();
  }
  const durationMs = Date.now() - started;

  if (!opts.json)
    process.stdout.write(
      `\n${renderFleetTable(summarizeFleet(results, durationMs), paint, 80, 'lab').join('\n')}\n`,
    );
  await deliverReports(results, input.reports, { json: opts.json });
  return fleetExitCode(results);
}
