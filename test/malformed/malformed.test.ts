// Every malformed lab in specs/ goes through the real CLI (`ailab lint`) and through the loader's API:
// exit code 2, `file:line:col: message` on stderr, no stack trace, and an answer within a second.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectLab } from '../../src/spec/load.js';
import { MAX_SPEC_BYTES, parseLabText } from '../../src/spec/parse.js';
import { checkRules } from '../../src/spec/rules.js';
import { cases, type MalformedCase } from './cases.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const specsDir = join(root, 'test/malformed/specs');
const relative = (file: string) => `test/malformed/specs/${file}`;
const TEN_MB = 10 * 1024 * 1024;

let tempDir: string;
let bigFile: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/main.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  // 10 MB is generated, not committed: a valid head, then comment lines.
  tempDir = mkdtempSync(join(tmpdir(), 'ailab-malformed-'));
  bigFile = join(tempDir, 'huge.yaml');
  const head = 'id: huge\ntitle: A ten megabyte lab\n';
  const line = `# ${'x'.repeat(97)}\n`;
  writeFileSync(bigFile, head + line.repeat(Math.ceil((TEN_MB - head.length) / line.length)));
});

afterAll(() => {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

interface LintRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function lint(file: string): LintRun {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['bin/ailab.js', 'lint', file], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms };
}

/**
 * The promise is an answer within a second. On a loaded machine (parallel test files, two cores) one
 * start of node can take longer, so a slow run is tried again, up to three times, and the fastest
 * counts; every timing is in the failure message.
 */
function expectFast(file: string, first: LintRun): void {
  const timings = [first.ms];
  while (Math.min(...timings) >= 1000 && timings.length < 3) timings.push(lint(file).ms);
  expect(Math.min(...timings), `wall times in ms: ${timings.map(Math.round).join(', ')}`).toBeLessThan(1000);
}

function expectCleanFailure(run: LintRun): void {
  expect(run.status, run.stderr).toBe(2);
  // No stack trace and no uncaught error from node: only `file:line:col: message` lines.
  expect(run.stderr).not.toMatch(/^\s{4}at /m);
  expect(run.stderr).not.toMatch(/^\w*Error:/m);
  expect(run.stderr).not.toMatch(/node:internal/);
}

function problemLines(stderr: string, file: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(`${file}:`));
}

describe('the malformed corpus', () => {
  it('has at least 30 cases, one for each file in specs/', () => {
    const files = readdirSync(specsDir).filter((name) => name.endsWith('.yaml'));
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases.map((c) => c.file).sort()).toEqual(files.sort());
  });

  it('holds a file that really is not UTF-8, with the bad byte on line 3', () => {
    const bytes = readFileSync(join(specsDir, '30-not-utf8.yaml'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const lines = bytes.toString('latin1').split('\n');
    expect(lines[2].indexOf('\xe9')).toBe(10);
  });

  it('holds an alias bomb that would expand to 9^8 strings', () => {
    const text = readFileSync(join(specsDir, '31-alias-bomb.yaml'), 'utf8');
    expect(text.match(/\*[a-h]\b/g)?.length).toBe(8 * 9);
  });
});

describe('ailab lint on each malformed lab', () => {
  it.each(cases)('$file → $line:$column', (c: MalformedCase) => {
    const file = relative(c.file);
    const run = lint(file);
    expectCleanFailure(run);
    expect(run.stderr).toContain(`${file}:${c.line}:${c.column}: `);
    const line = problemLines(run.stderr, file).find((l) => l.startsWith(`${file}:${c.line}:${c.column}: `));
    expect(line).toContain(c.message);
    expect(problemLines(run.stderr, file)).toHaveLength(c.problems ?? 1);
    expect(run.stdout).toMatch(/problems? in 1 of 1 lab/);
    expectFast(file, run);
  });

  it('refuses a 10 MB file without reading it', () => {
    const run = lint(bigFile);
    expectCleanFailure(run);
    expect(run.stderr).toContain(`${bigFile}:1:1: file is 10.0 MiB; a lab spec may be at most 1 MiB`);
    expectFast(bigFile, run);
  });

  it('reports every file of the corpus folder in one run', () => {
    const result = spawnSync(process.execPath, ['bin/ailab.js', 'lint', 'test/malformed/specs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    for (const c of cases) {
      expect(result.stderr).toContain(`${join('test/malformed/specs', c.file)}:${c.line}:${c.column}: `);
    }
    const total = cases.reduce((sum, c) => sum + (c.problems ?? 1), 0);
    expect(result.stdout).toContain(`${total} problems in ${cases.length} of ${cases.length} labs`);
  });
});

describe('the loader API on each malformed lab', () => {
  it.each(cases)('inspectLab: $file → $line:$column', async (c: MalformedCase) => {
    const file = join(specsDir, c.file);
    const outcome = await inspectLab(file);
    expect(outcome.lab).toBeUndefined();
    expect(outcome.problems).toHaveLength(c.problems ?? 1);
    const problem = outcome.problems.find((p) => p.line === c.line && p.column === c.column);
    expect(problem, JSON.stringify(outcome.problems)).toBeDefined();
    expect(problem?.file).toBe(file);
    expect(problem?.message).toContain(c.message);
    if (c.path !== undefined) expect(problem?.path).toBe(c.path);
  });

  it.each(cases)('parseLabText ($phase): $file', (c: MalformedCase) => {
    const file = join(specsDir, c.file);
    const parsed = parseLabText(readFileSync(file), file);
    if (c.phase === 'parse') {
      expect(parsed.lab).toBeUndefined();
      expect(parsed.problems).toContainEqual(
        expect.objectContaining({
          line: c.line,
          column: c.column,
          message: expect.stringContaining(c.message),
        }),
      );
      return;
    }
    // Schema-valid: the problem is found by the rules (or, for templates, only with the disk at hand).
    expect(parsed.problems).toEqual([]);
    expect(parsed.lab).toBeDefined();
    const problems = checkRules(parsed.lab!, parsed.yaml!, file);
    if (c.phase === 'rules') {
      expect(problems).toContainEqual(
        expect.objectContaining({
          line: c.line,
          column: c.column,
          message: expect.stringContaining(c.message),
        }),
      );
    } else {
      expect(problems).toEqual([]);
      const withDisk = checkRules(parsed.lab!, parsed.yaml!, file, (path) => path === 'present.txt');
      expect(withDisk).toContainEqual(expect.objectContaining({ line: c.line, column: c.column }));
    }
  });

  it('parseLabText refuses more than 1 MiB before decoding it', () => {
    const bytes = new Uint8Array(TEN_MB).fill(0xff);
    const parsed = parseLabText(bytes, 'huge.yaml');
    expect(parsed.problems).toEqual([
      {
        file: 'huge.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'file is 10.0 MiB; a lab spec may be at most 1 MiB',
      },
    ]);
    // Just under the limit is parsed (and is then judged on its content).
    const under = `id: ok\ntitle: Fits\n${'#'.repeat(MAX_SPEC_BYTES - 40)}\n`;
    expect(parseLabText(under, 'under.yaml').problems).toEqual([]);
  });

  it('inspectLab refuses the generated 10 MB file', async () => {
    const outcome = await inspectLab(bigFile);
    expect(outcome.problems).toEqual([
      {
        file: bigFile,
        line: 1,
        column: 1,
        path: '',
        message: 'file is 10.0 MiB; a lab spec may be at most 1 MiB',
      },
    ]);
  });
});
