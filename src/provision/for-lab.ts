// A lab's `provision` block in `ailab run`: launch the host (after the estimate and a confirmation),
// hand back its SSH target, and terminate it at the end — after success, failure, Ctrl-C or SIGTERM
// (the run's interrupt signal aborts the wait). `--keep` leaves it running until its expiry.
// An explicit --target wins over the block; `verify`, --hosts and --watch never launch anything.
import { join } from 'node:path';
import type { RunResult } from '../engine/result.js';
import { UsageError } from '../errors.js';
import { evaluateCondition, parseCondition } from '../spec/condition.js';
import { interpolate } from '../spec/interpolate.js';
import type { Lab, ProvisionDef } from '../spec/types.js';
import { DEFAULT_LAB_IDLE_STOP_MINUTES, describeIdleStop, formatMinutes } from './idle-stop.js';
import { createProvider, isCloudName } from './index.js';
import { normalizeLaunch } from './launch-spec.js';
import { provisionHost, releaseHost } from './lifecycle.js';
import { sshPort } from './net.js';
import { checkHourlyCost, estimateCost, formatEstimate } from './prices.js';
import { keysDir } from './state.js';
import type { ApiRequest, HostRecord, LaunchSpec, Provider } from './types.js';

export interface LabHostOptions {
  yes?: boolean;
  keep?: boolean;
  maxHourlyCost?: number;
  signal?: AbortSignal;
  /** Ask on a terminal (undefined: no terminal, so --yes is required). */
  confirm?: (question: string) => Promise<boolean>;
  log?: (line: string) => void;
}

/** A launched host for the run: its SSH target, and `finish` to terminate it (or keep it). */
export interface LabHost {
  host: HostRecord;
  uri: string;
  identity?: string;
  knownHosts: string;
  /** Terminate (unless --keep) and put cost and host into each result. Safe to call twice. */
  finish(results: RunResult[]): Promise<void>;
}

/**
 * The first lab's provision block whose `when` holds, placeholders filled from its resolved values
 * (a week-1 `when: method == ailab` launches nothing for the other methods).
 */
export function provisionFor(
  labs: Lab[],
  values: Record<string, string>[],
): { lab: Lab; def: ProvisionDef } | undefined {
  const i = labs.findIndex((l, j) => l.provision && applies(l.provision.when, values[j]));
  if (i < 0) return undefined;
  const raw = labs[i].provision!;
  const fill = (v: string | undefined) => (v === undefined ? undefined : interpolate(v, values[i], 'raw'));
  const cloud = fill(raw.cloud)!;
  const instanceType =
    typeof raw.instanceType === 'object' ? raw.instanceType[cloud as 'aws' | 'gcp'] : raw.instanceType;
  const spot = typeof raw.spot === 'string' ? fill(raw.spot) : raw.spot;
  if (typeof spot === 'string' && spot !== 'true' && spot !== 'false')
    throw new UsageError(`${labs[i].id}: provision.spot is "${spot}"`, 'it must be true or false');
  const def: ProvisionDef = {
    ...raw,
    cloud,
    gpu: fill(raw.gpu),
    instanceType: fill(instanceType),
    spot: typeof spot === 'string' ? spot === 'true' : spot,
    region: fill(raw.region),
    zone: fill(raw.zone),
    project: fill(raw.project),
    user: fill(raw.user),
  };
  return { lab: labs[i], def };
}

/** A `when` that does not parse launches nothing (lint reports it). */
function applies(when: string | undefined, values: Record<string, string>): boolean {
  if (!when) return true;
  const condition = parseCondition(when);
  return typeof condition !== 'string' && evaluateCondition(condition, values);
}

function launchSpec(lab: Lab, def: ProvisionDef): LaunchSpec {
  if (!isCloudName(def.cloud))
    throw new UsageError(
      `${lab.id}: provision.cloud is "${def.cloud}"`,
      'it must be aws or gcp (--set cloud=aws when it comes from a choice)',
    );
  const spec = normalizeLaunch({
    cloud: def.cloud,
    gpu: def.gpu,
    // Filled by provisionFor: one type for the chosen cloud, spot a boolean.
    instanceType: typeof def.instanceType === 'string' ? def.instanceType : undefined,
    region: def.region,
    zone: def.zone,
    project: def.project,
    spot: def.spot === true,
    maxHours: def.maxHours,
    diskGb: def.diskGb,
    lab: lab.id,
    // On by default: ailab's own SSH connection keeps the host busy while the run goes on, so it
    // only ends a host that ailab (or the laptop) left behind, long before max_hours.
    idleStop: def.idleStop ?? `${DEFAULT_LAB_IDLE_STOP_MINUTES}m`,
    idleStopOption: `${lab.id}: provision.idle_stop`,
  });
  spec.hourlyUsd = estimateCost(spec)?.hourlyUsd;
  return spec;
}

