// GCP Compute Engine provider: a GPU VM (g2-standard-8 + L4 by default) from a Deep Learning VM image,
// deleted by Google after max-hours (scheduling.maxRunDuration + DELETE), an SSH key in its metadata
// and a firewall rule that lets SSH in from one address. The SDK loads here only; credentials are
// application default credentials, never printed.

import { execFile } from 'node:child_process';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProvisionError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import {
  explainGcpError,
  firewallResource,
  GCP_USER,
  instanceResource,
  LABEL,
  labelValue,
} from './gcp-inputs.js';
import { launchingHost } from './launch-spec.js';
import { lookupPublicIp, probeSshBanner, sleep, sshPort, throwIfAborted } from './net.js';
import type {
  ApiRequest,
  HostRecord,
  LaunchSpec,
  Provider,
  ProviderHooks,
  ProviderOptions,
  TaggedResource,
} from './types.js';

interface Operation {
  name?: string | null;
  status?: string | null;
  zone?: string | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
}
type Lro = { latestResponse?: Operation; name?: string };
interface GceInstance {
  name?: string | null;
  id?: string | null;
  status?: string | null;
  zone?: string | null;
  labels?: Record<string, string> | null;
  networkInterfaces?: { accessConfigs?: { natIP?: string | null }[] | null }[] | null;
}

/** The client methods the provider uses: the SDK's clients, or stand-ins in tests. */
export interface GcpClients {
  projectId(): Promise<string>;
  instances: {
    insert(request: object): Promise<[Lro, ...unknown[]]>;
    get(request: object): Promise<[GceInstance, ...unknown[]]>;
    delete(request: object): Promise<[Lro, ...unknown[]]>;
    stop(request: object): Promise<[Lro, ...unknown[]]>;
    aggregatedListAsync(request: object): AsyncIterable<[string, { instances?: GceInstance[] | null }]>;
  };
  firewalls: {
    insert(request: object): Promise<[Lro, ...unknown[]]>;
    delete(request: object): Promise<[Lro, ...unknown[]]>;
    listAsync(request: object): AsyncIterable<{ name?: string | null; description?: string | null }>;
  };
  zoneOperations: { wait(request: object): Promise<[Operation, ...unknown[]]> };
  globalOperations: { wait(request: object): Promise<[Operation, ...unknown[]]> };
}

async function sdkClients(): Promise<GcpClients> {
  const compute = await import('@google-cloud/compute');
  const instances = new compute.InstancesClient();
  return {
    projectId: () => instances.getProjectId(),
    instances: instances as unknown as GcpClients['instances'],
    firewalls: new compute.FirewallsClient() as unknown as GcpClients['firewalls'],
    zoneOperations: new compute.ZoneOperationsClient() as unknown as GcpClients['zoneOperations'],
    globalOperations: new compute.GlobalOperationsClient() as unknown as GcpClients['globalOperations'],
  };
}

/** Records --dry-run requests and answers with finished placeholder operations. */
function recordingClients(calls: ApiRequest[]): GcpClients {
  const op = (name: string) => async (input: object) => {
    calls.push({ service: 'compute', command: name, input });
    return [{ latestResponse: { name: '<operation>', status: 'DONE' } }] as [Lro];
  };
  return {
    projectId: async () => process.env.GOOGLE_CLOUD_PROJECT ?? '<your project>',
    instances: {
      insert: op('instances.insert'),
      delete: op('instances.delete'),
      stop: op('instances.stop'),
      get: async () => [{}],
      aggregatedListAsync: async function* () {},
    },
    firewalls: {
      insert: op('firewalls.insert'),
      delete: op('firewalls.delete'),
      listAsync: async function* () {},
    },
    zoneOperations: { wait: async () => [{ status: 'DONE' }] },
    globalOperations: { wait: async () => [{ status: 'DONE' }] },
  };
}

