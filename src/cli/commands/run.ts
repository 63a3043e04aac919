// `ailab run` and `ailab verify`: load labs, resolve vars, run on the target, report, map to an exit code.
import type { RunResult } from '../../engine/result.js';
import { runLab } from '../../engine/run-lab.js';
import { type ResolvedValues, resolveValues } from '../../engine/values.js';
import { ExitCode, UsageError } from '../../errors.js';
import { parseReportFlag } from '../../report/index.js';
import { renderPlan } from '../../report/plan.js';
import { renderSummary } from '../../report/text.js';
import { makeReportFolders } from '../../report/write.js';
import { loadLab } from '../../spec/load.js';
import { resolveLabRef } from '../../spec/locate.js';
import type { Lab, Step } from '../../spec/types.js';
import { createTarget } from '../../targets/index.js';
import { packageVersion } from '../../util/package-root.js';
import { createPaint } from '../paint.js';
import { createPrompts } from '../prompts.js';
import { deliverReports, onInterrupt } from '../run-support.js';
import { podOptionsFor, type TargetFlags, targetOptions } from '../target-options.js';

export interface RunCommandOptions extends TargetFlags {
  mode: 'run' | 'verify';
  target: string;
  set: string[];
  varsFile?: string;
  workdir?: string;
  report: string[];
  json?: boolean;
  yes?: boolean;
  color: boolean;
  verbose?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
  only?: string;
  from?: string;
  /** SSH: --identity, --known-hosts, --accept-new-host-key (src/cli/target-options.ts). */
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
  /** --hosts FILE: run on every host of an inventory at once (src/cli/commands/fleet.ts). */
  hosts?: string;
  concurrency?: number;
  /** --parallel N: several labs at once, each on its own target (src/cli/commands/parallel.ts). */
  parallel?: number;
  /** verify --watch: grade again every --interval and on file changes (src/cli/commands/watch.ts). */
  watch?: boolean;
  interval?: string;
  /** --target was given on the command line (not the default): it wins over a lab's `provision` block. */
  targetExplicit?: boolean;
  /** Provisioned host: leave it running at the end (it still ends itself at its expiry). */
  keep?: boolean;
  /** Provisioned host: refuse to launch above this estimated USD per hour. */
  maxHourlyCost?: number;
  /** --idle-stop: a lab's provision block, overriding its idle_stop (`30m`, `off`). */
  idleStop?: string;
  /** --kube-context: the kubeconfig context kubernetes checks use (as AILAB_KUBE_CONTEXT). */
  kubeContext?: string;
}

function checkStepFlags(lab: Lab, opts: RunCommandOptions): string[] | undefined {
  const ids = lab.steps.map((s) => s.id);
  const only = opts.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of [...(only ?? []), ...(opts.from ? [opts.from] : [])]) {
    if (!ids.includes(id))
      throw new UsageError(`${lab.id} has no step "${id}" (--only/--from)`, `steps: ${ids.join(', ')}`);
  }
  return only;
}

/** The exit code for a set of results: interrupted beats preflight beats failure. */
export function exitCodeFor(results: RunResult[]): number {
  if (results.some((r) => r.status === 'interrupted')) return ExitCode.interrupted;
  if (results.some((r) => r.preflight.some((p) => !p.ok))) return ExitCode.preflight;
  if (results.some((r) => r.status !== 'passed')) return ExitCode.failed;
  return ExitCode.ok;
}

/** Does this run launch a host for a `provision` block? Only `run`, and only without --target. */
function wantsHost(opts: RunCommandOptions): boolean {
  return opts.mode === 'run' && !opts.targetExplicit && !opts.hosts && !opts.watch;
}

async function provisionOf(labs: Lab[], resolved: ResolvedValues[], opts: RunCommandOptions) {
  if (!labs.some((l) => l.provision)) return undefined;
  const { provisionFor } = await import('../../provision/for-lab.js');
  const provision = provisionFor(
    labs,
    resolved.map((r) => r.values),
  );
  if (!provision || opts.idleStop === undefined) return provision;
  // --idle-stop overrides the lab's idle_stop (checked here, so an error names the flag).
  const { parseIdleStop } = await import('../../provision/idle-stop.js');
  const minutes = parseIdleStop(opts.idleStop, '--idle-stop');
  return { ...provision, def: { ...provision.def, idleStop: minutes > 0 ? `${minutes}m` : 'off' } };
}

/** The launched host; undefined when the run launches none; an exit code when it must end here (declined, interrupted). */
async function launchForRun(
  labs: Lab[],
  resolved: ResolvedValues[],
  opts: RunCommandOptions,
  prompts: ReturnType<typeof createPrompts> | undefined,
  interrupt: { signal: AbortSignal; dispose(): void },
): Promise<import('../../provision/for-lab.js').LabHost | number | undefined> {
  const provision = wantsHost(opts) ? await provisionOf(labs, resolved, opts) : undefined;
  if (!provision) return undefined;
  const { launchLabHost } = await import('../../provision/for-lab.js');
  const { WaitAborted } = await import('../../provision/net.js');
  try {
    const host = await launchLabHost(provision.lab, provision.def, {
      yes: opts.yes,
      keep: opts.keep,
      maxHourlyCost: opts.maxHourlyCost,
      signal: interrupt.signal,
      confirm: prompts?.confirm,
    });
    if (!host) {
      interrupt.dispose();
      return ExitCode.ok;
    }
    return host;
  } catch (error) {
    interrupt.dispose();
    if (error instanceof WaitAborted || interrupt.signal.aborted) {
      process.stderr.write('ailab: interrupted; the host was terminated\n');
      return ExitCode.interrupted;
    }
    throw error;
  }
}

