// What `run`, `verify --watch`, `--hosts` and `--parallel` share: Ctrl-C handling, the options of an
// unattended run, and delivering the reports.
import type { RunResult } from '../engine/result.js';
import type { RunOptions } from '../engine/run-lab.js';
import type { ResolvedValues } from '../engine/values.js';
import { ExitCode } from '../errors.js';
import { type ReportRequest, renderReport } from '../report/index.js';
import { writeReportFile } from '../report/write.js';

/**
 * runLab's options for a run nobody answers at a terminal (a fleet's hosts, --parallel's labs): the
 * command line's, one lab's values, no prompts. The caller adds the target, run id and event listener.
 */
export function unattendedRunOptions(
  opts: { mode: 'run' | 'verify'; workdir?: string; from?: string; yes?: boolean },
  resolved: ResolvedValues,
  only: string[] | undefined,
  signal: AbortSignal,
  version: string,
): Omit<RunOptions, 'target' | 'runId' | 'onEvent'> {
  return {
    mode: opts.mode,
    values: resolved.values,
    secrets: resolved.secrets,
    workDir: opts.workdir,
    only,
    from: opts.from,
    signal,
    yes: opts.yes,
    version,
  };
}

/**
 * Ctrl-C or SIGTERM aborts the returned signal (steps stop, cleanup still runs); a second one quits
 * at once. `notice` says what happens now.
 */
export function onInterrupt(notice: (signal: NodeJS.Signals) => string): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  let interrupts = 0;
  const handler = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nailab: interrupted again: quitting at once, without waiting for cleanup\n');
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write(`\nailab: ${notice(signal)}\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** `--report junit:out/{lab}.xml`: a file per lab (the hosts of a fleet share their lab's file). */
export const LAB_PLACEHOLDER = '{lab}';

function byLabFile(pattern: string, results: RunResult[]): Map<string, RunResult[]> {
  const files = new Map<string, RunResult[]>();
  for (const result of results) {
    const file = pattern.replaceAll(LAB_PLACEHOLDER, result.lab.id);
    files.set(file, [...(files.get(file) ?? []), result]);
  }
  return files;
}

/** Each --report (to its file, atomically, or stdout), the --json report, then history and GitHub output. */
export async function deliverReports(
  results: RunResult[],
  reports: ReportRequest[],
  options: { json?: boolean; jsonText?: string },
): Promise<void> {
  for (const report of reports) {
    if (report.file?.includes(LAB_PLACEHOLDER)) {
      for (const [file, group] of byLabFile(report.file, results))
        await writeReportFile(file, await renderReport(report.format, group));
      continue;
    }
    const text = await renderReport(report.format, results);
    if (report.file) await writeReportFile(report.file, text);
    else process.stdout.write(text);
  }
  if (options.json) process.stdout.write(options.jsonText ?? (await renderReport('json', results)));
  await (await import('../report/after-run.js')).afterRun(results, { json: options.json });
}
