// Run the real `ailab` CLI (bin/ailab.js, the built bundle) on a course lab, as CI and learners do,
// and read its JSON report. Asynchronous on purpose: a test may serve a stand-in (a fake MLflow
// server) from its own process while the lab runs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, RunResult, StepResult } from '../../../src/engine/result.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'ailab.js');

/** Debian's Python, which sees python3-torch and friends (the first python3 on PATH may not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function bundleBuilt(): boolean {
  return existsSync(join(ROOT, 'dist', 'main.js'));
}

export function ailab(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      // No __pycache__ beside the templates' copies or the stand-ins in test/course/fixtures-w06-10.
      env: { ...process.env, NO_COLOR: '1', CI: '1', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 180_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LabRun extends CliOutcome {
  result: RunResult;
}

/** `ailab run <lab> --yes --json --workdir <dir> [--set k=v ...] [--only a,b]`, its report parsed. */
export async function runLab(
  lab: string,
  options: {
    workDir: string;
    sets?: Record<string, string | number>;
    only?: string[];
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    mode?: 'run' | 'verify';
  },
): Promise<LabRun> {
  const args = [options.mode ?? 'run', lab, '--json', '--workdir', options.workDir];
  if ((options.mode ?? 'run') === 'run') args.push('--yes');
  for (const [key, value] of Object.entries(options.sets ?? {})) args.push('--set', `${key}=${value}`);
  if (options.only) args.push('--only', options.only.join(','));
  const outcome = await ailab(args, { env: options.env, timeoutMs: options.timeoutMs });
  let result: RunResult;
  try {
    result = JSON.parse(outcome.stdout) as RunResult;
  } catch {
    throw new Error(
      `ailab ${args.join(' ')} printed no JSON report (exit ${outcome.code}):\n${outcome.stderr}`,
    );
  }
  return { ...outcome, result };
}

export function step(result: RunResult, id: string): StepResult {
  const found = result.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in the report`);
  return found;
}

export function verifyCheck(result: RunResult, id: string): CheckResult {
  const found = result.verify.find((c) => c.id === id);
  if (!found) throw new Error(`no verify check ${id} in the report`);
  return found;
}

/** A readable summary of what did not pass, for assertion messages. */
export function problems(result: RunResult): string {
  const lines: string[] = [result.message];
  for (const s of result.steps) {
    if (s.status === 'fail' || s.status === 'error')
      lines.push(`step ${s.id}: ${s.message}\n${s.outputTail ?? ''}`);
    for (const c of s.checks)
      if (c.status === 'fail' || c.status === 'error')
        lines.push(`  ${s.id} / ${c.title}: ${c.message}\n${c.details ?? ''}`);
  }
  for (const c of result.verify)
    if (c.status === 'fail' || c.status === 'error')
      lines.push(`verify ${c.id}: ${c.message}\n${c.details ?? ''}`);
  return lines.join('\n');
}
