// Entry point: parse arguments (commander) and hand over to one command module, loaded only when
// that command runs, so `ailab --help` stays fast. One top-level catch maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { AilabError, ExitCode } from '../errors.js';
import { packageVersion } from '../util/package-root.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    every step and check passed (verify: the score reached the pass mark)
  1    a step or check failed
  2    usage error or invalid lab spec
  3    preflight: the machine lacks what the lab requires (or the target cannot be reached)
  130  interrupted (Ctrl-C or SIGTERM); cleanup ran`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function addRunOptions(command: Command): Command {
  return command
    .option('-t, --target <uri>', 'where to run: local', 'local')
    .option('-s, --set <key=value>', 'set a var or choice (repeatable)', collect, [])
    .option('--env-file <file>', 'read vars from a KEY=VALUE file')
    .option(
      '--workdir <dir>',
      'the folder the lab works in (default: a new temp folder for run, the current folder for verify)',
    )
    .option(
      '-r, --report <format[:file]>',
      'write a report: json or text, to a file or stdout (repeatable)',
      collect,
      [],
    )
    .option('--json', 'print the JSON report on stdout and nothing else there')
    .option('-y, --yes', 'answer yes to every question (CI)')
    .option('--no-color', 'no colour in output')
    .option('-v, --verbose', "stream every command's output")
    .option('-q, --quiet', 'print only the final summary');
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('ailab')
    .description(
      'Run and grade the AI infrastructure course labs: locally, over SSH, in the cloud or in Kubernetes.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run ailab --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  ailab list                     labs, and whether this machine has what each needs
  ailab run week-00              run a lab step by step, then grade it
  ailab verify week-05           grade what you did by hand
  ailab lint labs/               check lab specs
${EXIT_CODES_HELP}`,
    )
    .exitOverride();

  program
    .command('list')
    .description('list the labs and whether this machine meets their requirements')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      "\nExamples:\n  ailab list\n  ailab list --json | jq '.[] | select(.meetsRequirements)'",
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/list.js')).listCommand(opts);
    });

  program
    .command('show')
    .description('show a lab as readable steps with its commands')
    .argument('<lab>', 'week-05, week-5, 5, or a path to a .yaml file')
    .addHelpText('after', '\nExamples:\n  ailab show week-00\n  ailab show ./my-lab.yaml')
    .action(async (lab) => {
      exitCode = await (await import('./commands/show.js')).showCommand(lab);
    });

  addRunOptions(
    program
      .command('run')
      .description('run labs step by step on a target, then grade them')
      .argument('<lab...>', 'one or more labs: week-05, 5, or a path to a .yaml file'),
  )
    .option('--dry-run', 'print the plan and run nothing')
    .option('--only <ids>', 'run only these steps (comma-separated ids)')
    .option('--from <step>', 'start at this step')
    .addHelpText(
      'after',
      `\nExamples:\n  ailab run week-00\n  ailab run week-04 --set port=8080 --report json:out/week-04.json\n  ailab run week-07 --yes --json > result.json\n  ailab run week-01 --dry-run --set cloud=gcp\n${EXIT_CODES_HELP}`,
    )
    .action(async (labs, opts) => {
      exitCode = await (await import('./commands/run.js')).runCommand(labs, { ...opts, mode: 'run' });
    });

  addRunOptions(
    program
      .command('verify')
      .description('grade a lab done by hand: preflight and the verify checks, no steps')
      .argument('<lab>', 'week-05, 5, or a path to a .yaml file'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  ailab verify week-05\n  ailab verify 4 --report json:grade.json\n${EXIT_CODES_HELP}`,
    )
    .action(async (lab, opts) => {
      exitCode = await (await import('./commands/run.js')).runCommand([lab], { ...opts, mode: 'verify' });
    });

  program
    .command('lint')
    .description('check lab specs: YAML, fields, check types, templates (exit 2 on any problem)')
    .argument('[paths...]', 'lab files or folders (default: the course labs)')
    .option('--json', 'print problems as JSON')
    .addHelpText('after', '\nExamples:\n  ailab lint\n  ailab lint labs/ my-lab.yaml')
    .action(async (paths, opts) => {
      exitCode = await (await import('./commands/lint.js')).lintCommand(paths, opts);
    });

  program
    .command('schema')
    .description('print the JSON Schema of lab specs (for editors)')
    .addHelpText('after', '\nExamples:\n  ailab schema > lab.schema.json')
    .action(async () => {
      exitCode = await (await import('./commands/schema.js')).schemaCommand();
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return ExitCode.ok;
      return ExitCode.usage;
    }
    return reportError(error);
  }
  return exitCode;
}

function reportError(error: unknown): number {
  if (error instanceof AilabError) {
    process.stderr.write(`ailab: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  ${error.hint}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  process.stderr.write(`ailab: internal error: ${err?.message ?? String(error)}\n`);
  if (process.env.AILAB_DEBUG) process.stderr.write(`${err?.stack}\n`);
  else process.stderr.write('  (set AILAB_DEBUG=1 for a stack trace, and please report it)\n');
  return ExitCode.failed;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = reportError(error);
  },
);
