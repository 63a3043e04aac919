// The engine's wrapper around every check module: when/requires, interpolation, a timeout per
// attempt, `within` polling (reporting the last thing seen, not just "timed out"), and points.
import { getCheckModule } from '../checks/index.js';
import type { CheckOutcome } from '../checks/types.js';
import { evaluateCondition, parseCondition } from '../spec/condition.js';
import { interpolate } from '../spec/interpolate.js';
import type { Check } from '../spec/types.js';
import type { Target } from '../targets/types.js';
import { formatDuration } from '../util/duration.js';
import type { CheckResult } from './result.js';
import type { ShellSession } from './shell-session.js';

const WHOLE_PLACEHOLDER = /^\$\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;

export interface CheckEnv {
  target: Target;
  workDir: string;
  session: ShellSession;
  signal: AbortSignal;
  /** Vars and choices, for `when` and ${{ }} placeholders. */
  values: Record<string, string>;
  facts: Record<string, string | number>;
  redact: (text: string) => string;
  /** Whether a command is on the target's PATH (cached by the caller). */
  hasCommand: (name: string) => Promise<boolean>;
}

/** Interpolate placeholders in check options: shell-quoted in `run`, as is elsewhere. */
export function interpolateOptions(value: unknown, values: Record<string, string>, key = ''): unknown {
  if (typeof value === 'string') {
    const text = interpolate(value, values, key === 'run' ? 'shell' : 'raw');
    // A field that is one placeholder (`port: ${{ port }}`) takes the value's type: a number stays a number.
    if (WHOLE_PLACEHOLDER.test(value) && text.trim() !== '' && Number.isFinite(Number(text)))
      return Number(text);
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => interpolateOptions(v, values, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateOptions(v, values, k)]));
  }
  return value;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function skipped(check: Check, message: string, values: Record<string, string>): CheckResult {
  return result(
    { ...check, title: interpolate(check.title, values, 'raw') },
    { status: 'skip', message },
    0,
    0,
  );
}

function result(
  check: Check,
  outcome: CheckOutcome,
  attempts: number,
  durationMs: number,
  redact = (t: string) => t,
): CheckResult {
  let earned = 0;
  if (outcome.status === 'pass') earned = check.points;
  else if (outcome.status === 'fail' && outcome.assertions && outcome.assertions.length > 1) {
    // Partial credit: each expectation of a check is worth its share.
    const ok = outcome.assertions.filter((a) => a.ok).length;
    earned = Math.round(((check.points * ok) / outcome.assertions.length) * 100) / 100;
  }
  const r = (text: string | undefined) => (text === undefined ? undefined : redact(text));
  return {
    id: check.id,
    title: redact(check.title),
    type: check.type,
    status: outcome.status,
    message: redact(outcome.message),
    expected: r(outcome.expected),
    observed: r(outcome.observed),
    // Every text field: a matcher's name and message quote the expected value (`stdout contains "…"`).
    assertions: outcome.assertions?.map((a) => ({
      ...a,
      name: redact(a.name),
      expected: redact(a.expected),
      actual: redact(a.actual),
      ...(a.message !== undefined && { message: redact(a.message) }),
    })),
    details: r(outcome.details),
    hint: outcome.status === 'pass' || outcome.status === 'skip' ? undefined : check.hint,
    points: check.points,
    earned,
    required: check.required,
    bonus: check.bonus,
    attempts,
    durationMs,
  };
}

export async function runCheck(check: Check, env: CheckEnv): Promise<CheckResult> {
  if (check.when) {
    const condition = parseCondition(check.when);
    if (typeof condition !== 'string' && !evaluateCondition(condition, env.values)) {
      return skipped(check, `skipped: ${check.when} is false`, env.values);
    }
  }
  for (const name of check.requires) {
    if (!(await env.hasCommand(name)))
      return skipped(check, `skipped: ${name} is not on this machine`, env.values);
  }
  const module = getCheckModule(check.type);
  if (!module) return result(check, { status: 'error', message: `unknown check type "${check.type}"` }, 0, 0);

  const started = Date.now();
  const deadline = started + check.withinMs;
  const options = interpolateOptions(check.options, env.values);
  const cwdResult = await env.session.peek('pwd', { signal: env.signal, timeoutMs: 10_000 });
  const cwd = cwdResult.exitCode === 0 ? cwdResult.stdout.trim() : env.workDir;
  let attempts = 0;
  let outcome: CheckOutcome;
  for (;;) {
    attempts++;
    // A timer held here, not AbortSignal.timeout(): inside AbortSignal.any() Node 20 can garbage-collect
    // a timeout signal before it fires (nodejs/node#57736), and a hung attempt would then never end.
    const attemptTimeout = new AbortController();
    const timer = setTimeout(() => attemptTimeout.abort(), check.timeoutMs);
    const signal = AbortSignal.any([env.signal, attemptTimeout.signal]);
    try {
      outcome = await module.run(
        {
          target: env.target,
          workDir: env.workDir,
          cwd,
          sh: (command, o) => env.session.peek(command, { ...o, signal }),
          signal,
          facts: env.facts,
        },
        options as never,
      );
    } catch (error) {
      outcome = { status: 'error', message: `check crashed: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
    if (signal.aborted && !env.signal.aborted && outcome.status !== 'pass') {
      outcome = {
        ...outcome,
        status: 'error',
        message: `timed out after ${formatDuration(check.timeoutMs)}: ${outcome.message}`,
      };
    }
    if (outcome.status === 'pass' || outcome.status === 'skip' || env.signal.aborted) break;
    if (Date.now() + check.intervalMs > deadline) {
      if (check.withinMs > 0)
        outcome = {
          ...outcome,
          message: `still failing after ${formatDuration(check.withinMs)}: ${outcome.message}`,
        };
      break;
    }
    await sleep(check.intervalMs, env.signal);
  }
  if (outcome.facts) Object.assign(env.facts, outcome.facts);
  const title = interpolate(check.title, env.values, 'raw');
  return result({ ...check, title }, outcome, attempts, Date.now() - started, env.redact);
}
