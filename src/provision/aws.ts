// AWS EC2 provider: the Deep Learning AMI, a key pair, a security group that lets SSH in from one
// address, and one tagged GPU instance that terminates itself after max-hours. The SDK loads here
// only; credentials come from its default chain (profiles, env, SSO) and are never printed.

import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvisionError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import {
  ailabInstanceFilters,
  createKeyPairInput,
  createSecurityGroupInput,
  DLAMI_SSM_PARAMETER,
  DLAMI_USER,
  describeImagesByNameInput,
  explainAwsError,
  importKeyPairInput,
  runInstancesInput,
  sshIngressInput,
  TAG,
} from './aws-inputs.js';
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

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
type SsmSdk = typeof import('@aws-sdk/client-ssm');
// biome-ignore lint/suspicious/noExplicitAny: commands of two SDKs go through one send
type AnyCommand = { input: any; constructor: { name: string } };
// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field below
type Sender = { send(command: AnyCommand): Promise<any> };

async function loadSdks(): Promise<{ ec2: Ec2Sdk; ssm: SsmSdk }> {
  // The SDK warns on every client on Node 20; the warning is about its own future support policy.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [ec2, ssm] = await Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-ssm')]);
  return { ec2, ssm };
}

/** Answers --dry-run requests with placeholders, recording each one. */
function recorder(service: string, calls: ApiRequest[]): Sender {
  return {
    async send(command) {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push({ service, command: name, input: command.input });
      switch (name) {
        case 'GetParameter':
          return { Parameter: { Value: '<AMI id from the SSM parameter>' } };
        case 'DescribeImages':
          return { Images: [{ ImageId: '<AMI id>', RootDeviceName: '/dev/sda1', CreationDate: '' }] };
        case 'CreateKeyPair':
          return { KeyName: command.input.KeyName, KeyMaterial: '' };
        case 'CreateSecurityGroup':
          return { GroupId: '<new security group id>' };
        case 'RunInstances':
          return { Instances: [{ InstanceId: '<new instance id>', State: { Name: 'pending' } }] };
        default:
          return {};
      }
    },
  };
}

