// One step of a lab: its condition, requirements and confirmation, then run / script / background /
// manual, retries, and its expect checks. run-lab.ts drives the steps in order.
import { evaluateCondition, parseCondition } from '../spec/condition.js';
import { interpolate, quoteModeFor, shellQuote } from '../spec/interpolate.js';
import type { Check, Step } from '../spec/types.js';
import type { ExecResult } from '../targets/types.js';
import { formatDuration } from '../util/duration.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { EventListener } from './events.js';
import type { CheckResult, StepResult } from './result.js';
import { type CheckEnv, runCheck } from './run-check.js';
import type { RunOptions } from './run-lab.js';
import type { ShellSession } from './shell-session.js';

const OUTPUT_TAIL_LINES = 20;

export function tail(text: string, lines = OUTPUT_TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

export function conditionHolds(when: string | undefined, values: Record<string, string>): boolean {
  if (!when) return true;
  const condition = parseCondition(when);
  return typeof condition === 'string' ? false : evaluateCondition(condition, values);
}

export function skippedStep(step: Step, message: string): StepResult {
  return {
    id: step.id,
    title: step.title,
    kind: step.kind,
    status: 'skip',
    message,
    attempts: 0,
    durationMs: 0,
    checks: [],
  };
}

export interface StepContext extends RunOptions {
  session: ShellSession;
  checkEnv: CheckEnv;
  cleanup: CleanupStack;
  workDir: string;
  values: Record<string, string>;
  redact: (text: string) => string;
  hasCommand: (name: string) => Promise<boolean>;
  emit: EventListener;
}

export async function runStep(step: Step, ctx: StepContext): Promise<StepResult> {
  if (!conditionHolds(step.when, ctx.values)) return skippedStep(step, `skipped: ${step.when} is false`);
  for (const name of step.requires) {
    if (!(await ctx.hasCommand(name))) return skippedStep(step, `skipped: ${name} is not on this machine`);
  }
  if (step.confirm && !ctx.yes) {
    // The question names the run's values (`${{ cpus }}` CPUs), as the learner will get them.
    const question = interpolate(step.confirm, ctx.values, 'raw');
    if (!ctx.confirm) {
      return {
        ...skippedStep(step, `needs confirmation ("${question}"): rerun with --yes to run it without asking`),
        status: 'error',
      };
    }
    if (!(await ctx.confirm(question))) return skippedStep(step, 'skipped: declined at the prompt');
  }
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const env = Object.fromEntries(
    Object.entries(step.env).map(([k, v]) => [k, interpolate(v, ctx.values, 'raw')]),
  );
  const onOutput = (stream: 'stdout' | 'stderr', chunk: string) =>
    ctx.emit({ type: 'step-output', step, stream, chunk: ctx.redact(chunk) });
  const base = { id: step.id, title: step.title, kind: step.kind, startedAt };

  if (step.kind === 'manual') {
    // The learner reads the instructions with the run's values in them (`http://localhost:${{ port }}`).
    if (ctx.waitForManual)
      await ctx.waitForManual({ ...step, manual: interpolate(step.manual ?? '', ctx.values, 'raw') });
    const checks = await runChecks(step.expect, ctx);
    const status = step.expect.length === 0 ? (ctx.waitForManual ? 'pass' : 'skip') : worst(checks);
    const message =
      step.expect.length === 0
        ? ctx.waitForManual
          ? 'done by the learner'
          : 'manual step: nothing to check'
        : checksMessage(checks);
    return { ...base, status, message, attempts: 1, durationMs: Date.now() - started, checks };
  }

  if (step.kind === 'background') {
    return runBackground(step, ctx, base, env, started);
  }

  let command: string;
  if (step.kind === 'script') {
    const script = step.script!;
    const path = `${ctx.workDir}/.ailab/scripts/${step.id}${quoteModeFor(script.interpreter) === 'python' ? '.py' : '.sh'}`;
    await ctx.target.writeFile(path, interpolate(script.body, ctx.values, quoteModeFor(script.interpreter)));
    command = [
      script.interpreter,
      shellQuote(path),
      ...script.args.map((a) => shellQuote(interpolate(a, ctx.values, 'raw'))),
    ].join(' ');
  } else {
    command = interpolate(step.run!, ctx.values, 'shell');
  }

  let exec: ExecResult | undefined;
  let attempts = 0;
  for (;;) {
    attempts++;
    exec = await ctx.session.run(command, {
      timeoutMs: step.timeoutMs,
      signal: ctx.signal,
      env,
      cwd: step.cwd && interpolate(step.cwd, ctx.values, 'raw'),
      onOutput,
    });
    if (exec.exitCode === 0 || exec.aborted || exec.connectionLost || attempts > step.retries) break;
    await new Promise((resolve) => setTimeout(resolve, step.retryDelayMs));
  }
  const outputTail = ctx.redact(tail(`${exec.stdout}${exec.stderr ? `\n${exec.stderr}` : ''}`));
  const durationMs = Date.now() - started;
  if (exec.exitCode !== 0) {
    const message = exec.connectionLost
      ? 'connection lost'
      : exec.aborted
        ? 'interrupted'
        : exec.timedOut
          ? `timed out after ${formatDuration(step.timeoutMs)}`
          : `exit code ${exec.exitCode ?? exec.signal}${attempts > 1 ? ` after ${attempts} attempts` : ''}`;
    const status = exec.aborted || exec.timedOut || exec.connectionLost ? 'error' : 'fail';
    return {
      ...base,
      status,
      message,
      exitCode: exec.exitCode,
      attempts,
      durationMs,
      outputTail,
      checks: [],
    };
  }
  const checks = await runChecks(step.expect, ctx);
  const status = worst(checks);
  const message =
    status === 'pass'
      ? attempts > 1
        ? `exit code 0 after ${attempts} attempts`
        : 'exit code 0'
      : checksMessage(checks);
  return {
    ...base,
    status,
    message,
    exitCode: 0,
    attempts,
    durationMs: Date.now() - started,
    outputTail,
    checks,
  };
}

async function runBackground(
  step: Step,
  ctx: StepContext,
  base: Pick<StepResult, 'id' | 'title' | 'kind' | 'startedAt'>,
  env: Record<string, string>,
  started: number,
): Promise<StepResult> {
  const bg = step.background!;
  const logPath = `${ctx.workDir}/.ailab/logs/${step.id}.log`;
  const proc = await ctx.session.background(interpolate(bg.run, ctx.values, 'shell'), logPath, {
    env,
    cwd: step.cwd && interpolate(step.cwd, ctx.values, 'raw'),
  });
  ctx.cleanup.push(`stop-${step.id}`, `Stop the service of step "${step.id}"`, async (signal) => {
    if (bg.stop)
      await ctx.session.peek(interpolate(bg.stop, ctx.values, 'shell'), { timeoutMs: 20_000, signal });
    await proc.stop();
  });
  const logTail = async () =>
    ctx.redact(
      tail(
        (await ctx.target.readFile(logPath, { maxBytes: 256 * 1024 }).catch(() => Buffer.from(''))).toString(
          'utf8',
        ),
      ),
    );
  let checks: CheckResult[] = [];
  if (bg.ready) {
    const ready: Check = { ...bg.ready, withinMs: Math.max(bg.ready.withinMs, bg.readyWithinMs) };
    // Stop polling as soon as the service dies: waiting for readiness of a dead process helps no one.
    const died = new AbortController();
    proc.exited.then(() => died.abort());
    const result = await runCheck(ready, {
      ...ctx.checkEnv,
      signal: AbortSignal.any([ctx.signal, died.signal]),
    });
    checks.push(result);
    if (result.status !== 'pass') {
      const exit = proc.isRunning() ? undefined : await proc.exited;
      const message = exit
        ? `the service exited (code ${exit.exitCode ?? exit.signal}) before it was ready`
        : `not ready within ${formatDuration(ready.withinMs)}: ${result.message}`;
      return {
        ...base,
        status: 'fail',
        message,
        attempts: 1,
        durationMs: Date.now() - started,
        outputTail: await logTail(),
        checks,
      };
    }
  } else if (!proc.isRunning()) {
    const exit = await proc.exited;
    return {
      ...base,
      status: 'fail',
      message: `the service exited at once (code ${exit.exitCode})`,
      attempts: 1,
      durationMs: Date.now() - started,
      outputTail: await logTail(),
      checks,
    };
  }
  checks = [...checks, ...(await runChecks(step.expect, ctx))];
  const status = worst(checks);
  const message = status === 'pass' ? `running (pid ${proc.pid})` : checksMessage(checks);
  return { ...base, status, message, attempts: 1, durationMs: Date.now() - started, checks };
}

async function runChecks(checks: Check[], ctx: StepContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (ctx.signal.aborted) break;
    ctx.emit({ type: 'check-start', id: check.id, title: check.title });
    const result = await runCheck(check, ctx.checkEnv);
    results.push(result);
    ctx.emit({ type: 'check-end', result });
  }
  return results;
}

const SEVERITY = { pass: 0, skip: 0, fail: 1, error: 2 } as const;

function worst(checks: CheckResult[]): StepResult['status'] {
  let status: StepResult['status'] = 'pass';
  for (const c of checks) if (SEVERITY[c.status] > SEVERITY[status]) status = c.status;
  return status;
}

function checksMessage(checks: CheckResult[]): string {
  const bad = checks.filter((c) => c.status === 'fail' || c.status === 'error');
  if (bad.length === 0) return `${checks.length} check${checks.length === 1 ? '' : 's'} passed`;
  return `check "${bad[0].title}" ${bad[0].status === 'fail' ? 'failed' : 'errored'}: ${bad[0].message}`;
}
