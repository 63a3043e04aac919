// The real `ailab` command (bin/ailab.js → dist/main.js) for the tests of the week 1-5 labs: build the
// bundle if it is missing, run the CLI with its JSON report, and find steps and checks in that report.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CheckResult, RunResult, StepResult } from '../../../src/engine/result.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const FIXTURES = import.meta.dirname;
/** Debian's Python: it sees python3-torch, torchvision, fastapi, uvicorn (the pyenv python3 on PATH does not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const SHARED_FIXTURES = resolve(ROOT, '..', 'shared', 'fixtures');

/** The bundle the CLI runs; `npm ci` builds it in CI, a fresh checkout may lack it. */
export function ensureBundle(): void {
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node bin/ailab.js ARGS` (without blocking the test's event loop). */
export function ailab(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'ailab.js'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
        timeout: timeoutMs,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

export interface LabRun extends CliRun {
  result: RunResult;
}

/** `ailab run LAB --yes --json --set k=v ... [--only ids]`, with its JSON report parsed. */
export async function runLabCli(
  lab: string,
  options: { sets?: Record<string, string | number>; only?: string[]; env?: Record<string, string> } = {},
): Promise<LabRun> {
  const args = ['run', lab, '--yes', '--json'];
  for (const [key, value] of Object.entries(options.sets ?? {})) args.push('--set', `${key}=${value}`);
  if (options.only) args.push('--only', options.only.join(','));
  const run = await ailab(args, options.env);
  let result: RunResult;
  try {
    result = JSON.parse(run.stdout) as RunResult;
  } catch {
    throw new Error(`ailab ${args.join(' ')} printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
  return { ...run, result };
}

export function step(result: RunResult, id: string): StepResult {
  const found = result.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in the report`);
  return found;
}

export function stepCheck(result: RunResult, stepId: string, title: string | RegExp): CheckResult {
  const found = step(result, stepId).checks.find((c) =>
    typeof title === 'string' ? c.title === title : title.test(c.title),
  );
  if (!found) throw new Error(`no check ${title} in step ${stepId}`);
  return found;
}

export function verifyCheck(result: RunResult, id: string): CheckResult {
  const found = result.verify.find((c) => c.id === id);
  if (!found) throw new Error(`no verify check ${id} in the report`);
  return found;
}

/** Steps and checks that did not pass, for assertion messages. */
export function problems(result: RunResult): string {
  const lines = result.steps
    .filter((s) => s.status === 'fail' || s.status === 'error')
    .map((s) => `step ${s.id}: ${s.message}\n${s.outputTail ?? ''}`);
  lines.push(
    ...result.verify
      .filter((c) => c.status !== 'pass')
      .map((c) => `verify ${c.id}: ${c.status} ${c.message}`),
  );
  return lines.join('\n');
}

/** Write an executable stand-in script into a bin folder. */
export function writeStub(binDir: string, name: string, script: string): void {
  mkdirSync(binDir, { recursive: true });
  const path = join(binDir, name);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
}
