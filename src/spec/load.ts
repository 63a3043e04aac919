// Reading a lab spec from disk: parse → rules → normalise. Throws SpecError with every problem.
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SpecError, type SpecProblem } from '../errors.js';
import { normalizeLab } from './normalize.js';
import { MAX_SPEC_BYTES, parseLabText } from './parse.js';
import { checkRules } from './rules.js';
import type { Lab } from './types.js';

/** Templates live in `templates/` beside the lab file, or beside its `labs/` folder. */
export function templatesDirFor(labFile: string): string {
  const dir = dirname(resolve(labFile));
  const beside = join(dir, 'templates');
  if (existsSync(beside) || basename(dir) !== 'labs') return beside;
  return join(dirname(dir), 'templates');
}

export interface LoadOutcome {
  lab?: Lab;
  problems: SpecProblem[];
}

/** Load and check a lab; problems are returned, not thrown (lint reports many files). */
export async function inspectLab(file: string): Promise<LoadOutcome> {
  const problem = (message: string): LoadOutcome => ({
    problems: [{ file, line: 1, column: 1, path: '', message }],
  });
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return problem('not a file');
    size = s.size;
  } catch {
    return problem('file not found');
  }
  // Refuse a huge file before reading it.
  if (size > MAX_SPEC_BYTES)
    return problem(`file is ${(size / 1024 / 1024).toFixed(1)} MiB; a lab spec may be at most 1 MiB`);
  const bytes = await readFile(file);
  const parsed = parseLabText(bytes, file);
  if (!parsed.lab || !parsed.yaml) return { problems: parsed.problems };
  const templatesDir = templatesDirFor(file);
  const templateExists = (relativePath: string) => {
    try {
      return statSync(join(templatesDir, relativePath)).isFile();
    } catch {
      return false;
    }
  };
  const problems = checkRules(parsed.lab, parsed.yaml, file, templateExists);
  if (problems.length > 0) return { problems };
  return { lab: normalizeLab(parsed.lab, resolve(file), templatesDir), problems: [] };
}

export async function loadLab(file: string): Promise<Lab> {
  const outcome = await inspectLab(file);
  if (!outcome.lab) throw new SpecError(outcome.problems);
  return outcome.lab;
}