export async function createAwsProvider(options: ProviderOptions = {}): Promise<Provider> {
  const { ec2, ssm } = await loadSdks();
  const ec2Clients = new Map<string, Sender>();
  const ssmClients = new Map<string, Sender>();
  const pollMs = options.pollMs ?? 5000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 15 * 60_000;
  const probeSsh = options.probeSsh ?? probeSshBanner;
  const publicIp = options.lookupPublicIp ?? lookupPublicIp;

  // AILAB_TEST_EC2_ENDPOINT points the SDK at a stand-in EC2 (tests of the whole CLI); never set otherwise.
  const endpoint = process.env.AILAB_TEST_EC2_ENDPOINT || undefined;
  const cached = (clients: Map<string, Sender>, region: string, make: () => unknown): Sender => {
    const client = clients.get(region) ?? (make() as Sender);
    clients.set(region, client);
    return client;
  };
  const ec2For = (region: string): Sender =>
    options.dryRun
      ? recorder('EC2', options.dryRun)
      : cached(ec2Clients, region, () => new ec2.EC2Client({ region, endpoint }));
  const ssmFor = (region: string): Sender =>
    options.dryRun
      ? recorder('SSM', options.dryRun)
      : cached(ssmClients, region, () => new ssm.SSMClient({ region, endpoint }));

  async function findImage(spec: LaunchSpec): Promise<{ imageId: string; rootDevice: string }> {
    const client = ec2For(spec.region);
    let imageId: string | undefined;
    try {
      const out = await ssmFor(spec.region).send(new ssm.GetParameterCommand({ Name: DLAMI_SSM_PARAMETER }));
      imageId = out?.Parameter?.Value;
    } catch {
      // No ssm:GetParameter permission, or the parameter moved: look the AMI up by name below.
    }
    const out = await client.send(
      new ec2.DescribeImagesCommand(imageId ? { ImageIds: [imageId] } : describeImagesByNameInput()),
    );
    const images = [...(out?.Images ?? [])].sort((a, b) =>
      String(b.CreationDate ?? '').localeCompare(String(a.CreationDate ?? '')),
    );
    const image = images[0];
    if (!image?.ImageId)
      throw new ProvisionError(
        `no Deep Learning GPU AMI found in ${spec.region}`,
        'try another --region (the DLAMI is published in every commercial region)',
      );
    return { imageId: image.ImageId, rootDevice: image.RootDeviceName ?? '/dev/sda1' };
  }

  async function createKey(spec: LaunchSpec, host: HostRecord): Promise<void> {
    const client = ec2For(spec.region);
    if (spec.publicKeyFile) {
      const publicKey = await readFile(spec.publicKeyFile, 'utf8');
      await client.send(new ec2.ImportKeyPairCommand(importKeyPairInput(spec, publicKey)));
      host.keyName = spec.runId;
      host.identityFile = spec.publicKeyFile.replace(/\.pub$/, '');
      return;
    }
    const out = await client.send(new ec2.CreateKeyPairCommand(createKeyPairInput(spec)));
    host.keyName = out?.KeyName ?? spec.runId;
    if (options.dryRun) return;
    makeDirs(spec.keyDir, 0o700);
    const file = join(spec.keyDir, `${spec.runId}.pem`);
    await writeFile(file, out?.KeyMaterial ?? '', { mode: 0o400 });
    await chmod(file, 0o400);
    host.identityFile = file;
  }

  async function launch(spec: LaunchSpec, hooks: ProviderHooks): Promise<HostRecord> {
    const client = ec2For(spec.region);
    const host = launchingHost(spec, DLAMI_USER);
    try {
      const ip = await publicIp();
      const image = await findImage(spec);
      throwIfAborted(hooks.signal);
      await createKey(spec, host);
      await hooks.record({ ...host });
      throwIfAborted(hooks.signal);
      const group = await client.send(new ec2.CreateSecurityGroupCommand(createSecurityGroupInput(spec)));
      host.securityGroupId = group?.GroupId;
      await hooks.record({ ...host });
      await client.send(
        new ec2.AuthorizeSecurityGroupIngressCommand(sshIngressInput(host.securityGroupId!, ip)),
      );
      throwIfAborted(hooks.signal);
      const out = await client.send(
        new ec2.RunInstancesCommand(
          runInstancesInput(spec, {
            ...image,
            keyName: host.keyName!,
            securityGroupId: host.securityGroupId!,
          }) as ConstructorParameters<Ec2Sdk['RunInstancesCommand']>[0],
        ),
      );
      host.instanceId = out?.Instances?.[0]?.InstanceId;
      await hooks.record({ ...host });
      return host;
    } catch (error) {
      throw explainAwsError(error, spec);
    }
  }

  async function describe(host: HostRecord) {
    const out = await ec2For(host.region).send(
      new ec2.DescribeInstancesCommand({ InstanceIds: [host.instanceId!] }),
    );
    return out?.Reservations?.[0]?.Instances?.[0];
  }

  async function waitReady(host: HostRecord, hooks: ProviderHooks): Promise<HostRecord> {
    const deadline = Date.now() + readyTimeoutMs;
    const ready = { ...host };
    const timeLeft = (what: string) => {
      if (Date.now() > deadline)
        throw new ProvisionError(
          `${host.name} (${host.instanceId}) did not become ready in ${Math.round(readyTimeoutMs / 60_000)} min: ${what}`,
        );
    };
    hooks.log?.(`waiting for ${host.instanceId} to run`);
    for (;;) {
      const instance = await describe(host);
      const state = instance?.State?.Name;
      if (state === 'running' && instance?.PublicIpAddress) {
        ready.address = instance.PublicIpAddress;
        break;
      }
      if (state === 'terminated' || state === 'shutting-down') {
        const reason = instance?.StateReason?.Message ?? instance?.StateTransitionReason ?? 'no reason given';
        throw new ProvisionError(`${host.instanceId} ended while starting: ${reason}`);
      }
      if (state === 'running' && !instance?.PublicIpAddress)
        throw new ProvisionError(
          `${host.instanceId} has no public IP address`,
          "the region's default VPC subnet must assign public IPs (or use a region with a default VPC)",
        );
      timeLeft(`still ${state ?? 'unknown'}`);
      await sleep(pollMs, hooks.signal);
    }
    await hooks.record({ ...ready });
    hooks.log?.(`waiting for ${host.instanceId} to pass its status checks`);
    for (;;) {
      const out = await ec2For(host.region).send(
        new ec2.DescribeInstanceStatusCommand({ InstanceIds: [host.instanceId!], IncludeAllInstances: true }),
      );
      const status = out?.InstanceStatuses?.[0];
      if (status?.InstanceStatus?.Status === 'ok' && status?.SystemStatus?.Status === 'ok') break;
      timeLeft('status checks not passed');
      await sleep(pollMs, hooks.signal);
    }
    hooks.log?.(`waiting for SSH on ${ready.address}`);
    while (!(await probeSsh(ready.address!, sshPort()))) {
      timeLeft('SSH does not answer');
      await sleep(pollMs, hooks.signal);
    }
    ready.status = 'running';
    ready.pid = undefined;
    await hooks.record({ ...ready });
    return ready;
  }

  async function stop(host: HostRecord): Promise<void> {
    if (!host.instanceId) return;
    await ec2For(host.region).send(new ec2.StopInstancesCommand({ InstanceIds: [host.instanceId] }));
  }

  /** Every live instance of this run: the recorded one, and any whose RunInstances answer was lost. */
  async function instancesOf(host: HostRecord): Promise<string[]> {
    const ids = new Set<string>(host.instanceId ? [host.instanceId] : []);
    const out = await ec2For(host.region).send(
      new ec2.DescribeInstancesCommand({ Filters: ailabInstanceFilters(host.name) }),
    );
    for (const r of out?.Reservations ?? [])
      for (const i of r.Instances ?? []) if (i.InstanceId) ids.add(i.InstanceId);
    return [...ids];
  }

  async function waitTerminated(region: string, ids: string[]): Promise<void> {
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      const out = await ec2For(region).send(new ec2.DescribeInstancesCommand({ InstanceIds: ids }));
      const states = (out?.Reservations ?? []).flatMap((r: { Instances?: { State?: { Name?: string } }[] }) =>
        (r.Instances ?? []).map((i) => i.State?.Name),
      );
      if (states.every((s: string | undefined) => s === 'terminated')) return;
      await sleep(pollMs);
    }
  }

  async function deleteGroup(region: string, groupId: string): Promise<void> {
    // The group stays in use until its instance is gone; EC2 says DependencyViolation meanwhile.
    for (let attempt = 0; ; attempt++) {
      try {
        await ec2For(region).send(new ec2.DeleteSecurityGroupCommand({ GroupId: groupId }));
        return;
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'InvalidGroup.NotFound') return;
        if (name !== 'DependencyViolation' || attempt >= 20) throw error;
        await sleep(pollMs);
      }
    }
  }

  async function terminate(host: HostRecord, hooks?: Pick<ProviderHooks, 'log'>): Promise<void> {
    const client = ec2For(host.region);
    let ids = await instancesOf(host);
    if (ids.length > 0) {
      hooks?.log?.(`terminating ${ids.join(', ')}`);
      try {
        await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: ids }));
      } catch (error) {
        if ((error as Error).name !== 'InvalidInstanceID.NotFound') throw error;
        // The recorded instance ended itself (max-hours, idle stop) long enough ago that EC2 forgot
        // it; only instances the tag query still finds are left.
        ids = ids.filter((id) => id !== host.instanceId);
        if (ids.length > 0) await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: ids }));
      }
      if (host.securityGroupId && ids.length > 0) await waitTerminated(host.region, ids);
    }
    if (host.securityGroupId) {
      hooks?.log?.(`deleting security group ${host.securityGroupId}`);
      await deleteGroup(host.region, host.securityGroupId);
    }
    if (host.keyName) {
      hooks?.log?.(`deleting key pair ${host.keyName}`);
      await client.send(new ec2.DeleteKeyPairCommand({ KeyName: host.keyName }));
    }
    // A key ailab made is useless once the key pair is gone; a key of the user's own stays.
    if (host.identityFile?.endsWith(`${host.name}.pem`)) await rm(host.identityFile, { force: true });
  }

  function tagsOf(tags: { Key?: string; Value?: string }[] | undefined) {
    const get = (key: string) => tags?.find((t) => t.Key === key)?.Value;
    return { runId: get(TAG.runId), owner: get(TAG.owner), expiresAt: get(TAG.expiresAt) };
  }

  async function listByTag(regions: string[]): Promise<TaggedResource[]> {
    const found: TaggedResource[] = [];
    const tagKey = [{ Name: 'tag-key', Values: [TAG.runId] }];
    for (const region of regions) {
      const client = ec2For(region);
      const instances = await client.send(
        new ec2.DescribeInstancesCommand({ Filters: ailabInstanceFilters() }),
      );
      for (const r of instances?.Reservations ?? [])
        for (const i of r.Instances ?? [])
          found.push({
            cloud: 'aws',
            kind: 'instance',
            id: i.InstanceId,
            label: tagsOf(i.Tags).runId ?? i.InstanceId,
            region,
            state: i.State?.Name,
            ...tagsOf(i.Tags),
          });
      const keys = await client.send(new ec2.DescribeKeyPairsCommand({ Filters: tagKey }));
      for (const k of keys?.KeyPairs ?? [])
        found.push({
          cloud: 'aws',
          kind: 'key-pair',
          id: k.KeyName,
          label: k.KeyName,
          region,
          ...tagsOf(k.Tags),
        });
      const groups = await client.send(new ec2.DescribeSecurityGroupsCommand({ Filters: tagKey }));
      for (const g of groups?.SecurityGroups ?? [])
        found.push({
          cloud: 'aws',
          kind: 'security-group',
          id: g.GroupId,
          label: g.GroupName ?? g.GroupId,
          region,
          ...tagsOf(g.Tags),
        });
    }
    return found;
  }

  async function remove(resource: TaggedResource): Promise<void> {
    const client = ec2For(resource.region);
    if (resource.kind === 'instance') {
      await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [resource.id] }));
      if (!options.dryRun) await waitTerminated(resource.region, [resource.id]);
    } else if (resource.kind === 'key-pair') {
      await client.send(new ec2.DeleteKeyPairCommand({ KeyName: resource.id }));
    } else if (resource.kind === 'security-group') {
      if (options.dryRun) await client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: resource.id }));
      else await deleteGroup(resource.region, resource.id);
    }
  }

  return { cloud: 'aws', launch, waitReady, stop, terminate, listByTag, remove };
}
