// `ailab run` and `ailab verify` as a learner or CI runs them: the real CLI in a child process, on
// the sample labs in test/labs (AILAB_LABS_DIR) and on the course's week-00, asserting exit codes,
// output and report files.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { ensureBuilt, runCli, SAMPLE_LABS, STACK_FRAME } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const samples = { env: { AILAB_LABS_DIR: SAMPLE_LABS } };

beforeAll(ensureBuilt, 120_000);
afterEach(removeTempDirs);

describe('ailab run', () => {
  it('runs week-00 on this machine and prints its score', async () => {
    const port = await freePort();
    const workDir = makeTempDir('ailab-cli-week00-');
    const { code, stdout, stderr } = await runCli([
      'run',
      'week-00',
      '--set',
      `port=${port}`,
      '--workdir',
      workDir,
    ]);

    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Running week-00 — Check your workstation$/m);
    expect(stdout).toMatch(/^Score \d+(\.\d+)?\/\d+ \(\d+(\.\d+)?%\) — PASS$/m);
    expect(code).toBe(0);
    // Its cleanup removed what its steps made.
    expect(existsSync(join(workDir, 'server.mjs'))).toBe(true);
    expect(existsSync(join(workDir, 'health.json'))).toBe(false);
  });

  it('--json prints only the JSON report on stdout', async () => {
    const workDir = makeTempDir('ailab-cli-json-');
    const { code, stdout, stderr } = await runCli(
      ['run', 'all-pass', '--json', '--workdir', workDir],
      samples,
    );

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as RunResult;
    expect(report).toMatchObject({
      schemaVersion: 1,
      lab: { id: 'all-pass', title: 'Everything passes' },
      target: { uri: 'local', kind: 'local' },
      status: 'passed',
      score: { earned: 3, possible: 3 },
      workDir,
    });
    for (const key of ['startedAt', 'finishedAt'] as const)
      expect(new Date(report[key]).toISOString()).toBe(report[key]);
    expect(report.steps.map((s) => s.id)).toEqual(['write', 'read']);
    expect(report.verify.map((c) => c.id)).toEqual(['answer', 'shell']);
    const checks = [...report.steps.flatMap((s) => s.checks), ...report.verify];
    expect(checks).toHaveLength(4);
    for (const check of checks) {
      for (const key of ['id', 'status', 'expected', 'observed', 'message', 'points'])
        expect(check, `${check.id}.${key}`).toHaveProperty(key);
    }
    // The live progress went to stderr instead.
    expect(stderr).toContain('▶ [1/2] Write the answer');
  });

  it('writes JSON and text reports to files', async () => {
    const dir = makeTempDir('ailab-cli-reports-');
    const jsonFile = join(dir, 'out', 'r.json');
    const textFile = join(dir, 'r.txt');
    const { code, stdout } = await runCli(
      ['run', 'all-pass', '--workdir', dir, '--report', `json:${jsonFile}`, '--report', `text:${textFile}`],
      samples,
    );

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Score 3\/3 \(100%\) — PASS$/m);
    const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as RunResult;
    expect(report).toMatchObject({ lab: { id: 'all-pass' }, status: 'passed' });
    const text = readFileSync(textFile, 'utf8');
    expect(text).toContain('all-pass — Everything passes (run on local');
    expect(text).toContain('✔ Write the answer');
    expect(text).toContain('Score 3/3 (100%) — PASS');
  });

  it('rejects an unknown report format with exit 2, before running anything', async () => {
    const workDir = makeTempDir('ailab-cli-badreport-');
    const { code, stdout, stderr } = await runCli(
      ['run', 'all-pass', '--workdir', workDir, '--report', 'xml:out.xml'],
      samples,
    );

    expect(code).toBe(2);
    expect(stderr).toContain('--report xml:out.xml: unknown format "xml"');
    expect(stderr).toMatch(/formats: (\w+, )*json, (\w+, )*text/);
    expect(stdout).toBe('');
    expect(existsSync(join(workDir, 'made-by-step'))).toBe(false);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('exits 1 when a step fails, and says which', async () => {
    const workDir = makeTempDir('ailab-cli-fail-');
    const { code, stdout } = await runCli(['run', 'step-fails', '--workdir', workDir], samples);

    expect(code).toBe(1);
    expect(stdout).toContain('✖ Fail on purpose');
    expect(stdout).toContain('step "broken" failed: exit code 1');
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
  });

  it('exits 3 when the machine lacks a required command, and names it', async () => {
    const workDir = makeTempDir('ailab-cli-preflight-');
    const { code, stdout, stderr } = await runCli(['run', 'needs-missing', '--workdir', workDir], samples);

    expect(code).toBe(3);
    expect(stdout).toContain('command: definitely-not-a-command-xyz');
    expect(stdout).toContain('preflight: this machine lacks command: definitely-not-a-command-xyz');
    expect(existsSync(join(workDir, 'never-ran'))).toBe(false);
    expect(`${stdout}${stderr}`).not.toMatch(STACK_FRAME);
  });

  it('--dry-run prints the plan with values filled in and runs nothing', async () => {
    const workDir = makeTempDir('ailab-cli-dry-');
    const { code, stdout } = await runCli(
      ['run', 'service', '--dry-run', '--set', 'port=12345', '--workdir', workDir],
      samples,
    );

    expect(code).toBe(0);
    expect(stdout).toContain('service — A background service');
    expect(stdout).toContain('port = 12345');
    expect(stdout).toContain('$ (in the background) exec node server.mjs');
    expect(stdout).toContain('http://127.0.0.1:12345/health');
    expect(stdout).toContain('(dry run: nothing was run)');
    expect(existsSync(join(workDir, 'server.mjs'))).toBe(false);

    const plain = await runCli(['run', 'all-pass', '--dry-run', '--workdir', workDir], samples);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('$ touch made-by-step');
    expect(existsSync(join(workDir, 'made-by-step'))).toBe(false);
  });

  it('--vars-file gives vars, and --set wins over it', async () => {
    const dir = makeTempDir('ailab-cli-envfile-');
    const varsFile = join(dir, 'lab.env');
    writeFileSync(varsFile, '# shared settings\nport=23456\nUNRELATED=1\n');
    const fromFile = await runCli(['run', 'service', '--dry-run', '--vars-file', varsFile], samples);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain('port = 23456');

    const overridden = await runCli(
      ['run', 'service', '--dry-run', '--vars-file', varsFile, '--set', 'port=34567'],
      samples,
    );
    expect(overridden.code).toBe(0);
    expect(overridden.stdout).toContain('port = 34567');
  });

  it('--only and --from select steps', async () => {
    const onlyDir = makeTempDir('ailab-cli-only-');
    const only = await runCli(['run', 'select', '--only', 'two', '--json', '--workdir', onlyDir], samples);
    expect(only.code).toBe(0);
    const onlyReport = JSON.parse(only.stdout) as RunResult;
    expect(onlyReport.steps.map((s) => [s.id, s.status, s.message])).toEqual([
      ['one', 'skip', 'not selected (--only/--from)'],
      ['two', 'pass', 'exit code 0'],
      ['three', 'skip', 'not selected (--only/--from)'],
    ]);
    expect(existsSync(join(onlyDir, 'one-ran'))).toBe(false);
    expect(existsSync(join(onlyDir, 'two-ran'))).toBe(true);

    const fromDir = makeTempDir('ailab-cli-from-');
    const from = await runCli(['run', 'select', '--from', 'two', '--json', '--workdir', fromDir], samples);
    expect(from.code).toBe(0);
    const fromReport = JSON.parse(from.stdout) as RunResult;
    expect(fromReport.steps.map((s) => [s.id, s.status])).toEqual([
      ['one', 'skip'],
      ['two', 'pass'],
      ['three', 'pass'],
    ]);
    expect(existsSync(join(fromDir, 'one-ran'))).toBe(false);
    expect(existsSync(join(fromDir, 'three-ran'))).toBe(true);
  });

  it('never runs steps in its own folder when --workdir does not exist', async () => {
    const cwd = makeTempDir('ailab-cli-cwd-');
    const missing = join(makeTempDir('ailab-cli-missing-'), 'not-made');
    const { code, stdout } = await runCli(['run', 'select', '--only', 'two', '--workdir', missing], {
      ...samples,
      cwd,
    });

    expect(code).toBe(1);
    expect(stdout).toContain('No such file or directory');
    expect(existsSync(join(cwd, 'two-ran'))).toBe(false);
    expect(existsSync(join(missing, 'two-ran'))).toBe(false);
  });

  it('rejects an unknown step id with exit 2 and lists the steps', async () => {
    for (const flag of ['--only', '--from']) {
      const { code, stdout, stderr } = await runCli(['run', 'select', flag, 'zzz'], samples);
      expect(code, flag).toBe(2);
      expect(stderr).toContain('select has no step "zzz" (--only/--from)');
      expect(stderr).toContain('steps: one, two, three');
      expect(stdout).toBe('');
      expect(stderr).not.toMatch(STACK_FRAME);
    }
  });

  it('rejects an unknown lab with exit 2 and lists the labs', async () => {
    const { code, stderr } = await runCli(['run', 'no-such-lab'], samples);

    expect(code).toBe(2);
    expect(stderr).toContain('ailab: no lab "no-such-lab"');
    expect(stderr).toMatch(/labs: .*all-pass, .*select, .*step-fails/);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('rejects --set of an unknown key with exit 2 and names the known ones', async () => {
    const { code, stderr } = await runCli(['run', 'service', '--set', 'prot=1234'], samples);

    expect(code).toBe(2);
    expect(stderr).toContain('--set prot: lab service has no var or choice "prot"');
    expect(stderr).toContain('known: port');
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});

describe('ailab verify', () => {
  it('runs only the verify checks, in the folder it is given', async () => {
    const workDir = makeTempDir('ailab-cli-verify-');
    const { code, stdout } = await runCli(['verify', 'all-pass', '--json', '--workdir', workDir], samples);

    // Nothing made answer.txt: the graded check fails, no step ran, no cleanup step ran.
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as RunResult;
    expect(report.mode).toBe('verify');
    expect(report.steps).toEqual([]);
    expect(report.verify.map((c) => [c.id, c.status])).toEqual([
      ['answer', 'fail'],
      ['shell', 'pass'],
    ]);
    expect(report.cleanup).toEqual([]);
    expect(existsSync(join(workDir, 'made-by-step'))).toBe(false);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(false);
  });

  it('grades the current folder by default', async () => {
    const cwd = makeTempDir('ailab-cli-verify-cwd-');
    writeFileSync(join(cwd, 'answer.txt'), '42\n');
    const { code, stdout } = await runCli(['verify', 'all-pass'], { ...samples, cwd });

    expect(stdout).toContain('✔ The answer is 42 [2/2]');
    expect(stdout).toMatch(/^Score 3\/3 \(100%\) — PASS$/m);
    expect(code).toBe(0);
  });
});
