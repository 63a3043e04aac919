// The CLI's other commands and its manners: list, show, schema, --version, --help, usage errors
// without stack traces, and no ANSI escape codes off a terminal or with NO_COLOR.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, runCli, SAMPLE_LABS, STACK_FRAME } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const samples = { env: { AILAB_LABS_DIR: SAMPLE_LABS } };
const ESC = '\x1b';

beforeAll(ensureBuilt, 120_000);
afterEach(removeTempDirs);

interface ListedLab {
  id: string;
  title: string;
  file: string;
  requires: string[];
  missing: string[];
  meetsRequirements: boolean;
}

describe('ailab list', () => {
  it('--json lists every lab with whether this machine meets its requirements', async () => {
    const { code, stdout } = await runCli(['list', '--json'], samples);

    expect(code).toBe(0);
    const labs = JSON.parse(stdout) as ListedLab[];
    const ids = labs.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['all-pass', 'needs-missing', 'service', 'step-fails']));
    expect(labs.find((l) => l.id === 'all-pass')).toMatchObject({
      title: 'Everything passes',
      file: join(SAMPLE_LABS, 'all-pass.yaml'),
      requires: ['bash'],
      missing: [],
      meetsRequirements: true,
    });
    expect(labs.find((l) => l.id === 'needs-missing')).toMatchObject({
      requires: ['bash', 'definitely-not-a-command-xyz'],
      missing: ['definitely-not-a-command-xyz'],
      meetsRequirements: false,
    });
    for (const lab of labs) expect(typeof lab.meetsRequirements, lab.id).toBe('boolean');
  });

  it('prints one line per lab, saying what a lab needs', async () => {
    const { code, stdout } = await runCli(['list'], samples);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^all-pass +Everything passes {2}— ready$/m);
    expect(stdout).toMatch(
      /^needs-missing +Needs a missing command {2}— needs definitely-not-a-command-xyz$/m,
    );
  });

  it('lists the course labs by default', async () => {
    const { code, stdout } = await runCli(['list', '--json']);

    expect(code).toBe(0);
    const labs = JSON.parse(stdout) as ListedLab[];
    expect(labs.find((l) => l.id === 'week-00')).toMatchObject({
      title: 'Check your workstation',
      file: join(REPO_ROOT, 'labs', 'week-00.yaml'),
    });
  });
});

describe('ailab show', () => {
  it('prints the steps with their commands, the checks and cleanup', async () => {
    const { code, stdout } = await runCli(['show', 'week-00']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^week-00 — Check your workstation$/m);
    expect(stdout).toMatch(/^Steps$/m);
    expect(stdout).toMatch(/^1\. Look at the operating system$/m);
    expect(stdout).toContain('   $ uname -a');
    expect(stdout).toContain('   $ (in the background) exec node server.mjs');
    expect(stdout).toMatch(/^Verify \(graded\)$/m);
    expect(stdout).toMatch(/^Cleanup \(always runs\)$/m);
    expect(stdout).toContain('  $ rm -f health.json');
  });

  it('accepts a week number and a path', async () => {
    const byNumber = await runCli(['show', '0']);
    expect(byNumber.code).toBe(0);
    expect(byNumber.stdout).toMatch(/^week-00 — /);

    const byPath = await runCli(['show', join(SAMPLE_LABS, 'select.yaml')]);
    expect(byPath.code).toBe(0);
    expect(byPath.stdout).toContain('   $ touch two-ran');
  });
});

