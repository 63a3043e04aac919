// `ailab up`: launch a GPU host on AWS or GCP and print it as an SSH target. The estimate comes first,
// then a question on a terminal (or --yes); Ctrl-C or SIGTERM while launching or waiting terminates
// what was created and exits 130. --dry-run prints the exact API requests and launches nothing.
import { ExitCode, UsageError } from '../../errors.js';
import { describeIdleStop, formatMinutes } from '../../provision/idle-stop.js';
import { createProvider, isCloudName } from '../../provision/index.js';
import { normalizeLaunch } from '../../provision/launch-spec.js';
import { provisionHost } from '../../provision/lifecycle.js';
import { WaitAborted } from '../../provision/net.js';
import { checkHourlyCost, estimateCost, formatEstimate } from '../../provision/prices.js';
import { sshTarget } from '../../provision/state.js';
import type { ApiRequest, HostRecord } from '../../provision/types.js';

export interface UpOptions {
  cloud?: string;
  gpu?: string;
  instanceType?: string;
  region?: string;
  zone?: string;
  project?: string;
  spot?: boolean;
  maxHours?: number;
  maxHourlyCost?: number;
  diskGb?: number;
  publicKey?: string;
  /** `30m`, `2h`, `off`: the host shuts itself down after this long idle (default: off). */
  idleStop?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);

/**
 * A request as --dry-run prints it: binary fields (a public key) as text, and EC2 user data (sent
 * base64-encoded) decoded after it, so the script the host will run can be read.
 */
export function formatRequest(request: ApiRequest): string {
  const input = JSON.stringify(
    request.input,
    (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value),
    2,
  );
  const userData = (request.input as { UserData?: unknown } | undefined)?.UserData;
  const decoded =
    typeof userData === 'string'
      ? `\n# UserData, base64-decoded:\n${Buffer.from(userData, 'base64').toString('utf8').trimEnd()}`
      : '';
  return `${request.service} ${request.command} ${input}${decoded}`;
}

export async function upCommand(opts: UpOptions): Promise<number> {
  if (!opts.cloud || !isCloudName(opts.cloud))
    throw new UsageError(`--cloud must be aws or gcp${opts.cloud ? `, not "${opts.cloud}"` : ''}`);
  const spec = normalizeLaunch({
    cloud: opts.cloud,
    gpu: opts.gpu,
    instanceType: opts.instanceType,
    region: opts.region,
    zone: opts.zone,
    project: opts.project,
    spot: opts.spot,
    maxHours: opts.maxHours,
    diskGb: opts.diskGb,
    publicKeyFile: opts.publicKey,
    idleStop: opts.idleStop,
    idleStopOption: '--idle-stop',
  });
  const estimate = estimateCost(spec);
  spec.hourlyUsd = estimate?.hourlyUsd;
  const where = spec.zone ?? spec.region;
  err(
    `${spec.cloud} ${spec.instanceType} (${spec.gpu}) in ${where}, ${spec.diskGb} GB disk, ${spec.spot ? 'spot' : 'on-demand'}`,
  );
  err(estimate ? `cost: ${formatEstimate(estimate, spec)}` : `cost: no price known for ${spec.instanceType}`);
  err(`dead-man's switch: the host ends itself at ${spec.expiresAt} (--max-hours ${spec.maxHours})`);
  err(describeIdleStop(spec.idleStopMinutes, '--idle-stop 30m sets one'));
  checkHourlyCost(estimate, opts.maxHourlyCost, spec.instanceType);

  if (opts.dryRun) {
    const requests: ApiRequest[] = [];
    const provider = await createProvider(spec.cloud, {
      dryRun: requests,
      lookupPublicIp: async () => process.env.AILAB_PUBLIC_IP ?? '<your public IP>',
    });
    await provider.launch(spec, { record: async () => {} });
    for (const request of requests) process.stdout.write(`${formatRequest(request)}\n`);
    process.stdout.write(
      `# then: poll until the host runs${spec.cloud === 'aws' ? ' and passes its status checks' : ''}, and SSH answers on port 22\n# dry run: nothing was launched\n`,
    );
    return ExitCode.ok;
  }

  if (!opts.yes) {
    if (!process.stdin.isTTY || !process.stdout.isTTY)
      throw new UsageError(
        'launching a cloud host costs money: pass --yes to launch without a terminal to confirm on',
      );
    const { createPrompts } = await import('../prompts.js');
    if (!(await createPrompts().confirm(`Launch ${spec.instanceType} on ${spec.cloud} now?`))) {
      err('nothing launched');
      return ExitCode.ok;
    }
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      err(`\nailab: ${signal}: stopping the launch and terminating what was created`);
      controller.abort();
    } else if (interrupts === 2) {
      err('ailab: still terminating; press Ctrl-C again to quit anyway (then run `ailab cleanup`)');
    } else process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let host: HostRecord;
  try {
    const provider = await createProvider(spec.cloud);
    host = await provisionHost(provider, spec, {
      signal: controller.signal,
      log: (line) => err(`  ${line}`),
    });
  } catch (error) {
    if (error instanceof WaitAborted || controller.signal.aborted) {
      err('ailab: interrupted; the host was terminated');
      return ExitCode.interrupted;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (opts.json) process.stdout.write(`${JSON.stringify(host, null, 2)}\n`);
  else process.stdout.write(`${sshTarget(host)}\n`);
  const identity = host.identityFile ? ` --identity ${host.identityFile}` : '';
  err(`ready: ${host.name}, ${host.instanceType} at ${host.address}`);
  err(`  ailab run week-01 --target ${sshTarget(host)}${identity} --accept-new-host-key`);
  err(`  ssh${host.identityFile ? ` -i ${host.identityFile}` : ''} ${host.user}@${host.address}`);
  err(`it ends itself at ${host.expiresAt}; stop paying sooner with: ailab down ${host.name}`);
  if (spec.idleStopMinutes)
    err(
      `it also shuts itself down after ${formatMinutes(spec.idleStopMinutes)} with no SSH session and no busy GPU (${spec.cloud === 'aws' ? 'which terminates it' : 'it stops; the disk bills until ailab down or ailab cleanup'})`,
    );
  return ExitCode.ok;
}