const isNotFound = (error: unknown) =>
  (error as { code?: number }).code === 404 ||
  (error as { code?: number }).code === 5 ||
  /not found/i.test(String(error));

export async function createGcpProvider(
  options: ProviderOptions = {},
  makeClients: () => Promise<GcpClients> = sdkClients,
): Promise<Provider> {
  const clients = options.dryRun ? recordingClients(options.dryRun) : await makeClients();
  const pollMs = options.pollMs ?? 5000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 15 * 60_000;
  const probeSsh = options.probeSsh ?? probeSshBanner;
  const publicIp = options.lookupPublicIp ?? lookupPublicIp;

  async function finish(lro: Lro, scope: { project: string; zone?: string }): Promise<void> {
    let op = lro.latestResponse ?? (lro as Operation);
    while (op.status !== 'DONE') {
      [op] = scope.zone
        ? await clients.zoneOperations.wait({ operation: op.name, project: scope.project, zone: scope.zone })
        : await clients.globalOperations.wait({ operation: op.name, project: scope.project });
    }
    if (op.error?.errors?.length) throw op.error;
  }

  async function sshKey(spec: LaunchSpec, host: HostRecord): Promise<string> {
    if (spec.publicKeyFile) {
      host.identityFile = spec.publicKeyFile.replace(/\.pub$/, '');
      return readFile(spec.publicKeyFile, 'utf8');
    }
    if (options.dryRun) return '<new ed25519 public key>';
    makeDirs(spec.keyDir, 0o700);
    const file = join(spec.keyDir, `${spec.runId}.pem`);
    try {
      await promisify(execFile)('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        spec.runId,
        '-f',
        file,
      ]);
    } catch (error) {
      throw new ProvisionError(
        `could not make an SSH key with ssh-keygen (${(error as Error).message})`,
        'install OpenSSH, or pass --public-key ~/.ssh/id_ed25519.pub',
      );
    }
    await chmod(file, 0o400);
    host.identityFile = file;
    return readFile(`${file}.pub`, 'utf8');
  }

  async function launch(spec: LaunchSpec, hooks: ProviderHooks): Promise<HostRecord> {
    const project = spec.project ?? process.env.GOOGLE_CLOUD_PROJECT ?? (await clients.projectId());
    const host = launchingHost(spec, GCP_USER, { zone: spec.zone, project });
    try {
      const ip = await publicIp();
      const publicKey = await sshKey(spec, host);
      throwIfAborted(hooks.signal);
      const [fw] = await clients.firewalls.insert({ project, firewallResource: firewallResource(spec, ip) });
      host.firewallRule = spec.runId;
      await hooks.record({ ...host });
      await finish(fw, { project });
      throwIfAborted(hooks.signal);
      const [op] = await clients.instances.insert({
        project,
        zone: spec.zone,
        instanceResource: instanceResource(spec, publicKey),
      });
      host.instanceId = spec.runId;
      await hooks.record({ ...host });
      await finish(op, { project, zone: spec.zone });
      return host;
    } catch (error) {
      throw explainGcpError(error, spec);
    }
  }

  async function waitReady(host: HostRecord, hooks: ProviderHooks): Promise<HostRecord> {
    const deadline = Date.now() + readyTimeoutMs;
    const ready = { ...host };
    hooks.log?.(`waiting for ${host.name} to run`);
    for (;;) {
      const [vm] = await clients.instances.get({
        project: host.project,
        zone: host.zone,
        instance: host.name,
      });
      const natIP = vm.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP;
      if (vm.status === 'RUNNING' && natIP) {
        ready.address = natIP;
        break;
      }
      if (vm.status === 'TERMINATED' || vm.status === 'STOPPING')
        throw new ProvisionError(`${host.name} stopped while starting (${vm.status})`);
      if (Date.now() > deadline)
        throw new ProvisionError(`${host.name} did not start in time (${vm.status})`);
      await sleep(pollMs, hooks.signal);
    }
    await hooks.record({ ...ready });
    hooks.log?.(`waiting for SSH on ${ready.address}`);
    while (!(await probeSsh(ready.address!, sshPort()))) {
      if (Date.now() > deadline)
        throw new ProvisionError(`${host.name}: SSH does not answer on ${ready.address}`);
      await sleep(pollMs, hooks.signal);
    }
    ready.status = 'running';
    ready.pid = undefined;
    await hooks.record({ ...ready });
    return ready;
  }

  async function stop(host: HostRecord): Promise<void> {
    const [op] = await clients.instances.stop({
      project: host.project,
      zone: host.zone,
      instance: host.name,
    });
    await finish(op, { project: host.project!, zone: host.zone });
  }

  async function deleteInstance(project: string, zone: string, name: string): Promise<void> {
    try {
      const [op] = await clients.instances.delete({ project, zone, instance: name });
      await finish(op, { project, zone });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async function deleteFirewall(project: string, name: string): Promise<void> {
    try {
      const [op] = await clients.firewalls.delete({ project, firewall: name });
      await finish(op, { project });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async function terminate(host: HostRecord, hooks?: Pick<ProviderHooks, 'log'>): Promise<void> {
    const project = host.project ?? (await clients.projectId());
    // The insert may have reached Google even if its answer did not reach ailab: delete by name.
    hooks?.log?.(`deleting ${host.name}`);
    await deleteInstance(project, host.zone!, host.name);
    if (host.firewallRule) {
      hooks?.log?.(`deleting firewall rule ${host.firewallRule}`);
      await deleteFirewall(project, host.firewallRule);
    }
    if (host.identityFile?.endsWith(`${host.name}.pem`)) {
      await rm(host.identityFile, { force: true });
      await rm(`${host.identityFile}.pub`, { force: true });
    }
  }

  async function listByTag(regions: string[]): Promise<TaggedResource[]> {
    const project = process.env.GOOGLE_CLOUD_PROJECT ?? (await clients.projectId());
    const found: TaggedResource[] = [];
    for await (const [scope, list] of clients.instances.aggregatedListAsync({
      project,
      filter: `labels.${LABEL.runId}:*`,
    })) {
      const zone = scope.replace(/^zones\//, '');
      const region = zone.replace(/-[a-z]$/, '');
      if (regions.length && !regions.includes(region)) continue;
      for (const vm of list.instances ?? []) {
        const expires = vm.labels?.[LABEL.expiresAt];
        found.push({
          cloud: 'gcp',
          kind: 'instance',
          id: vm.name!,
          label: vm.name!,
          region,
          zone,
          project,
          state: vm.status ?? undefined,
          runId: vm.labels?.[LABEL.runId],
          owner: vm.labels?.[LABEL.owner],
          expiresAt: expires ? new Date(Number(expires) * 1000).toISOString() : undefined,
        });
      }
    }
    for await (const rule of clients.firewalls.listAsync({ project, filter: 'name = "ailab-*"' })) {
      if (!rule.name?.startsWith('ailab-')) continue;
      const owner = /owner (\S+);/.exec(rule.description ?? '')?.[1];
      const expiresAt = /expires (\S+)$/.exec(rule.description ?? '')?.[1];
      found.push({
        cloud: 'gcp',
        kind: 'firewall',
        id: rule.name,
        label: rule.name,
        region: 'global',
        project,
        runId: rule.name,
        owner: owner ? labelValue(owner) : undefined,
        expiresAt,
      });
    }
    return found;
  }

  async function remove(resource: TaggedResource): Promise<void> {
    const project = resource.project ?? (await clients.projectId());
    if (resource.kind === 'instance') await deleteInstance(project, resource.zone!, resource.id);
    else if (resource.kind === 'firewall') await deleteFirewall(project, resource.id);
  }

  return { cloud: 'gcp', launch, waitReady, stop, terminate, listByTag, remove };
}