describe('ailab schema, --version, --help', () => {
  it('schema prints the lab JSON Schema', async () => {
    const { code, stdout } = await runCli(['schema']);

    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/^http:\/\/json-schema\.org\//);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toEqual(
      expect.arrayContaining(['id', 'title', 'steps', 'verify', 'cleanup']),
    );
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(pkg.version);
    }
  });

  it('--help of the program and of every command it lists shows examples and exits 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commandsSection = top.stdout.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
    const commands = [...commandsSection.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
      .map((m) => m[1])
      .filter((name) => name !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['list', 'show', 'run', 'verify', 'lint', 'schema']));

    const helps = await Promise.all([[], ...commands.map((c) => [c])].map((c) => runCli([...c, '--help'])));
    for (const [i, { code, stdout, stderr }] of helps.entries()) {
      const which = i === 0 ? 'ailab --help' : `ailab ${commands[i - 1]} --help`;
      expect(code, which).toBe(0);
      expect(stderr, which).toBe('');
      expect(stdout, which).toMatch(/^Usage: ailab/);
      expect(stdout, which).toMatch(/^Examples:$/m);
      expect(stdout, which).toMatch(/^ {2}ailab /m);
    }
  });
});

describe('errors and output manners', () => {
  it.each([
    ['an unknown option', ['run', 'week-00', '--bogus'], /error: unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /error: unknown command 'frobnicate'/],
    ['a missing argument', ['show'], /error: missing required argument 'lab'/],
    ['an unknown target', ['run', 'week-00', '--target', 'ftp://x'], /unsupported target "ftp:\/\/x"/],
    ['a missing lab file', ['run', './nowhere/lab.yaml'], /lab file not found: \.\/nowhere\/lab\.yaml/],
    ['a --set without =', ['run', 'week-00', '--set', 'port'], /--set port: expected key=value/],
    ['a var that breaks its pattern', ['run', 'week-00', '--set', 'port=abc'], /"abc" does not match/],
    // Before anything runs; Node's own mkdir -p would spin forever under /proc.
    [
      'a --report folder that cannot be made',
      ['run', 'week-00', '--report', 'json:/proc/ailab-nope/{lab}.json'],
      /--report \/proc\/ailab-nope\/\{lab\}\.json: cannot make its folder \/proc\/ailab-nope: ENOENT/,
    ],
  ])('%s: exit 2, one clear message, no stack trace', async (_what, args, message) => {
    const { code, stdout, stderr } = await runCli(args);

    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toContain('internal error');
  });

  it('reports every problem of an invalid lab with file:line:col, exit 2, no stack trace', async () => {
    const dir = makeTempDir('ailab-cli-badspec-');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'id: bad\ntitle: 3\nsteps: [ {id: X, run: 1} ]\nnope: 1\n');
    const { code, stderr } = await runCli(['run', file]);

    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:2:8: `);
    expect(stderr).toContain(`${file}:3:15: `);
    expect(stderr).toContain(`${file}:4:1: `);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('prints no ANSI escape codes off a terminal, nor with NO_COLOR', async () => {
    const workDir = makeTempDir('ailab-cli-color-');
    const runs = [
      await runCli(['run', 'check-fails', '--workdir', workDir], samples),
      await runCli(['run', 'check-fails', '--workdir', workDir], { env: { ...samples.env, NO_COLOR: '1' } }),
      await runCli(['list'], samples),
      await runCli(['show', 'week-00']),
      await runCli(['--help']),
      await runCli(['run', 'no-such-lab'], samples),
    ];
    // The runs did print (a failing lab: the output has icons and a verdict to colour).
    expect(runs[0].code).toBe(1);
    expect(runs[0].stdout).toContain('✖ The greeting says goodbye');
    expect(runs[0].stdout).toMatch(/^Score 0\/1 \(0%\) — FAIL$/m);
    for (const { stdout, stderr } of runs) {
      expect(stdout).not.toContain(ESC);
      expect(stderr).not.toContain(ESC);
    }
  });

  it('colours only when asked to (FORCE_COLOR), so the test above can fail', async () => {
    const workDir = makeTempDir('ailab-cli-forced-');
    const { stdout } = await runCli(['run', 'check-fails', '--workdir', workDir], {
      env: { ...samples.env, FORCE_COLOR: '1' },
    });
    expect(stdout).toContain(ESC);
  });
});