export async function runCommand(refs: string[], opts: RunCommandOptions): Promise<number> {
  // Kubernetes checks read it from the environment, as one more default beside the kubeconfig's.
  if (opts.kubeContext) process.env.AILAB_KUBE_CONTEXT = opts.kubeContext;
  const reports = opts.report.map(parseReportFlag);
  makeReportFolders(reports.flatMap((r) => (r.file ? [r.file] : [])));
  const parallel = await import('./parallel.js');
  parallel.checkParallelFlags(opts);
  const labs = await Promise.all(refs.map(async (ref) => loadLab(resolveLabRef(ref))));
  const stepFlags = labs.map((lab) => checkStepFlags(lab, opts));
  const ci = Boolean(process.env.CI);
  const canPrompt = Boolean(process.stdin.isTTY) && !ci && !opts.json;
  const prompts = canPrompt ? createPrompts() : undefined;
  const liveStream = opts.json ? process.stderr : process.stdout;
  const paint = await createPaint(opts.color, liveStream);

  const resolved: ResolvedValues[] = [];
  for (const lab of labs) {
    resolved.push(
      await resolveValues(lab, {
        sets: opts.set,
        varsFile: opts.varsFile,
        ask: prompts && !opts.yes ? prompts.choose : undefined,
        askSecret: prompts?.secret,
      }),
    );
  }
  if (opts.dryRun) {
    for (const [i, lab] of labs.entries())
      process.stdout.write(`${renderPlan(lab, { ...resolved[i], paint })}\n`);
    const provision = wantsHost(opts) ? await provisionOf(labs, resolved, opts) : undefined;
    if (provision)
      await (await import('../../provision/for-lab.js')).dryRunLabHost(
        provision.lab,
        provision.def,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    process.stdout.write(paint.dim('(dry run: nothing was run)\n'));
    return ExitCode.ok;
  }

  if (opts.hosts)
    return (await import('./fleet.js')).fleetCommand({ labs, resolved, stepFlags, reports, opts, paint });

  if (parallel.wantsParallel(labs, opts))
    return parallel.parallelCommand({ labs, resolved, stepFlags, reports, opts, paint });

  if (opts.watch)
    return (await import('./watch.js')).watchCommand(labs[0], resolved[0], opts, reports, paint);

  const interrupt = onInterrupt(
    (signal) => `${signal}: stopping and cleaning up (press Ctrl-C again to quit at once)`,
  );
  // A lab's `provision` block launches a cloud host for `run` (not `verify`) unless --target is given.
  const launched = await launchForRun(labs, resolved, opts, prompts, interrupt);
  if (typeof launched === 'number') return launched;
  let target: Awaited<ReturnType<typeof createTarget>>;
  try {
    target = await createTarget(
      launched?.uri ?? opts.target,
      launched
        ? {
            ...targetOptions(opts, prompts, resolved),
            identity: launched.identity,
            knownHosts: launched.knownHosts,
            acceptNewHostKey: true,
          }
        : // One lab here: a k8s:// run of several labs takes the parallel path (a pod per lab).
          { ...targetOptions(opts, prompts, resolved), ...podOptionsFor(labs[0], opts) },
    );
  } catch (error) {
    await launched?.finish([]);
    interrupt.dispose();
    throw error;
  }

  const results: RunResult[] = [];
  try {
    for (const [i, lab] of labs.entries()) {
      if (interrupt.signal.aborted) break;
      const live = opts.quiet
        ? undefined
        : await (await import('../../ui/live.js')).createLiveView({
            stream: liveStream,
            paint,
            interactive: Boolean(liveStream.isTTY) && !ci,
            verbose: Boolean(opts.verbose),
          });
      try {
        const result = await runLab(lab, {
          target,
          mode: opts.mode,
          values: resolved[i].values,
          secrets: resolved[i].secrets,
          workDir: opts.workdir,
          only: stepFlags[i],
          from: opts.from,
          signal: interrupt.signal,
          onEvent: live?.onEvent,
          confirm: prompts?.confirm,
          yes: opts.yes,
          waitForManual: prompts ? (step: Step) => prompts.manual(step) : undefined,
          version: packageVersion(),
        });
        results.push(result);
        if (!opts.json) process.stdout.write(`${renderSummary(result, paint).join('\n')}\n`);
      } finally {
        live?.close();
      }
    }
  } finally {
    await target.close();
    await launched?.finish(results);
    interrupt.dispose();
  }

  await deliverReports(results, reports, { json: opts.json });
  return exitCodeFor(results);
}
