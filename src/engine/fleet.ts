// Many runs at once, each on a target of its own, at most `concurrency` at a time (p-limit): a lab on
// every host of a class (`--hosts`), or several labs each in its own pod or folder (`run --parallel`).
// A target that cannot be reached is a RunResult like any other, with status `error` and a message
// that says why ("unreachable: …"); it never stops the others.
import type { Lab } from '../spec/types.js';
import type { InventoryHost } from '../targets/inventory.js';
import type { Target } from '../targets/types.js';
import type { EngineEvent } from './events.js';
import { grade } from './grade.js';
import { type CheckResult, REPORT_SCHEMA_VERSION, type RunResult } from './result.js';
import { newRunId, publicValues } from './run-lab.js';
import { skippedStep } from './run-step.js';

export type HostPhase = 'queued' | 'connecting' | 'running' | 'verifying' | 'cleanup' | 'done';

/** One run of a fleet: a lab on a target. */
export interface FleetJob {
  lab: Lab;
  /** Its row in the live and summary tables: the host's name, or the lab's id with --parallel. */
  name: string;
  /** The target URI it runs on. */
  target: string;
  /** The inventory host it came from (--hosts); its name becomes the result's `target.name`. */
  host?: InventoryHost;
  /** Vars shown in a result (secret ones as ***). */
  values: Record<string, string>;
}

export interface HostState {
  job: FleetJob;
  phase: HostPhase;
  /** What it is doing now: `step 3/8: Start the service`, `check 2/5`. */
  detail: string;
  result?: RunResult;
}

export interface FleetOptions {
  jobs: FleetJob[];
  mode: 'run' | 'verify';
  concurrency: number;
  version: string;
  signal: AbortSignal;
  /** Open a job's target (an SSH connection, a pod); throws a TargetError when it cannot. */
  connect(job: FleetJob): Promise<Target>;
  /** Run the job's lab on its target; `runId` is the fleet's, shared by every job. */
  run(
    job: FleetJob,
    target: Target,
    onEvent: (event: EngineEvent) => void,
    runId: string,
  ): Promise<RunResult>;
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

/** The result of a job whose target could not be used: every graded check is an error, the score 0. */
export function unreachableResult(
  job: FleetJob,
  options: Pick<FleetOptions, 'mode' | 'version' | 'runId'>,
  message: string,
  started: Date,
): RunResult {
  const { lab } = job;
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
    target: {
      uri: job.target,
      kind: job.target.split(':')[0],
      ...(job.host && { name: job.host.name }),
    },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    status: 'error',
    message,
    // Nothing was graded: 0%, not the 100% of a lab with no points to lose.
    score: { ...grade(lab, verify), percent: 0, passed: false },
    vars: publicValues(lab, job.values),
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

/** Run every job; results come back in the jobs' order. */
export async function runFleet(options: FleetOptions): Promise<RunResult[]> {
  const { default: pLimit } = await import('p-limit');
  const limit = pLimit(options.concurrency);
  const runId = options.runId ?? newRunId();
  const shared = { ...options, runId };
  const states = options.jobs.map((job): HostState => ({ job, phase: 'queued', detail: '' }));
  for (const state of states) options.onUpdate?.(state);
  return Promise.all(
    states.map((state) =>
      limit(async () => {
        const { job } = state;
        const update = () => options.onUpdate?.(state);
        const started = new Date();
        const finish = (result: RunResult) => {
          if (job.host) result.target.name = job.host.name;
          state.phase = 'done';
          state.result = result;
          update();
          return result;
        };
        const interrupted = (result: RunResult): RunResult => ({ ...result, status: 'interrupted' });
        if (options.signal.aborted)
          return finish(
            interrupted(unreachableResult(job, shared, 'interrupted before it started', started)),
          );
        state.phase = 'connecting';
        update();
        let target: Target;
        try {
          target = await options.connect(job);
        } catch (error) {
          const result = unreachableResult(job, shared, connectFailureMessage(error as Error), started);
          // Ctrl-C while connecting (a pod starting): the run was interrupted, the target not broken.
          return finish(options.signal.aborted ? interrupted(result) : result);
        }
        try {
          state.phase = 'running';
          update();
          return finish(await options.run(job, target, (event) => track(state, event, update), runId));
        } catch (error) {
          return finish(
            unreachableResult(job, shared, `error: ${oneLine((error as Error).message)}`, started),
          );
        } finally {
          await target.close().catch(() => {});
        }
      }),
    ),
  );
}
