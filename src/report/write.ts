import { dirname, resolve } from 'node:path';
import { AilabError, ExitCode, UsageError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}${e.path ? ` (${e.path})` : ''}` : e.message;
}

/** Write a report atomically: a reader never sees half a file, a crash never leaves one. */
export async function writeReportFile(file: string, content: string): Promise<void> {
  const path = resolve(file);
  const { default: writeFileAtomic } = await import('write-file-atomic');
  try {
    makeDirs(dirname(path));
    await writeFileAtomic(path, content, { encoding: 'utf8', mode: 0o644 });
  } catch (error) {
    throw new AilabError(`cannot write the report ${path}: ${reason(error)}`, ExitCode.usage);
  }
}

/**
 * Make the folder of each `--report` file before anything runs, so a path that cannot be written is a
 * usage error at once, not after the lab ran. A folder named with `{lab}` is made when written.
 */
export function makeReportFolders(files: string[]): void {
  for (const file of files) {
    const folder = dirname(resolve(file));
    if (folder.includes('{lab}')) continue;
    try {
      makeDirs(folder);
    } catch (error) {
      throw new UsageError(`--report ${file}: cannot make its folder ${folder}: ${reason(error)}`);
    }
  }
}
