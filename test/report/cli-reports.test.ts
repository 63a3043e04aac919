// The report formats end to end through the real CLI: a sample lab's run writes JUnit (valid against
// Jenkins' XSD), Markdown, HTML, TAP and JSON; in GitHub Actions it appends the job summary and prints
// annotations; the run lands in the history, which `progress` and `report` read back; and
// `verify --watch` turns a check green when its file appears, then leaves a final report on Ctrl-C.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { collect, ensureBuilt, runCli, STACK_FRAME, spawnCli, waitForOutput } from '../helpers/cli.js';
import { killQuietly } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const LABS = join(import.meta.dirname, 'labs');
const XSD = join(import.meta.dirname, '..', 'fixtures', 'junit-10.xsd');

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

function xmllint(file: string): string {
  return execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: 'pipe' });
}

describe('a sample lab run with every report format', () => {
  let dir: string;
  let stateDir: string;
  let summaryFile: string;
  let run: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    dir = makeTempDir('ailab-reports-');
    mkdirSync(join(dir, 'work'));
    stateDir = join(dir, 'state');
    summaryFile = join(dir, 'step-summary.md');
    writeFileSync(summaryFile, '# earlier step\n');
    const out = (name: string) => join(dir, 'out', name);
    run = await runCli(
      [
        'run',
        join(LABS, 'report-sample.yaml'),
        '--workdir',
        join(dir, 'work'),
        ...['junit:report.xml', 'md:report.md', 'html:report.html', 'tap:report.tap', 'json:report.json'].map(
          (r) => `--report=${r.replace(/:(.*)$/, (_, f) => `:${out(f)}`)}`,
        ),
      ],
      {
        cwd: dir,
        timeoutMs: 60_000,
        env: {
          AILAB_STATE_DIR: stateDir,
          GITHUB_ACTIONS: 'true',
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_WORKSPACE: join(LABS, '..', '..', '..'),
        },
      },
    );
  }, 90_000);

  it('fails below the pass mark, with no stack trace', () => {
    expect(run.code, run.stderr).toBe(1);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK_FRAME);
    expect(run.stdout).toContain('Score 4/6 (66.7%) — FAIL');
  });

  it('writes JUnit that validates against the Jenkins XSD, with the right structure', () => {
    const file = join(dir, 'out', 'report.xml');
    xmllint(file);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(file, 'utf8'),
    );
    const suite = doc.testsuites.testsuite;
    expect(suite.name).toBe('report-sample');
    const cases = suite.testcase as Record<string, unknown>[];
    expect(Number(suite.tests)).toBe(cases.length);
    expect(cases.map((c) => c.classname)).toEqual([
      'report-sample.greet',
      'report-sample.greet',
      'report-sample.write',
      'report-sample.verify',
      'report-sample.verify',
      'report-sample.verify',
      'report-sample.verify',
    ]);
    const partial = cases.find((c) => c.name === 'Two of three expectations hold') as {
      failure: { message: string; type: string; '#text': string };
    };
    expect(partial.failure.type).toBe('command');
    expect(partial.failure['#text']).toContain('hint: The stderr expectation cannot hold');
    expect(partial.failure['#text']).toContain('points: 2/3');
    const missing = cases.find((c) => c.name === 'A file nobody made') as { failure: { '#text': string } };
    expect(missing.failure['#text']).toMatch(/expected: .*nobody-made-this\.txt/);
    expect(missing.failure['#text']).toMatch(/observed: .*does not exist/);
    const bonus = cases.find((c) => c.name === 'A bonus that needs a missing tool') as { skipped: unknown };
    expect(bonus.skipped).toBeDefined();
    expect(Number(suite.failures)).toBe(2);
    expect(Number(suite.skipped)).toBe(1);
    const props = Object.fromEntries(
      (suite.properties.property as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    expect(props).toMatchObject({ target: 'local', mode: 'run', score: '4/6 (66.7%)' });
  });

  it('writes Markdown, HTML, TAP and JSON', () => {
    const md = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toContain('| ❌ | `report-sample`');
    expect(md).toContain('#### ❌ A file nobody made (0/1 points)');
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<figure class="gauge">');
    const tap = readFileSync(join(dir, 'out', 'report.tap'), 'utf8');
    expect(tap).toMatch(/^TAP version 14\n1\.\.7\n/);
    expect(tap).toContain('not ok 6 - report-sample verify: A file nobody made');
    const json = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as RunResult;
    expect(json.score).toMatchObject({ earned: 4, possible: 6, passed: false });
  });

  it('appends the Markdown report to the GitHub job summary', () => {
    const summary = readFileSync(summaryFile, 'utf8');
    expect(summary.startsWith('# earlier step\n')).toBe(true);
    expect(summary).toContain('## ❌ ailab: report-sample — FAIL');
  });

  it('prints ::error annotations for failed checks, on the lab file, escaped', () => {
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^::error file=test\/report\/labs\/report-sample\.yaml,title=ailab report-sample%3A Two of three expectations hold::/,
    );
    // A multi-line message stays on one line: newlines are %0A.
    expect(lines[0]).toContain('%0Ahint: The stderr expectation cannot hold: it is there to fail');
    expect(lines[1]).toContain('title=ailab report-sample%3A A file nobody made::');
  });

  it('keeps the run in the history, which progress and report read back', async () => {
    const files = readdirSync(join(stateDir, 'runs'));
    expect(files).toHaveLength(1);
    const stored = JSON.parse(readFileSync(join(stateDir, 'runs', files[0]), 'utf8')) as RunResult;
    expect(`${stored.runId}.json`).toBe(files[0]);

    const env = { AILAB_STATE_DIR: stateDir };
    const junit = await runCli(['report', 'last', '--format', 'junit'], { env });
    expect(junit.code, junit.stderr).toBe(0);
    expect(junit.stdout).toBe(readFileSync(join(dir, 'out', 'report.xml'), 'utf8'));

    const page = join(dir, 'again.html');
    const html = await runCli(['report', stored.runId.slice(0, 12), '--format', 'html', '--output', page], {
      env,
    });
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(page, 'utf8')).toBe(readFileSync(join(dir, 'out', 'report.html'), 'utf8'));

    const unknown = await runCli(['report', 'no-such-run'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run "no-such-run" in the history');
    expect(unknown.stderr).toContain(stored.runId);

    const badFormat = await runCli(['report', 'last', '--format', 'pdf'], { env });
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('unknown format "pdf"');
  });

  it('shows progress: a custom lab is not a course week', async () => {
    const progress = await runCli(['progress'], { env: { AILAB_STATE_DIR: stateDir } });
    expect(progress.code, progress.stderr).toBe(0);
    expect(progress.stdout).toContain('Course progress: 0 of 41 weeks passed, 0 failed, 41 not started');
    expect(progress.stdout).toContain('1 run(s) of labs outside the course weeks are not shown.');
  });
});

