import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, formatProblem, type SpecProblem, UsageError } from '../../errors.js';
import { inspectLab } from '../../spec/load.js';
import { labsDir } from '../../spec/locate.js';

function expand(path: string): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`no such file or folder: ${path} (ailab lint)`);
  }
  if (!stats.isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(path, name));
}

export async function lintCommand(paths: string[], opts: { json?: boolean }): Promise<number> {
  const files = (paths.length > 0 ? paths : [labsDir()]).flatMap(expand);
  const problems: SpecProblem[] = [];
  for (const file of files) problems.push(...(await inspectLab(file)).problems);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ files: files.length, problems }, null, 2)}\n`);
  } else {
    for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    const bad = new Set(problems.map((p) => p.file)).size;
    process.stdout.write(
      problems.length === 0
        ? `${files.length} lab${files.length === 1 ? '' : 's'} OK\n`
        : `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${bad} of ${files.length} lab${files.length === 1 ? '' : 's'}\n`,
    );
  }
  return problems.length > 0 ? ExitCode.usage : ExitCode.ok;
}
