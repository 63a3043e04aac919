// `ailab run <lab...> --parallel N`: several labs at once, each on its own target made from the same
// --target URI (for k8s:// its own pod; for local its own LocalTarget), at most N at a time (p-limit).
// The fleet's pieces are reused with a lab per row: the live table (src/ui/fleet-live.ts) and the
// summary table (src/report/fleet.ts). One RunResult per lab goes to the reports, as a sequential run.
import {
  connectFailureMessage,
  type HostState,
  oneLine,
  track,
  unreachableResult,
} from '../../engine/fleet.js';
import type { RunResult } from '../../engine/result.js';
import type { ResolvedValues } from '../../engine/values.js';
import { UsageError } from '../../errors.js';
import { renderFleetTable, summarizeFleet } from '../../report/fleet.js';
import type { ReportRequest } from '../../report/index.js';
import type { Paint } from '../../report/paint.js';
import type { Lab } from '../../spec/types.js';
import { createTarget } from '../../targets/index.js';
import type { Target } from '../../targets/types.js';
import { packageVersion } from '../../util/package-root.js';
import { deliverReports, onInterrupt } from '../run-support.js';
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
        `${opts.mode === 'run' ? 'Running' : 'Verifying'} ${labs.length} labs on ${opts.target}, ${opts.parallel} at a time\n`,
      ),
    );
  }

  const interrupt = onInterrupt(
    (signal) => `${signal}: stopping every lab and cleaning up (Ctrl-C again quits at once)`,
  );
  const { default: pLimit } = await import('p-limit');
  const { newRunId, runLab } = await import('../../engine/run-lab.js');
  const limit = pLimit(opts.parallel ?? 1);
  const runId = newRunId();
  const version = packageVersion();
  const started = Date.now();

  const runOne = async (lab: Lab, i: number): Promise<RunResult> => {
    const state: HostState = {
      host: { name: lab.id, target: opts.target, labels: {} },
      phase: 'queued',
      detail: '',
    };
    const update = () => live?.onUpdate(state);
    const shared = { mode: opts.mode, version, values: resolved[i].values, runId };
    const finish = (result: RunResult) => {
      state.phase = 'done';
      state.result = result;
      update();
      return result;
    };
    update();
    return limit(async () => {
      const begun = new Date();
      if (interrupt.signal.aborted)
        return finish({
          ...unreachableResult(lab, state.host, shared, 'interrupted before it started', begun),
          status: 'interrupted',
        });
      state.phase = 'connecting';
      update();
      let target: Target;
      try {
        target = await createTarget(opts.target, {
          ...targetOptions(opts, undefined, [resolved[i]]),
          ...podOptionsFor(lab, opts),
        });
      } catch (error) {
        const result = unreachableResult(
          lab,
          state.host,
          shared,
          connectFailureMessage(error as Error),
          begun,
        );
        // Ctrl-C while the pod was starting: the target deleted it; the lab was interrupted, not broken.
        return finish(interrupt.signal.aborted ? { ...result, status: 'interrupted' } : result);
      }
      try {
        state.phase = 'running';
        update();
        return finish(
          await runLab(lab, {
            runId,
            target,
            mode: opts.mode,
            values: resolved[i].values,
            secrets: resolved[i].secrets,
            workDir: opts.workdir,
            only: input.stepFlags[i],
            from: opts.from,
            signal: interrupt.signal,
            onEvent: (event) => track(state, event, update),
            yes: opts.yes,
            version,
          }),
        );
      } catch (error) {
        return finish(
          unreachableResult(lab, state.host, shared, `error: ${oneLine((error as Error).message)}`, begun),
        );
      } finally {
        await target.close().catch(() => {});
      }
    });
  };

  let results: RunResult[];
  try {
    results = await Promise.all(labs.map(runOne));
  } finally {
    live?.close();
    interrupt.dispose();
  }
  const durationMs = Date.now() - started;

  if (!opts.json) {
    const summary = summarizeFleet(results, durationMs);
    for (const [i, row] of summary.hosts.entries()) row.name = results[i].lab.id;
    process.stdout.write(`\n${renderFleetTable(summary, paint, 80, 'lab').join('\n')}\n`);
  }
  await deliverReports(results, input.reports, { json: opts.json });
  return fleetExitCode(results);
}
