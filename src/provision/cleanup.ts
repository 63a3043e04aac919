// `ailab cleanup`: the sweeper (cloud-nuke style, but only for what ailab tagged). First the state
// file: a record whose launching process died (a crash) or whose host is past its expiry is
// terminated with everything ailab made for it. Then each cloud, by tag: an instance past its expiry
// or unknown to the state file (ailab lost track of it), and a key pair or security group whose run
// has no live instance. Only resources of this owner (user@machine) unless `anyOwner`.
import { labelValue } from './gcp-inputs.js';
import { releaseHost } from './lifecycle.js';
import { isAbandoned, readHosts } from './state.js';
import type { CloudName, HostRecord, Provider, TaggedResource } from './types.js';

export interface CleanupPlan {
  hosts: { host: HostRecord; reason: string }[];
  resources: { resource: TaggedResource; reason: string }[];
}

export interface CleanupOptions {
  regions: string[];
  owner: string;
  anyOwner?: boolean;
  now?: Date;
}

function expired(expiresAt: string | undefined, now: Date): boolean {
  return expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
}

/** What cleanup would remove on one cloud, and why; lists by tag but changes nothing. */
export async function planCleanup(provider: Provider, options: CleanupOptions): Promise<CleanupPlan> {
  const now = options.now ?? new Date();
  const records = (await readHosts()).filter((h) => h.cloud === provider.cloud);
  const hosts: CleanupPlan['hosts'] = [];
  for (const host of records) {
    if (isAbandoned(host)) hosts.push({ host, reason: 'ailab stopped while launching it (crash or kill)' });
    else if (expired(host.expiresAt, now)) hosts.push({ host, reason: `expired at ${host.expiresAt}` });
  }
  const handled = new Set(hosts.map((h) => h.host.name));
  const kept = new Set(records.filter((h) => !handled.has(h.name)).map((h) => h.name));
  const regions = [...new Set([...options.regions, ...records.map((h) => h.region)])];
  const found = (await provider.listByTag(regions)).filter(
    (r) =>
      (options.anyOwner || r.owner === options.owner || r.owner === labelValue(options.owner)) &&
      !(r.runId && handled.has(r.runId)),
  );
  const liveRuns = new Set(
    found.filter((r) => r.kind === 'instance' && r.state !== 'terminated').map((r) => r.runId),
  );
  const resources: CleanupPlan['resources'] = [];
  for (const resource of found) {
    if (expired(resource.expiresAt, now))
      resources.push({ resource, reason: `expired at ${resource.expiresAt}` });
    else if (resource.kind === 'instance' && !kept.has(resource.runId ?? ''))
      resources.push({ resource, reason: 'not in ailab state: orphaned' });
    else if (resource.kind !== 'instance' && !liveRuns.has(resource.runId) && !kept.has(resource.runId ?? ''))
      resources.push({ resource, reason: 'its host is gone: orphaned' });
  }
  // Instances first: a security group cannot go while its instance still runs.
  const order = { instance: 0, firewall: 1, 'security-group': 2, 'key-pair': 3 } as const;
  resources.sort((a, b) => order[a.resource.kind] - order[b.resource.kind]);
  return { hosts, resources };
}

/** Remove what the plan names; returns one line per removal (or failure). */
export async function runCleanup(
  provider: Provider,
  plan: CleanupPlan,
  log: (line: string) => void = () => {},
): Promise<{ removed: number; failed: number }> {
  let removed = 0;
  let failed = 0;
  for (const { host, reason } of plan.hosts) {
    try {
      await releaseHost(provider, host, { log });
      log(`removed host ${host.name} (${reason})`);
      removed++;
    } catch (error) {
      log(`could not remove host ${host.name}: ${(error as Error).message}`);
      failed++;
    }
  }
  for (const { resource, reason } of plan.resources) {
    try {
      await provider.remove(resource);
      log(`removed ${resource.kind} ${resource.id} in ${resource.zone ?? resource.region} (${reason})`);
      removed++;
    } catch (error) {
      log(`could not remove ${resource.kind} ${resource.id}: ${(error as Error).message}`);
      failed++;
    }
  }
  return { removed, failed };
}

export function describePlan(cloud: CloudName, plan: CleanupPlan): string[] {
  return [
    ...plan.hosts.map(
      ({ host, reason }) =>
        `${cloud} host ${host.name} ${host.instanceId ?? ''} in ${host.region}: ${reason}`,
    ),
    ...plan.resources.map(
      ({ resource: r, reason }) =>
        `${cloud} ${r.kind} ${r.id} (${r.label}) in ${r.zone ?? r.region}: ${reason}`,
    ),
  ];
}
