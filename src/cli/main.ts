// Entry point: parse arguments (commander) and hand over to one command module, loaded only when
// that command runs, so `ailab --help` stays fast. One top-level catch maps errors to exit codes.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
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

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

function addRunOptions(command: Command): Command {
  return command
    .option(
      '-t, --target <uri>',
      'where to run: local, ssh://user@host[:port] (or a ~/.ssh/config Host), or k8s://CONTEXT/NAMESPACE (a pod)',
      'local',
    )
    .option(
      '-i, --identity <file>',
      'SSH private key (passphrase: AILAB_SSH_PASSPHRASE or asked on a terminal)',
    )
    .option(
      '--known-hosts <file>',
      'known_hosts file to check SSH host keys against (default ~/.ssh/known_hosts)',
    )
    .option('--accept-new-host-key', 'trust an SSH host seen for the first time and record its key')
    .option('--hosts <file>', 'run on every host of an inventory (YAML, or user@host[:port] lines) at once')
    .option('--concurrency <n>', 'hosts at a time with --hosts', positiveInt, 16)
    .option(
      '--parallel <n>',
      'several labs at once, each on its own target (a pod for k8s://)',
      positiveInt,
      1,
    )
    .option(
      '--kube-context <name>',
      'kubeconfig context for kubernetes checks (default: the current context)',
    )
    .option('--image <image>', "k8s:// targets: the pod's container image (default python:3.11-slim)")
    .option('--gpus <n>', 'k8s:// targets: nvidia.com/gpu for the pod', positiveInt)
    .option('--node-selector <key=value>', 'k8s:// targets: a node selector (repeatable)', collect, [])
    .option('--toleration <key=value:effect>', 'k8s:// targets: a toleration (repeatable)', collect, [])
    .option('-s, --set <key=value>', 'set a var or choice (repeatable)', collect, [])
    .option('--vars-file <file>', 'read vars from a file of KEY=VALUE lines')
    .option(
      '--workdir <dir>',
      'the folder the lab works in (default: a new temp folder for run, the current folder for verify)',
    )
    .option(
      '-r, --report <format[:file]>',
      'write a report: json, text, junit, md, html or tap, to a file or stdout (repeatable); {lab} in the file name writes one file per lab',
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
  ailab gpu                      the GPUs here (or --target ssh://…), as nvidia-smi reports them
  ailab verify week-05 --watch   grade again as you work, until Ctrl-C
  ailab progress                 your progress through the 40 weeks
  ailab report last --format html --output report.html
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

  program
    .command('gpu')
    .description('list the GPUs of a target as nvidia-smi reports them, or say why there are none')
    .option('-t, --target <uri>', 'where to look: local, or ssh://user@host[:port]', 'local')
    .option('-i, --identity <file>', 'SSH private key')
    .option('--known-hosts <file>', 'known_hosts file to check SSH host keys against')
    .option('--accept-new-host-key', 'trust an SSH host seen for the first time and record its key')
    .option('--json', 'print JSON')
    .option('--no-color', 'no colour in output')
    .addHelpText(
      'after',
      `
Examples:
  ailab gpu
  ailab gpu --target ssh://ubuntu@gpu-box --json
  ailab gpu --json | jq '.gpus[] | {name, memoryTotalMiB}'

Exit codes:
  0    GPUs listed
  1    no usable GPU: nvidia-smi is missing or failing (the output says why and what to do)
  3    the target cannot be reached`,
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/gpu.js')).gpuCommand(opts);
    });

  // Cloud GPU hosts (src/provision/): the SDKs load inside these commands only.
  const positiveNumber = (value: string): number => {
    const n = Number(value);
    if (!(n > 0)) throw new InvalidArgumentError('a number above 0');
    return n;
  };
  program
    .command('up')
    .description('launch a GPU host on AWS or GCP and print it as an SSH target (it costs money)')
    .requiredOption('--cloud <cloud>', 'aws or gcp')
    .option('--gpu <gpu>', 'a10g, l4, a100 or t4 (default: a10g on aws, l4 on gcp)')
    .option(
      '--instance-type <type>',
      'an instance or machine type instead of --gpu (g5.xlarge, g2-standard-8 …)',
    )
    .option('--region <region>', 'default us-east-1 (aws), us-central1 (gcp)')
    .option('--zone <zone>', 'gcp zone (default <region>-a)')
    .option('--project <id>', 'gcp project (default: the credentials’ project, or GOOGLE_CLOUD_PROJECT)')
    .option('--spot', 'a spot instance: cheaper, may be reclaimed')
    .option(
      '--max-hours <n>',
      "the dead-man's switch: the host ends itself after this long (default 4)",
      positiveNumber,
    )
    .option('--max-hourly-cost <usd>', 'refuse to launch above this estimated price per hour', positiveNumber)
    .option('--disk-gb <n>', 'boot disk size (default 100)', positiveInt)
    .option('--public-key <file>', 'install this OpenSSH public key instead of creating a key pair')
    .option(
      '--idle-stop <duration>',
      'the host shuts itself down after this long with no SSH session and no busy GPU (10m to 24h; default off)',
    )
    .option('-y, --yes', 'launch without asking (needed without a terminal)')
    .option('--dry-run', 'print the API requests it would make and launch nothing (no credentials needed)')
    .option('--json', 'print the host record as JSON')
    .addHelpText(
      'after',
      `\nExamples:\n  ailab up --cloud aws --dry-run\n  ailab up --cloud aws --gpu a10g --spot --max-hours 2\n  ailab up --cloud gcp --gpu l4 --zone us-central1-b --max-hourly-cost 1.5 --yes\n  ailab up --cloud aws --idle-stop 30m --yes\n\nThe host terminates itself after --max-hours even if ailab is gone; ailab down NAME ends it sooner.\n--idle-stop is off by default: when you work by hand, logging out with nothing on the GPU for that\nlong ends the host (AWS terminates it, work on its disk is lost; GCP stops it).\nCredentials: the AWS SDK default chain (aws configure / AWS_PROFILE / SSO); GCP application default\ncredentials (gcloud auth application-default login).`,
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/up.js')).upCommand(opts);
    });

  program
    .command('hosts')
    .description('list the cloud hosts ailab started, with their expiry and estimated cost so far')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      "\nExamples:\n  ailab hosts\n  ailab hosts --json | jq '.[] | {name, target, expiresAt}'",
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/hosts.js')).hostsCommand(opts);
    });

  program
    .command('down')
    .description('terminate cloud hosts ailab started, and the key pairs and firewall rules made for them')
    .argument('[host]', 'a host name, instance id or address from ailab hosts')
    .option('--all', 'every host ailab started')
    .option('--stop', 'stop instead of terminate (the disk keeps billing)')
    .addHelpText('after', '\nExamples:\n  ailab down ailab-2506011200-ab12\n  ailab down --all')
    .action(async (host, opts) => {
      exitCode = await (await import('./commands/down.js')).downCommand(host, opts);
    });

  program
    .command('cleanup')
    .description('find everything ailab tagged that is past its expiry or orphaned, and remove it')
    .option(
      '--cloud <cloud>',
      'aws or gcp (repeatable; default: both, or those in the state file)',
      collect,
      [],
    )
    .option(
      '--region <region>',
      'regions to sweep (repeatable; default: the cloud’s default and recorded ones)',
      collect,
      [],
    )
    .option('--any-owner', "also remove other users' ailab resources in this account")
    .option('--dry-run', 'list what would be removed, remove nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  ailab cleanup --dry-run\n  ailab cleanup --cloud aws --region us-east-1 --region us-west-2',
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/cleanup.js')).cleanupCommand(opts);
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
    .option(
      '--keep',
      "a lab's provision block: leave the host running at the end (it still ends at its expiry)",
    )
    .option(
      '--max-hourly-cost <usd>',
      "a lab's provision block: refuse to launch above this estimated price per hour",
      positiveNumber,
    )
    .option(
      '--idle-stop <duration>',
      "a lab's provision block: the host ends itself after this long idle (default the lab's, 30m; off)",
    )
    .addHelpText(
      'after',
      `\nExamples:\n  ailab run week-00\n  ailab run week-04 --set port=8080 --report json:out/week-04.json\n  ailab run week-07 --yes --json > result.json\n  ailab run week-01 --dry-run --set cloud=gcp\n  ailab run week-01 --target ssh://ubuntu@gpu-box --identity ~/.ssh/course.pem\n  ailab run week-07 week-08 --target k8s://gpu-ci/labs --gpus 1 --parallel 2 --yes\n${EXIT_CODES_HELP}`,
    )
    .action(async (labs, opts, command: Command) => {
      exitCode = await (await import('./commands/run.js')).runCommand(labs, {
        ...opts,
        mode: 'run',
        targetExplicit: command.getOptionValueSource('target') === 'cli',
      });
    });

  addRunOptions(
    program
      .command('verify')
      .description('grade a lab done by hand: preflight and the verify checks, no steps')
      .argument('<lab>', 'week-05, 5, or a path to a .yaml file'),
  )
    .option('-w, --watch', 'grade again every few seconds and when files in the work folder change')
    .option('--interval <duration>', 'time between --watch rounds (default 3s)')
    .addHelpText(
      'after',
      `\nExamples:\n  ailab verify week-05\n  ailab verify 4 --report json:grade.json\n  ailab verify week-05 --report junit:junit.xml --report md:summary.md --report html:report.html\n  ailab verify week-00 --watch --interval 2s\n  ailab verify week-07 --target ssh://gpu-box --accept-new-host-key\n  ailab verify week-07 --hosts class.yaml --json > grades.json\n\nWith --watch, Ctrl-C stops watching and prints the final report (and writes --report files);\nthe exit code is that of the last complete round (0 when it passed), not 130.\n${EXIT_CODES_HELP}`,
    )
    .action(async (lab, opts) => {
      exitCode = await (await import('./commands/run.js')).runCommand([lab], { ...opts, mode: 'verify' });
    });

  program
    .command('progress')
    .description('your course progress from the run history: every week, best score, last run, status')
    .option('--html <file>', 'also write the progress as an HTML page')
    .option('--json', 'print JSON')
    .option('--no-color', 'no colour in output')
    .addHelpText(
      'after',
      '\nExamples:\n  ailab progress\n  ailab progress --html progress.html\n\nRuns are kept in $XDG_STATE_HOME/ailab/runs/ (AILAB_STATE_DIR overrides the ailab folder).',
    )
    .action(async (opts) => {
      exitCode = await (await import('./commands/progress.js')).progressCommand(opts);
    });

  program
    .command('report')
    .description('render a past run from the history again: html, md, junit, json, text or tap')
    .argument('<run>', 'a run id (or a unique start of one), or "last"')
    .option('-f, --format <format>', 'html, md, junit, json, text or tap', 'text')
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  ailab report last\n  ailab report last --format html --output week-05.html\n  ailab report 20261127T143000Z-ab12cd --format junit > junit.xml',
    )
    .action(async (run, opts) => {
      exitCode = await (await import('./commands/report.js')).reportCommand(run, opts);
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

// `ailab list | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = reportError(error);
  },
);
