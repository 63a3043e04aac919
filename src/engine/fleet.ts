// A lab on a whole class of hosts at once: every host gets its own target and its own run, at most
// `concurrency` at a time (p-limit). A host that cannot be reached is a RunResult like any other, with
// status `error` and a message that says why ("unreachable: …"); it never stops the others.
import type { Lab } from '../spec/types.js';
import type { InventoryHost } from '../targets/inventory.js';
import type { Target } from '../targets/types.js';
import type { EngineEvent } from './events.js';
import { grade } from './grade.js';
import { type CheckResult, REPORT_SCHEMA_VERSION, type RunResult } from './result.js';
import { newRunId, publicValues } from './run-lab.js';
import { skippedStep } from './run-step.js';

export type HostPhase = 'queued' | 'connecting' | 'running' | 'verifying' | 'cleanup' | 'done';

export interface HostState {
  host: InventoryHost;
  phase: HostPhase;
  /** What it is doing now: `step 3/8: Start the service`, `check 2/5`. */
  detail: string;
  result?: RunResult;
}

export interface FleetOptions {
  lab: Lab;
  mode: 'run' | 'verify';
  hosts: InventoryHost[];
  concurrency: number;
  version: string;
  /** Vars shown in a result (secret ones as ***). */
  values: Record<string, string>;
  signal: AbortSignal;
  /** Open a host's target (an SSH connection); throws a TargetError when it cannot. */
  connect(host: InventoryHost): Promise<Target>;
  /** Run the lab on one host's target; `runId` is the fleet's, shared by every host. */
  run(target: Target, onEvent: (event: EngineEvent) => void, runId: string): Promise<RunResult>;
  /** One id for the whole fleet run (default: a new one). */
  runId?: string;
  onUpdate?(state: HostState): void;
}

/** One line for the table, from a connection error (OpenSSH's banners dropped). */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^@+$/.test(l) && !/^@.*@$/.test(l))
    .join(' ');
}

/** Why a host could not be used, as its result's message leads with it. */
export function connectFailureMessage(error: Error & { reason?: string }): string {
  const prefix =
    error.reason === 'auth' || error.reason === 'key'
      ? 'cannot log in'
      : error.reason === 'host-key'
        ? 'host key refused'
        : 'unreachable';
  return `${prefix}: ${oneLine(error.message)}`;
}

/** The result of a host that could not be used: every graded check is an error, the score 0. */
export function unreachableResult(
  lab: Lab,
  host: InventoryHost,
  options: Pick<FleetOptions, 'mode' | 'version' | 'values' | 'runId'>,
  message: string,
  started: Date,
): RunResult {
  const verify: CheckResult[] = lab.verify.map((check) => ({
    id: check.id,
    title: check.title,
    type: check.type,
    status: 'error',
    message,
    points: check.points,
    earned: 0,
    required: check.required,
    bonus: check.bonus,
    attempts: 0,
    durationMs: 0,
  }));
  const finished = new Date();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'ailab', version: options.version },
    runId: options.runId ?? newRunId(started),
    mode: options.mode,
    lab: { id: lab.id, title: lab.title, week: lab.week, file: lab.file },
    target: { uri: host.target, kind: host.target.split(':')[0], name: host.name },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    status: 'error',
    message,
    score: grade(lab, verify),
    vars: publicValues(lab, options.values),
    preflight: [],
    steps: lab.steps.map((step) => skippedStep(step, message)),
    verify,
    cleanup: [],
  };
}

/** Follow a run's events into its row of the live table. */
export function track(state: HostState, event: EngineEvent, update: () => void): void {
  switch (event.type) {
    case 'step-start':
      state.phase = 'running';
      state.detail = `step ${event.index + 1}/${event.total}: ${event.step.title}`;
      break;
    case 'phase':
      state.phase = event.phase === 'verify' ? 'verifying' : 'cleanup';
      state.detail = event.phase;
      break;
    case 'check-start':
      if (state.phase === 'verifying') state.detail = `verify: ${event.title}`;
      break;
    default:
      return;
  }
  update();
}

/** Run the lab on every host; results come back in the inventory's order. */
export async function runFleet(options: FleetOptions): Promise<RunResult[]> {
  const { default: pLimit } = await import('p-limit');
  const limit = pLimit(options.concurrency);
  const runId = options.runId ?? newRunId();
  const shared = { ...options, runId };
  const states = options.hosts.map((host): HostState => ({ host, phase: 'queued', detail: '' }));
  for (const state of states) options.onUpdate?.(state);
  return Promise.all(
    states.map((state) =>
      limit(async () => {
        const update = () => options.onUpdate?.(state);
        const started = new Date();
        const finish = (result: RunResult) => {
          result.target.name = state.host.name;
          state.phase = 'done';
          state.result = result;
          update();
          return result;
        };
        if (options.signal.aborted) {
          return finish({
            ...unreachableResult(options.lab, state.host, shared, 'interrupted before it started', started),
            status: 'interrupted',
          });
        }
        state.phase = 'connecting';
        update();
        let target: Target;
        try {
          target = await options.connect(state.host);
        } catch (error) {
          const message = connectFailureMessage(error as Error);
          return finish(unreachableResult(options.lab, state.host, shared, message, started));
        }
        try {
          state.phase = 'running';
          update();
          return finish(await options.run(target, (event) => track(state, event, update), runId));
        } catch (error) {
          return finish(
            unreachableResult(
              options.lab,
              state.host,
              shared,
              `error: ${oneLine((error as Error).message)}`,
              started,
            ),
          );
        } finally {
          await target.close().catch(() => {});
        }
      }),
    ),
  );
}
