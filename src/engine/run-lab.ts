// The engine: preflight, files, steps in order (each with its checks), the graded verify checks,
// then cleanup — always, also after a failure, a timeout or Ctrl-C. Returns one plain RunResult.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateCondition, parseCondition } from '../spec/condition.js';
import { interpolate, quoteModeFor, shellQuote } from '../spec/interpolate.js';
import type { Check, Lab, Step } from '../spec/types.js';
import type { ExecResult, Target } from '../targets/types.js';
import { formatDuration } from '../util/duration.js';
import { CleanupStack } from './cleanup-stack.js';
import type { EventListener } from './events.js';
import { runPreflight } from './preflight.js';
import { makeRedactor } from './redact.js';
import {
  type CheckResult,
  REPORT_SCHEMA_VERSION,
  type RunResult,
  type RunStatus,
  type StepResult,
} from './result.js';
import { type CheckEnv, runCheck } from './run-check.js';
import { ShellSession } from './shell-session.js';

export interface RunOptions {
  target: Target;
  mode: 'run' | 'verify';
  /** Vars and choices, resolved by the caller (defaults, --set, env file, prompts). */
  values: Record<string, string>;
  /** Values never to print. */
  secrets?: string[];
  /** The folder the lab works in; by default a fresh one (run) or the target's current folder (verify). */
  workDir?: string;
  /** Run only these steps (ids). */
  only?: string[];
  /** Start at this step (id). */
  from?: string;
  signal: AbortSignal;
  onEvent?: EventListener;
  /** Asks before a `confirm` step; absent when not interactive. */
  confirm?: (question: string) => Promise<boolean>;
  /** Answers yes to every `confirm` step (--yes). */
  yes?: boolean;
  /** Shows a manual step's instructions and waits for the learner; absent when not interactive. */
  waitForManual?: (step: Step) => Promise<void>;
  version: string;
  runId?: string;
}

const OUTPUT_TAIL_LINES = 20;

