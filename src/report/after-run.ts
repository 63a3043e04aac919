// What happens after every `run` and `verify`, whatever was asked: the results join the history, and
// in GitHub Actions the Markdown report is appended to the job summary and failures become annotations.
// None of it may fail the run: a problem here is a warning on stderr.
import { appendFile } from 'node:fs/promises';
import type { RunResult } from '../engine/result.js';
import { fitStepSummary, renderAnnotations } from './github.js';
import { runsDir, saveRuns } from './history.js';
import { renderMarkdown } from './markdown.js';

export interface AfterRunOptions {
  /** stdout carries the JSON report: annotations go to stderr (the runner reads both). */
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export async function afterRun(results: RunResult[], options: AfterRunOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (results.length === 0) return;
  const warn = (what: string, error: unknown) =>
    stderr.write(`ailab: warning: ${what}: ${(error as Error)?.message ?? String(error)}\n`);

  if (env.AILAB_NO_HISTORY !== '1') {
    await saveRuns(results, runsDir(env)).catch((error) =>
      warn('could not keep the run in the history', error),
    );
  }
  if (env.GITHUB_STEP_SUMMARY) {
    await appendFile(env.GITHUB_STEP_SUMMARY, `${fitStepSummary(renderMarkdown(results))}\n`).catch((error) =>
      warn('could not write the GitHub job summary', error),
    );
  }
  if (env.GITHUB_ACTIONS === 'true') {
    const annotations = renderAnnotations(results, env.GITHUB_WORKSPACE);
    if (annotations) (options.json ? stderr : stdout).write(annotations);
  }
}
