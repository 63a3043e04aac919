// Finding a lab by what a user types: `week-05`, `week-5`, `5`, or a path to a YAML file.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';

/** The folder of the course's labs (AILAB_LABS_DIR overrides, for authors and tests). */
export function labsDir(): string {
  return process.env.AILAB_LABS_DIR ? resolve(process.env.AILAB_LABS_DIR) : join(packageRoot(), 'labs');
}

export function listLabFiles(dir = labsDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export function resolveLabRef(ref: string, dir = labsDir()): string {
  if (/\.ya?ml$/i.test(ref) || ref.includes('/')) {
    const path = resolve(ref);
    if (!existsSync(path)) throw new UsageError(`lab file not found: ${ref}`);
    return path;
  }
  const week = /^(?:week-?)?0*(\d{1,2})$/i.exec(ref);
  const id = week ? `week-${week[1].padStart(2, '0')}` : ref;
  for (const ext of ['.yaml', '.yml']) {
    const path = join(dir, `${id}${ext}`);
    if (existsSync(path)) return path;
  }
  const known = listLabFiles(dir).map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
  throw new UsageError(
    `no lab "${ref}"`,
    known.length ? `labs: ${known.join(', ')} (or give a path to a .yaml file)` : `no labs in ${dir}`,
  );
}
