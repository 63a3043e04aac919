import { ExitCode, formatProblem } from '../../errors.js';
import { inspectLab } from '../../spec/load.js';
import { listLabFiles } from '../../spec/locate.js';
import { missingLocally } from '../local-machine.js';
import { createPaint } from '../paint.js';

interface LabSummary {
  id: string;
  week?: number;
  title: string;
  file: string;
  requires: string[];
  missing: string[];
  meetsRequirements: boolean;
  problems?: string[];
}

export async function listCommand(opts: { json?: boolean }): Promise<number> {
  const files = listLabFiles();
  const labs: LabSummary[] = await Promise.all(
    files.map(async (file) => {
      const { lab, problems } = await inspectLab(file);
      if (!lab) {
        const id = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
        return {
          id,
          title: '(invalid spec: run ailab lint)',
          file,
          requires: [],
          missing: [],
          meetsRequirements: false,
          problems: problems.map(formatProblem),
        };
      }
      const missing = missingLocally(lab.requires);
      const requires = [...lab.requires.commands, ...lab.requires.pythonModules.map((m) => `python:${m}`)];
      return {
        id: lab.id,
        week: lab.week,
        title: lab.title,
        file,
        requires,
        missing,
        meetsRequirements: missing.length === 0,
      };
    }),
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
    return ExitCode.ok;
  }
  const paint = await createPaint(true);
  if (labs.length === 0) {
    process.stdout.write('No labs found.\n');
    return ExitCode.ok;
  }
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
