// `ailab cleanup`: remove every ailab-tagged resource past its expiry or orphaned, on each cloud
// (see src/provision/cleanup.ts). --dry-run lists them and removes nothing.
import { ExitCode, UsageError } from '../../errors.js';
import { describePlan, planCleanup, runCleanup } from '../../provision/cleanup.js';
import { cloudNames, createProvider, isCloudName } from '../../provision/index.js';
import { currentOwner } from '../../provision/launch-spec.js';
import { loadPrices } from '../../provision/prices.js';
import { readHosts } from '../../provision/state.js';
import type { CloudName } from '../../provision/types.js';

export interface CleanupCommandOptions {
  cloud: string[];
  region: string[];
  dryRun?: boolean;
  anyOwner?: boolean;
}

export async function cleanupCommand(opts: CleanupCommandOptions): Promise<number> {
  for (const c of opts.cloud)
    if (!isCloudName(c)) throw new UsageError(`--cloud must be aws or gcp, not "${c}"`);
  // Without --cloud: the clouds the state file names, or AWS and GCP when it names none.
  const recorded = [...new Set((await readHosts()).map((h) => h.cloud))];
  const clouds = (opts.cloud.length ? opts.cloud : recorded.length ? recorded : cloudNames) as CloudName[];
  let failed = 0;
  let total = 0;
  for (const cloud of clouds) {
    const provider = await createProvider(cloud);
    // GCP lists every zone in one aggregated call; AWS is asked region by region.
    const regions = opts.region.length
      ? opts.region
      : cloud === 'gcp'
        ? []
        : [loadPrices().clouds[cloud].defaultRegion];
    let plan: Awaited<ReturnType<typeof planCleanup>>;
    try {
      plan = await planCleanup(provider, { regions, owner: currentOwner(), anyOwner: opts.anyOwner });
    } catch (error) {
      process.stderr.write(`${cloud}: could not list resources: ${(error as Error).message}\n`);
      failed++;
      continue;
    }
    const lines = describePlan(cloud, plan);
    total += lines.length;
    if (opts.dryRun) {
      for (const line of lines) process.stdout.write(`would remove: ${line}\n`);
      continue;
    }
    const result = await runCleanup(provider, plan, (line) => process.stdout.write(`${line}\n`));
    failed += result.failed;
  }
  if (total === 0) process.stdout.write('nothing to clean up\n');
  else if (opts.dryRun) process.stdout.write('dry run: nothing was removed\n');
  return failed ? ExitCode.failed : ExitCode.ok;
}
