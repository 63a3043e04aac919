// `ailab list` must start about as fast as `node -e 0`, and loading zod and the schema costs more than
// that. So list keeps what it shows of each lab in a small cache, keyed by the lab file's and its
// templates' size and mtime and by ailab's version; only a changed lab is loaded and validated again.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import { cacheDir } from '../util/paths.js';
import type { Requirements } from './types.js';

export interface LabSummary {
  id: string;
  week?: number;
  title: string;
  file: string;
  requires: Requirements;
  /** Problems found by the loader (a lab with problems is invalid). */
  problems: string[];
}

interface Entry {
  key: string;
  /** Files whose change invalidates the entry (templates), with their keys. */
  deps: Record<string, string>;
  summary: LabSummary;
}

const CACHE_FILE = 'lab-summaries.json';

function fileKey(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function readCache(file: string, version: string): Record<string, Entry> {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    return data.version === version ? data.entries : {};
  } catch {
    return {};
  }
}

function writeCache(file: string, version: string, entries: Record<string, Entry>): void {
  try {
    makeDirs(join(file, '..'));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version, entries }));
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

/** Summaries of the given lab files, loading and validating only those that changed. */
export async function summarizeLabs(files: string[], version: string): Promise<LabSummary[]> {
  const cacheFile = join(cacheDir(), CACHE_FILE);
  const entries = readCache(cacheFile, version);
  let changed = false;
  const summaries: LabSummary[] = [];
  for (const file of files) {
    const cached = entries[file];
    const fresh =
      cached &&
      cached.key === fileKey(file) &&
      Object.entries(cached.deps).every(([dep, key]) => fileKey(dep) === key);
    if (fresh) {
      summaries.push(cached.summary);
      continue;
    }
    const entry = await summarize(file);
    entries[file] = entry;
    summaries.push(entry.summary);
    changed = true;
  }
  if (changed) writeCache(cacheFile, version, entries);
  return summaries;
}

async function summarize(file: string): Promise<Entry> {
  const key = fileKey(file);
  const { inspectLab } = await import('./load.js');
  const { lab, problems } = await inspectLab(file);
  if (!lab) {
    const id = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    const requires: Requirements = { commands: [], os: [], python: 'python3', pythonModules: [], notes: [] };
    return {
      key,
      deps: {},
      summary: {
        id,
        title: '(invalid spec: run ailab lint)',
        file,
        requires,
        problems: problems.map(formatProblem),
      },
    };
  }
  const deps = Object.fromEntries(
    lab.files.map((f) => join(lab.templatesDir, f.template)).map((p) => [p, fileKey(p)]),
  );
  return {
    key,
    deps,
    summary: { id: lab.id, week: lab.week, title: lab.title, file, requires: lab.requires, problems: [] },
  };
}