export function newRunId(date = new Date()): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 8)}`;
}

function tail(text: string, lines = OUTPUT_TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

function conditionHolds(when: string | undefined, values: Record<string, string>): boolean {
  if (!when) return true;
  const condition = parseCondition(when);
  return typeof condition === 'string' ? false : evaluateCondition(condition, values);
}

export async function runLab(lab: Lab, options: RunOptions): Promise<RunResult> {
  const { target, mode, signal } = options;
  const emit = options.onEvent ?? (() => {});
  const redact = makeRedactor(options.secrets ?? []);
  const runId = options.runId ?? newRunId();
  const started = new Date();
  const cleanup = new CleanupStack();
  // What the target reports about its connection during this run (an SSH host lost and regained).
  const notesBefore = target.notes?.length ?? 0;

  const stateDir = await target.mkdtemp('ailab-state-');
  cleanup.push('state', 'remove ailab state folder', () => target.remove(stateDir), { visible: false });
  let workDir = options.workDir;
  if (!workDir) {
    if (mode === 'run') workDir = await target.mkdtemp(`ailab-${lab.id}-`);
    else workDir = (await target.exec('pwd')).stdout.trim();
  }
  const values: Record<string, string> = { ...options.values, workdir: workDir, lab: lab.id, run_id: runId };
  const session = new ShellSession(target, stateDir, workDir, {
    AILAB_WORK_DIR: workDir,
    AILAB_LAB: lab.id,
    AILAB_RUN_ID: runId,
  });

  const commandCache = new Map<string, Promise<boolean>>();
  const hasCommand = (name: string) => {
    if (!commandCache.has(name)) {
      commandCache.set(
        name,
        session
          .peek(`command -v ${shellQuote(name)} >/dev/null 2>&1`, { timeoutMs: 10_000 })
          .then((r) => r.exitCode === 0),
      );
    }
    return commandCache.get(name)!;
  };
  const checkEnv: CheckEnv = { target, workDir, session, signal, values, facts: {}, redact, hasCommand };

  const steps: StepResult[] = [];
  const verify: CheckResult[] = [];
  let preflight: RunResult['preflight'] = [];
  let stopReason: string | undefined;
  let anyStepRan = false;

  emit({
    type: 'lab-start',
    lab,
    mode,
    target: target.uri,
    workDir,
    stepCount: mode === 'run' ? lab.steps.length : 0,
  });
  try {
    // `requires.python` may name a var (`${{ python }}`), as every other string of a lab may.
    const requires = { ...lab.requires, python: interpolate(lab.requires.python, values, 'shell') };
    preflight = await runPreflight(target, requires, workDir, signal);
    emit({ type: 'preflight', items: preflight });
    const missing = preflight.filter((item) => !item.ok);
    if (missing.length > 0) {
      stopReason = `preflight: this machine lacks ${missing.map((m) => m.requirement).join(', ')}`;
    } else {
      if (mode === 'run') {
        await renderFiles(lab, target, workDir, values);
        const selected = selectSteps(lab, options);
        for (const [index, step] of lab.steps.entries()) {
          const skipReason = !selected.has(step.id)
            ? 'not selected (--only/--from)'
            : stopReason
              ? signal.aborted
                ? 'interrupted'
                : 'an earlier step failed'
              : undefined;
          if (skipReason) {
            steps.push(skippedStep(step, skipReason));
            continue;
          }
          emit({ type: 'step-start', step, index, total: lab.steps.length });
          const result = await runStep(step, {
            ...options,
            session,
            checkEnv,
            cleanup,
            workDir,
            values,
            redact,
            hasCommand,
            emit,
          });
          if (result.status !== 'skip') anyStepRan = true;
          steps.push(result);
          emit({ type: 'step-end', result, index, total: lab.steps.length });
          const failed =
            result.status === 'fail' ||
            result.status === 'error' ||
            result.checks.some((c) => c.status === 'fail' || c.status === 'error');
          if (signal.aborted) stopReason = 'interrupted';
          else if (failed && !step.continueOnError)
            stopReason = `step "${step.id}" failed: ${result.message}`;
        }
      }
      if (!signal.aborted && lab.verify.length > 0) {
        emit({ type: 'phase', phase: 'verify' });
        for (const check of lab.verify) {
          if (signal.aborted) break;
          emit({ type: 'check-start', id: check.id, title: check.title });
          const result = await runCheck(check, checkEnv);
          verify.push(result);
          emit({ type: 'check-end', result });
        }
      }
    }
  } finally {
    // Cleanup runs whatever happened above, with its own deadlines (the run's signal may be aborted).
    if (mode === 'run' && anyStepRan) {
      for (const step of [...lab.cleanup].reverse()) {
        if (!conditionHolds(step.when, values)) continue;
        cleanup.push(
          step.id,
          step.title,
          async (cleanupSignal) => {
            const r = await session.peek(interpolate(step.run, values, 'shell'), {
              timeoutMs: step.timeoutMs,
              signal: cleanupSignal,
            });
            if (r.exitCode !== 0)
              throw new Error(
                r.connectionLost
                  ? 'connection lost'
                  : r.timedOut
                    ? `timed out after ${formatDuration(step.timeoutMs)}`
                    : `exit code ${r.exitCode}: ${redact(tail(r.stderr || r.stdout, 3))}`,
              );
          },
          { timeoutMs: step.timeoutMs + 5000 },
        );
      }
    }
  }
  if (cleanup.size > 1) emit({ type: 'phase', phase: 'cleanup' });
  const cleanupResults = await cleanup.unwind((result) => emit({ type: 'cleanup-end', result }));

  const score = grade(lab, verify);
  const status = decideStatus({ signal, preflightFailed: preflight.some((p) => !p.ok), steps, lab, score });
  const finished = new Date();
  const result: RunResult = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'ailab', version: options.version },
    runId,
    mode,
    lab: { id: lab.id, title: lab.title, week: lab.week, file: lab.file },
    target: {
      uri: target.uri,
      kind: target.kind,
      ...((target.notes?.length ?? 0) > notesBefore && { notes: target.notes!.slice(notesBefore) }),
    },
    workDir,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    status,
    message: summarize(status, stopReason, score, verify),
    score,
    vars: publicValues(lab, options.values),
    preflight,
    steps,
    verify,
    cleanup: cleanupResults,
  };
  emit({ type: 'lab-end', result });
  return result;
}

function selectSteps(lab: Lab, options: RunOptions): Set<string> {
  let ids = lab.steps.map((s) => s.id);
  if (options.from) ids = ids.slice(Math.max(0, ids.indexOf(options.from)));
  if (options.only && options.only.length > 0) ids = ids.filter((id) => options.only!.includes(id));
  return new Set(ids);
}

function skippedStep(step: Step, message: string): StepResult {
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

async function renderFiles(
  lab: Lab,
  target: Target,
  workDir: string,
  values: Record<string, string>,
): Promise<void> {
  for (const file of lab.files) {
    const text = await readFile(join(lab.templatesDir, file.template), 'utf8');
    const content = file.render ? interpolate(text, values, 'raw') : text;
    await target.writeFile(`${workDir}/${file.to}`, content, file.mode);
  }
}

interface StepContext extends RunOptions {
  session: ShellSession;
  checkEnv: CheckEnv;
  cleanup: CleanupStack;
  workDir: string;
  values: Record<string, string>;
  redact: (text: string) => string;
  hasCommand: (name: string) => Promise<boolean>;
  emit: EventListener;
}

async function runStep(step: Step, ctx: StepContext): Promise<StepResult> {
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

export function grade(lab: Lab, verify: CheckResult[]): RunResult['score'] {
  const counted = verify.filter((c) => c.status !== 'skip');
  const possible = counted.filter((c) => !c.bonus).reduce((sum, c) => sum + c.points, 0);
  // Partial credit is in hundredths: round the sum too, or 0.1 + 0.2 shows as 0.30000000000000004.
  const earned = Math.round(counted.reduce((sum, c) => sum + c.earned, 0) * 100) / 100;
  const percent = possible > 0 ? Math.round((earned / possible) * 1000) / 10 : verify.length > 0 ? 100 : 100;
  const requiredFailed = verify.some((c) => c.required && c.status !== 'pass' && c.status !== 'skip');
  return {
    earned,
    possible,
    percent,
    threshold: lab.passThreshold,
    passed: percent >= lab.passThreshold && !requiredFailed,
  };
}

function decideStatus(input: {
  signal: AbortSignal;
  preflightFailed: boolean;
  steps: StepResult[];
  lab: Lab;
  score: RunResult['score'];
}): RunStatus {
  if (input.signal.aborted) return 'interrupted';
  if (input.preflightFailed) return 'error';
  const stepFailed = input.steps.some((result) => {
    const step = input.lab.steps.find((s) => s.id === result.id);
    const bad =
      result.status === 'fail' ||
      result.status === 'error' ||
      result.checks.some((c) => c.status === 'fail' || c.status === 'error');
    return bad && !step?.continueOnError;
  });
  return stepFailed || !input.score.passed ? 'failed' : 'passed';
}

function summarize(
  status: RunStatus,
  stopReason: string | undefined,
  score: RunResult['score'],
  verify: CheckResult[],
): string {
  if (status === 'interrupted') return 'interrupted: cleanup ran';
  if (stopReason) return stopReason;
  if (verify.length === 0) return status === 'passed' ? 'every step passed' : 'a step failed';
  const requiredFailed = verify.filter((c) => c.required && c.status !== 'pass' && c.status !== 'skip');
  if (requiredFailed.length > 0) return `required check "${requiredFailed[0].title}" did not pass`;
  return `score ${score.earned}/${score.possible} (${score.percent}%), ${score.passed ? 'at or above' : 'below'} the ${score.threshold}% pass mark`;
}

function publicValues(lab: Lab, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) out[name] = lab.vars[name]?.secret ? '***' : value;
  return out;
}
