// The engine: preflight, files, steps in order (each with its checks), the graded verify checks,
// then cleanup — always, also after a failure, a timeout or Ctrl-C. Returns one plain RunResult.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interpolate, shellQuote } from '../spec/interpolate.js';
import type { Check, Lab, Step } from '../spec/types.js';
import type { Target } from '../targets/types.js';
import { formatDuration } from '../util/duration.js';
import { CleanupStack } from './cleanup-stack.js';
import type { EventListener } from './events.js';
import { decideStatus, grade, summarize } from './grade.js';
import { runPreflight } from './preflight.js';
import { makeRedactor } from './redact.js';
import { type CheckResult, REPORT_SCHEMA_VERSION, type RunResult, type StepResult } from './result.js';
import { type CheckEnv, runCheck } from './run-check.js';
import { conditionHolds, runStep, skippedStep, tail } from './run-step.js';
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

export function newRunId(date = new Date()): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Titles and hints as the learner reads them, in the live view and every report: `${{ port }}` filled
 * in (as text, never shell-quoted), a secret's value redacted.
 */
export function withFilledTexts(
  lab: Lab,
  values: Record<string, string>,
  redact: (text: string) => string,
): Lab {
  const fill = (text: string) => (text.includes('${{') ? redact(interpolate(text, values, 'raw')) : text);
  const check = (c: Check): Check => ({
    ...c,
    title: fill(c.title),
    ...(c.hint !== undefined && { hint: fill(c.hint) }),
  });
  return {
    ...lab,
    steps: lab.steps.map((step) => ({ ...step, title: fill(step.title), expect: step.expect.map(check) })),
    verify: lab.verify.map(check),
    cleanup: lab.cleanup.map((c) => ({ ...c, title: fill(c.title) })),
  };
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
  lab = withFilledTexts(lab, values, redact);
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

async function renderFiles(
  lab: Lab,
  target: Target,
  workDir: string,
  values: Record<string, string>,
): Promise<void> {
  for (const file of lab.files) {
    if (!conditionHolds(file.when, values)) continue;
    const text = await readFile(join(lab.templatesDir, file.template), 'utf8');
    const content = file.render ? interpolate(text, values, 'raw') : text;
    await target.writeFile(`${workDir}/${file.to}`, content, file.mode);
  }
}

/** Vars and choices as the report shows them: secret values are ***. */
export function publicValues(lab: Lab, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) out[name] = lab.vars[name]?.secret ? '***' : value;
  return out;
}
