// Run history: every run's JSON report kept as `<runId>.json` in `$XDG_STATE_HOME/ailab/runs/`
// (AILAB_STATE_DIR overrides the ailab state folder), written atomically. `ailab progress` and
// `ailab report` read it back.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../engine/result.js';
import { UsageError } from '../errors.js';
import { stateDir } from '../util/paths.js';
import { hostOf, slug } from './model.js';
import { writeReportFile } from './write.js';

/** The history folder; `env` (process.env by default) may carry AILAB_STATE_DIR. */
export function runsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.AILAB_STATE_DIR ?? stateDir(), 'runs');
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * File names for a batch of results: the run id, plus what tells apart the results sharing it — the
 * host in a fleet (`--hosts`), the lab in `run --parallel`.
 */
export function historyFileNames(results: RunResult[]): string[] {
  const used = new Set<string>();
  return results.map((result) => {
    const sharing = results.filter((r) => r.runId === result.runId);
    let base = safe(result.runId);
    if (sharing.length > 1) {
      const oneLab = sharing.every((r) => r.lab.id === result.lab.id);
      base += `--${oneLab ? slug(hostOf(result)) : safe(result.lab.id)}`;
    }
    let name = `${base}.json`;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}.json`;
    used.add(name);
    return name;
  });
}

/** Keep each result in the history folder; returns the files written. */
export async function saveRuns(results: RunResult[], dir = runsDir()): Promise<string[]> {
  const names = historyFileNames(results);
  const files: string[] = [];
  for (const [i, result] of results.entries()) {
    const file = join(dir, names[i]);
    await writeReportFile(file, `${JSON.stringify(result, null, 2)}\n`);
    files.push(file);
  }
  return files;
}

export interface StoredRun {
  file: string;
  result: RunResult;
}

function looksLikeRun(value: unknown): value is RunResult {
  const r = value as RunResult;
  return (
    Boolean(r) &&
    typeof r === 'object' &&
    typeof r.schemaVersion === 'number' &&
    typeof r.runId === 'string' &&
    typeof r.startedAt === 'string' &&
    typeof r.lab?.id === 'string' &&
    Array.isArray(r.steps) &&
    Array.isArray(r.verify) &&
    typeof r.score?.percent === 'number'
  );
}

/** Every readable run in the history, oldest first; files that are not run reports are listed apart. */
export async function listRuns(dir = runsDir()): Promise<{ runs: StoredRun[]; unreadable: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], unreadable: [] };
    throw error;
  }
  const runs: StoredRun[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const value = JSON.parse(await readFile(file, 'utf8'));
      if (looksLikeRun(value)) runs.push({ file, result: value });
      else unreadable.push(file);
    } catch {
      unreadable.push(file);
    }
  }
  runs.sort(
    (a, b) =>
      a.result.startedAt.localeCompare(b.result.startedAt) ||
      a.result.runId.localeCompare(b.result.runId) ||
      a.result.target.uri.localeCompare(b.result.target.uri) ||
      a.file.localeCompare(b.file),
  );
  return { runs, unreadable };
}

/**
 * The results of one run: `last` (the newest), a run id, a file name, or a unique prefix of a run id.
 * A fleet run gives one result per host.
 */
export async function findRuns(ref: string, dir = runsDir()): Promise<RunResult[]> {
  const { runs } = await listRuns(dir);
  if (runs.length === 0) {
    throw new UsageError(`no runs in the history yet (${dir})`, 'run a lab first: ailab run week-00');
  }
  let runId: string | undefined;
  if (ref === 'last' || ref === 'latest') runId = runs[runs.length - 1].result.runId;
  else {
    const byFile = runs.find((r) => r.file.endsWith(`/${ref}`) || r.file.endsWith(`/${ref}.json`));
    const ids = [...new Set(runs.map((r) => r.result.runId))];
    if (byFile) runId = byFile.result.runId;
    else if (ids.includes(ref)) runId = ref;
    else {
      const matches = ids.filter((id) => id.startsWith(ref));
      if (matches.length === 1) runId = matches[0];
      else if (matches.length > 1) {
        throw new UsageError(
          `"${ref}" matches ${matches.length} runs`,
          `say more of the id: ${matches.slice(-5).join(', ')}`,
        );
      }
    }
  }
  if (!runId) {
    const recent = [...new Set(runs.map((r) => r.result.runId))].slice(-5).reverse();
    throw new UsageError(`no run "${ref}" in the history`, `recent runs: ${recent.join(', ')} (or: last)`);
  }
  return runs.filter((r) => r.result.runId === runId).map((r) => r.result);
}
