import { ExitCode } from '../../errors.js';
import { listLabFiles } from '../../spec/locate.js';
import { summarizeLabs } from '../../spec/summary-cache.js';
import { packageVersion } from '../../util/package-root.js';
import { localGpuCheck, missingLocally } from '../local-machine.js';
import { createPaint } from '../paint.js';

export async function listCommand(opts: { json?: boolean }): Promise<number> {
  const summaries = await summarizeLabs(listLabFiles(), packageVersion());
  // nvidia-smi runs (once) only when some lab needs a GPU.
  const missingGpu = summaries.some((s) => s.problems.length === 0 && s.requires.gpu)
    ? await localGpuCheck()
    : () => [];
  const labs = summaries.map((s) => {
    const missing = s.problems.length > 0 ? [] : [...missingLocally(s.requires), ...missingGpu(s.requires)];
    return {
      id: s.id,
      week: s.week,
      title: s.title,
      file: s.file,
      requires: [
        ...s.requires.commands,
        ...(s.requires.gpu ? ['gpu'] : []),
        ...s.requires.pythonModules.map((m) => `python:${m}`),
      ],
      missing,
      meetsRequirements: s.problems.length === 0 && missing.length === 0,
      ...(s.problems.length > 0 ? { problems: s.problems } : {}),
    };
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (labs.length === 0) {
    process.stdout.write('No labs found.\n');
    return ExitCode.ok;
  }
  const paint = await createPaint(true);
  const idWidth = Math.max(...labs.map((l) => l.id.length));
  for (const lab of labs) {
    const status = lab.problems
      ? paint.red('invalid')
      : lab.meetsRequirements
        ? paint.green('ready')
        : paint.yellow(`needs ${lab.missing.join(', ')}`);
    process.stdout.write(`${lab.id.padEnd(idWidth)}  ${lab.title}  ${paint.dim('—')} ${status}\n`);
  }
  return ExitCode.ok;
}
