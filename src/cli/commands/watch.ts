// `ailab verify <lab> --watch [--interval 3s]`: grade again every few seconds and when files in the work
// folder change, with a live checklist. Ctrl-C stops watching and leaves the final report: the summary,
// the --report files, the history entry. The exit code is that of the last round that ran to its end
// (0 when it passed), not 130: stopping is how a watch ends, not a failure.
import type { ResolvedValues } from '../../engine/values.js';
import { watchLab } from '../../engine/watch.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { ReportRequest } from '../../report/index.js';
import type { Paint } from '../../report/paint.js';
import { renderSummary } from '../../report/text.js';
import type { Lab } from '../../spec/types.js';
import { createTarget } from '../../targets/index.js';
import { parseDuration } from '../../util/duration.js';
import { packageVersion } from '../../util/package-root.js';
import { deliverReports, onInterrupt } from '../run-support.js';
import { podOptionsFor, targetOptions } from '../target-options.js';
import { exitCodeFor, type RunCommandOptions } from './run.js';

const MIN_INTERVAL_MS = 250;

export function parseInterval(text: string | undefined): number {
  if (text === undefined) return 3000;
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_INTERVAL_MS) {
    throw new UsageError(
      `--interval ${text}: give a duration of at least ${MIN_INTERVAL_MS}ms, e.g. 3s or 500ms`,
    );
  }
  return ms;
}

export async function watchCommand(
  lab: Lab,
  resolved: ResolvedValues,
  opts: RunCommandOptions,
  reports: ReportRequest[],
  paint: Paint,
): Promise<number> {
  if (opts.mode !== 'verify') throw new UsageError('--watch goes with `ailab verify`, not `ailab run`');
  const intervalMs = parseInterval(opts.interval);
  const target = await createTarget(opts.target, {
    ...targetOptions(opts, undefined, [resolved]),
    ...podOptionsFor(lab, opts),
  });
  const stream = opts.json ? process.stderr : process.stdout;
  const { createWatchView } = await import('../../ui/watch-view.js');
  const view = createWatchView({
    stream,
    paint,
    interactive: Boolean(stream.isTTY) && !process.env.CI,
    labId: lab.id,
    labTitle: lab.title,
    intervalMs,
    watchingFiles: target.kind === 'local',
  });

  const interrupt = onInterrupt(() => 'stopped watching; the last complete round is the report');

  let outcome: Awaited<ReturnType<typeof watchLab>>;
  try {
    outcome = await watchLab(lab, {
      target,
      values: resolved.values,
      secrets: resolved.secrets,
      workDir: opts.workdir,
      signal: interrupt.signal,
      intervalMs,
      version: packageVersion(),
      onRoundStart: (round, reason) => view.roundStart(round, reason),
      onEvent: (event) => view.onEvent(event),
      onRound: (result, round) => view.roundEnd(result, round),
    });
  } finally {
    view.close();
    await target.close();
    interrupt.dispose();
  }

  const final = outcome.last ?? outcome.interrupted;
  if (!final) return ExitCode.interrupted;
  const results = [final];
  if (!opts.json) process.stdout.write(`\n${renderSummary(final, paint).join('\n')}\n`);
  await deliverReports(results, reports, { json: opts.json });
  return exitCodeFor(results);
}