function describeLaunch(spec: LaunchSpec, log: (line: string) => void): void {
  const estimate = estimateCost(spec);
  log(
    `provision: ${spec.cloud} ${spec.instanceType} (${spec.gpu}) in ${spec.zone ?? spec.region}, ${spec.diskGb} GB disk, ${spec.spot ? 'spot' : 'on-demand'}`,
  );
  log(
    estimate
      ? `  cost: ${formatEstimate(estimate, spec)}`
      : `  cost: no price known for ${spec.instanceType}`,
  );
  log(`  dead-man's switch: the host ends itself at ${spec.expiresAt}`);
  log(`  ${describeIdleStop(spec.idleStopMinutes, 'idle_stop: off in the provision block')}`);
}

/** `ailab run --dry-run` of a lab with a provision block: the API requests, nothing sent. */
export async function dryRunLabHost(
  lab: Lab,
  def: ProvisionDef,
  out: (line: string) => void,
  log: (line: string) => void,
): Promise<void> {
  const spec = launchSpec(lab, def);
  describeLaunch(spec, log);
  const requests: ApiRequest[] = [];
  const provider = await createProvider(spec.cloud, {
    dryRun: requests,
    lookupPublicIp: async () => process.env.AILAB_PUBLIC_IP ?? '<your public IP>',
  });
  await provider.launch(spec, { record: async () => {} });
  const { formatRequest } = await import('../cli/commands/up.js');
  for (const request of requests) out(formatRequest(request));
  out('# then: wait for SSH, run the lab on the host over SSH, and terminate it at the end');
}

/**
 * Launch the host for a run. Refuses (usage error, before any request) without --yes when there is
 * no terminal to confirm on; returns undefined when the learner declines.
 */
export async function launchLabHost(
  lab: Lab,
  def: ProvisionDef,
  options: LabHostOptions,
): Promise<LabHost | undefined> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const spec = launchSpec(lab, def);
  describeLaunch(spec, log);
  checkHourlyCost(estimateCost(spec), options.maxHourlyCost ?? def.maxHourlyCost, spec.instanceType);
  if (!options.yes) {
    if (!options.confirm)
      throw new UsageError(
        `${lab.id} launches a cloud host, which costs money: pass --yes to launch without a terminal to confirm on`,
        'or pass --target to run on a host you already have',
      );
    if (!(await options.confirm(`Launch ${spec.instanceType} on ${spec.cloud} for ${lab.id} now?`))) {
      log('nothing launched');
      return undefined;
    }
  }
  const provider: Provider = await createProvider(spec.cloud);
  const launchedAt = Date.now();
  const ready = await provisionHost(provider, spec, {
    signal: options.signal,
    log: (line) => log(`  ${line}`),
  });
  const host: HostRecord = def.user ? { ...ready, user: def.user } : ready;
  const port = sshPort();
  let finished = false;
  return {
    host,
    uri: `ssh://${host.user}@${host.address}${port === 22 ? '' : `:${port}`}`,
    identity: host.identityFile,
    // A new host's key is new by definition: trust it on first sight, in a file of its own.
    knownHosts: join(keysDir(), `${host.name}.known_hosts`),
    async finish(results) {
      if (finished) return;
      finished = true;
      let terminated = false;
      if (options.keep) {
        log(`kept: ${host.name} (${host.instanceType} at ${host.address}) ends itself at ${host.expiresAt}`);
        if (spec.idleStopMinutes)
          log(
            `  or sooner: after ${formatMinutes(spec.idleStopMinutes)} with no SSH session and no busy GPU (its idle stop; idle_stop: off in the lab turns it off)`,
          );
        log(`  stop paying sooner with: ailab down ${host.name}`);
      } else {
        log(`terminating ${host.name} (${host.instanceId})`);
        try {
          await releaseHost(provider, host, { log: (line) => log(`  ${line}`) });
          terminated = true;
        } catch (error) {
          log(
            `could not terminate ${host.name}: ${(error as Error).message}; run \`ailab down ${host.name}\` or \`ailab cleanup\``,
          );
        }
      }
      const hours = (Date.now() - launchedAt) / 3_600_000;
      for (const result of results) {
        result.provisioned = {
          cloud: host.cloud,
          name: host.name,
          instanceId: host.instanceId,
          region: host.region,
          terminated,
          expiresAt: terminated ? undefined : host.expiresAt,
        };
        if (spec.hourlyUsd !== undefined)
          result.cost = {
            estimatedUsd: Math.round(spec.hourlyUsd * hours * 10_000) / 10_000,
            hourlyUsd: Math.round(spec.hourlyUsd * 10_000) / 10_000,
            instanceType: host.instanceType,
            cloud: host.cloud,
            spot: host.spot,
          };
      }
    },
  };
}