describe('ailab progress and report with an empty history', () => {
  it('says there is nothing yet, as a usage error for report', async () => {
    const stateDir = makeTempDir('ailab-empty-state-');
    const report = await runCli(['report', 'last'], { env: { AILAB_STATE_DIR: stateDir } });
    expect(report.code).toBe(2);
    expect(report.stderr).toContain('no runs in the history yet');
    const page = join(stateDir, 'progress.html');
    const progress = await runCli(['progress', '--html', page], { env: { AILAB_STATE_DIR: stateDir } });
    expect(progress.code, progress.stderr).toBe(0);
    expect(progress.stdout).toMatch(/^Course progress: 0 of 41 weeks passed/);
    expect(readFileSync(page, 'utf8')).toContain('<h1>Course progress</h1>');
  });
});

describe('ailab verify --watch', () => {
  it('turns a check green when its file appears; Ctrl-C leaves the final report and exit code', async () => {
    const dir = makeTempDir('ailab-watch-cli-');
    const work = makeTempDir('ailab-watch-work-');
    const reportFile = join(dir, 'final.json');
    const child = spawnCli(
      [
        'verify',
        join(LABS, 'watch-file.yaml'),
        '--watch',
        '--interval',
        '1h',
        '--workdir',
        work,
        '--report',
        `json:${reportFile}`,
      ],
      { env: { AILAB_STATE_DIR: join(dir, 'state') } },
    );
    const done = collect(child, 60_000);
    try {
      await waitForOutput(child, /✖ done\.txt exists \[0\/2\][\s\S]*Score 1\/3/);
      writeFileSync(join(work, 'done.txt'), 'done\n');
      // The hour-long interval cannot have woken it: the file watcher did.
      await waitForOutput(child, /✔ done\.txt exists \[2\/2\] \(was fail\)[\s\S]*Score 3\/3 \(100%\) — PASS/);
      child.kill('SIGINT');
      const { code, stdout, stderr } = await done;
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('stopped watching');
      expect(stdout).not.toContain('\u001b[');
      expect(stdout.trimEnd().split('\n').slice(-2)).toEqual([
        'Score 3/3 (100%) — PASS',
        'score 3/3 (100%), at or above the 70% pass mark',
      ]);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunResult;
      expect(report.mode).toBe('verify');
      expect(report.status).toBe('passed');
      expect(readdirSync(join(dir, 'state', 'runs'))).toHaveLength(1);
    } finally {
      if (child.exitCode === null) killQuietly(child.pid);
    }
  });

  it('exits with the code of the last round: 1 when it still fails', async () => {
    const dir = makeTempDir('ailab-watch-cli-fail-');
    const child = spawnCli(['verify', join(LABS, 'watch-file.yaml'), '--watch', '--workdir', dir], {
      env: { AILAB_STATE_DIR: join(dir, 'state') },
    });
    const done = collect(child, 60_000);
    await waitForOutput(child, /Score 1\/3 \(33\.3%\) — FAIL/);
    child.kill('SIGINT');
    const { code, stdout } = await done;
    expect(code).toBe(1);
    expect(stdout).toContain('To fix:\n  - done.txt exists — Make it: touch done.txt');
    expect(existsSync(join(dir, 'state', 'runs'))).toBe(true);
  });

  it('refuses --watch with run, and a bad --interval', async () => {
    const run = await runCli(['run', join(LABS, 'watch-file.yaml'), '--watch']);
    expect(run.code).toBe(2);
    const interval = await runCli(['verify', join(LABS, 'watch-file.yaml'), '--watch', '--interval', 'soon']);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('--interval soon');
  });
});
