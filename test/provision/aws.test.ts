// The AWS provider against aws-sdk-client-mock: every request a launch, a wait, a failure, Ctrl-C and
// cleanup make, asserted field by field.
import { readFileSync, statSync } from 'node:fs';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  ImportKeyPairCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvisionError } from '../../src/errors.js';
import { createAwsProvider } from '../../src/provision/aws.js';
import { planCleanup, runCleanup } from '../../src/provision/cleanup.js';
import { normalizeLaunch } from '../../src/provision/launch-spec.js';
import { provisionHost } from '../../src/provision/lifecycle.js';
import { WaitAborted } from '../../src/provision/net.js';
import { readHosts, saveHost } from '../../src/provision/state.js';
import type { HostRecord } from '../../src/provision/types.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import * as fx from './aws-fixtures.js';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const savedStateDir = process.env.AILAB_STATE_DIR;

function ec2Error(name: string, message: string) {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

async function provider(extra: { probe?: () => Promise<boolean> } = {}) {
  return createAwsProvider({
    lookupPublicIp: async () => fx.CALLER_IP,
    probeSsh: extra.probe ?? (async () => true),
    pollMs: 1,
  });
}

function happyPath() {
  ssm.on(GetParameterCommand).resolves(fx.getParameter);
  ec2.on(DescribeImagesCommand).resolves({ Images: [fx.image(fx.AMI_ID, '2025-05-23T08:12:44.000Z')] });
  ec2.on(CreateKeyPairCommand).callsFake((input) => ({ ...fx.createKeyPair, KeyName: input.KeyName }));
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: fx.GROUP_ID, Tags: [] });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(RunInstancesCommand).resolves({
    Groups: [],
    Instances: [fx.instance('pending')],
    OwnerId: '123456789012',
    ReservationId: 'r-0a1b2c3d4e5f60718',
  });
  ec2.on(TerminateInstancesCommand).resolves(fx.terminateInstances);
  ec2.on(DeleteSecurityGroupCommand).resolves({ Return: true, GroupId: fx.GROUP_ID });
  ec2.on(DeleteKeyPairCommand).resolves({ Return: true });
}

function tagsOf(spec: ReturnType<typeof normalizeLaunch>) {
  return expect.arrayContaining([
    { Key: 'ailab:run-id', Value: spec.runId },
    { Key: 'ailab:lab', Value: 'manual' },
    { Key: 'ailab:owner', Value: spec.owner },
    { Key: 'ailab:expires-at', Value: spec.expiresAt },
  ]);
}

beforeEach(() => {
  ec2.reset();
  ssm.reset();
  process.env.AILAB_STATE_DIR = makeTempDir('ailab-provision-');
});
afterEach(() => {
  process.env.AILAB_STATE_DIR = savedStateDir;
  removeTempDirs();
});

describe('AWS launch', () => {
  it('finds the DLAMI, makes a key and a /32 SSH group, and runs a tagged g5.xlarge that terminates itself', async () => {
    happyPath();
    const spec = normalizeLaunch({ cloud: 'aws' });
    const records: HostRecord[] = [];
    const host = await (await provider()).launch(spec, { record: async (h) => void records.push(h) });

    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    });
    expect(ec2.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({ ImageIds: [fx.AMI_ID] });
    const key = ec2.commandCalls(CreateKeyPairCommand)[0]!.args[0].input;
    expect(key).toMatchObject({ KeyName: spec.runId, KeyType: 'ed25519', KeyFormat: 'pem' });
    expect(key.TagSpecifications).toEqual([{ ResourceType: 'key-pair', Tags: tagsOf(spec) }]);
    const sg = ec2.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input;
    expect(sg.TagSpecifications).toEqual([{ ResourceType: 'security-group', Tags: tagsOf(spec) }]);
    const ingress = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]!.args[0].input;
    expect(ingress).toEqual({
      GroupId: fx.GROUP_ID,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: '203.0.113.7/32', Description: expect.any(String) }],
        },
      ],
    });

    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({
      ImageId: fx.AMI_ID,
      InstanceType: 'g5.xlarge',
      MinCount: 1,
      MaxCount: 1,
      KeyName: spec.runId,
      SecurityGroupIds: [fx.GROUP_ID],
      ClientToken: spec.runId,
      InstanceInitiatedShutdownBehavior: 'terminate',
      BlockDeviceMappings: [
        { DeviceName: '/dev/sda1', Ebs: { VolumeSize: 100, VolumeType: 'gp3', DeleteOnTermination: true } },
      ],
    });
    expect(run.InstanceMarketOptions).toBeUndefined();
    expect(run.TagSpecifications).toEqual([
      { ResourceType: 'instance', Tags: tagsOf(spec) },
      { ResourceType: 'volume', Tags: tagsOf(spec) },
    ]);
    const userData = Buffer.from(run.UserData!, 'base64').toString('utf8');
    expect(userData).toMatch(/^#!\/bin\/bash\n/);
    expect(userData).toContain('shutdown -h +240');

    // The private key is saved, readable by its owner only.
    expect(host.identityFile).toBe(`${spec.keyDir}/${spec.runId}.pem`);
    expect(statSync(host.identityFile!).mode & 0o777).toBe(0o400);
    expect(readFileSync(host.identityFile!, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    // Recorded after each resource, the instance id before launch returns.
    expect(records.map((r) => [r.keyName, r.securityGroupId, r.instanceId])).toEqual([
      [spec.runId, undefined, undefined],
      [spec.runId, fx.GROUP_ID, undefined],
      [spec.runId, fx.GROUP_ID, fx.INSTANCE_ID],
    ]);
    expect(host).toMatchObject({ status: 'launching', user: 'ubuntu', instanceId: fx.INSTANCE_ID });
  });

  it('asks for a one-time spot instance with --spot, and imports the user’s public key', async () => {
    happyPath();
    ec2.on(ImportKeyPairCommand).resolves({ KeyName: 'k', KeyPairId: 'key-0aa' });
    const dir = makeTempDir('ailab-key-');
    const pub = `${dir}/id_ed25519.pub`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(pub, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4Test learner@laptop\n');
    const spec = normalizeLaunch({ cloud: 'aws', spot: true, publicKeyFile: pub, maxHours: 2 });
    const host = await (await provider()).launch(spec, { record: async () => {} });

    expect(ec2.commandCalls(CreateKeyPairCommand)).toHaveLength(0);
    const imported = ec2.commandCalls(ImportKeyPairCommand)[0]!.args[0].input;
    expect(Buffer.from(imported.PublicKeyMaterial!).toString()).toBe(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4Test learner@laptop',
    );
    expect(host.identityFile).toBe(`${dir}/id_ed25519`);
    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run.InstanceMarketOptions).toEqual({
      MarketType: 'spot',
      SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
    });
    expect(Buffer.from(run.UserData!, 'base64').toString()).toContain('shutdown -h +120');
  });

  it('falls back to DescribeImages by name (newest first) when the SSM parameter cannot be read', async () => {
    happyPath();
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ssm:GetParameter'), {
        name: 'AccessDeniedException',
      }),
    );
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        fx.image('ami-old', '2025-01-10T08:00:00.000Z'),
        fx.image('ami-new', '2025-05-23T08:00:00.000Z'),
      ],
    });
    await (await provider()).launch(normalizeLaunch({ cloud: 'aws' }), { record: async () => {} });

    expect(ec2.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
      Owners: ['amazon'],
      Filters: [
        { Name: 'name', Values: ['Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)*'] },
        { Name: 'architecture', Values: ['x86_64'] },
        { Name: 'state', Values: ['available'] },
      ],
    });
    expect(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.ImageId).toBe('ami-new');
  });

  it.each([
    ['VcpuLimitExceeded', /vCPU quota .* too low/, /Service Quotas/],
    ['InsufficientInstanceCapacity', /no g5.xlarge capacity/, /another --region/],
    ['Unsupported', /not offered in the availability zone/, /another --region or --instance-type/],
  ])('%s becomes a plain message, and what was made is removed again', async (code, message, hint) => {
    happyPath();
    ec2.on(RunInstancesCommand).rejects(ec2Error(code, 'EC2 says no'));
    ec2.on(DescribeInstancesCommand).resolves(fx.reservation());
    const spec = normalizeLaunch({ cloud: 'aws' });
    const error = await provisionHost(await provider(), spec).catch((e) => e);

    expect(error).toBeInstanceOf(ProvisionError);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)[0]!.args[0].input).toEqual({ GroupId: fx.GROUP_ID });
    expect(ec2.commandCalls(DeleteKeyPairCommand)[0]!.args[0].input).toEqual({ KeyName: spec.runId });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(await readHosts()).toEqual([]);
  });
});

describe('AWS wait-ready', () => {
  it('waits for running, both status checks and an SSH banner', async () => {
    happyPath();
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(fx.reservation(fx.instance('pending')))
      .resolves(fx.reservation(fx.instance('running')));
    ec2
      .on(DescribeInstanceStatusCommand)
      .resolvesOnce(fx.instanceStatus(false))
      .resolves(fx.instanceStatus(true));
    let probes = 0;
    const p = await provider({ probe: async () => ++probes > 1 });
    const host = await provisionHost(p, normalizeLaunch({ cloud: 'aws' }));

    expect(host).toMatchObject({ status: 'running', address: fx.PUBLIC_IP, instanceId: fx.INSTANCE_ID });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [fx.INSTANCE_ID],
    });
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(2);
    expect(probes).toBe(2);
    expect((await readHosts()).map((h) => [h.name, h.status, h.address])).toEqual([
      [host.name, 'running', fx.PUBLIC_IP],
    ]);
  });

  it('terminates the instance, its group and key when Ctrl-C comes during wait-ready', async () => {
    happyPath();
    const controller = new AbortController();
    let describes = 0;
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      // The recorded instance while launching; after TerminateInstances, the state EC2 then reports.
      if (input.InstanceIds && ec2.commandCalls(TerminateInstancesCommand).length > 0)
        return fx.reservation(fx.instance('terminated'));
      if (input.Filters) return fx.reservation(fx.instance('pending'));
      if (++describes === 2) controller.abort();
      return fx.reservation(fx.instance('pending'));
    });
    const spec = normalizeLaunch({ cloud: 'aws' });
    const error = await provisionHost(await provider(), spec, { signal: controller.signal }).catch((e) => e);

    expect(error).toBeInstanceOf(WaitAborted);
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [fx.INSTANCE_ID],
    });
    const lookup = ec2.commandCalls(DescribeInstancesCommand).find((c) => c.args[0].input.Filters)!;
    expect(lookup.args[0].input.Filters).toContainEqual({ Name: 'tag:ailab:run-id', Values: [spec.runId] });
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)[0]!.args[0].input).toEqual({ GroupId: fx.GROUP_ID });
    expect(ec2.commandCalls(DeleteKeyPairCommand)[0]!.args[0].input).toEqual({ KeyName: spec.runId });
    expect(await readHosts()).toEqual([]);
  });

  it('says why when the instance ends while starting (spot reclaimed, for one)', async () => {
    happyPath();
    ec2.on(DescribeInstancesCommand).resolves(
      fx.reservation({
        ...fx.instance('terminated'),
        StateReason: {
          Code: 'Server.SpotInstanceTermination',
          Message: 'Server.SpotInstanceTermination: Spot instance termination',
        },
      }),
    );
    const error = await provisionHost(await provider(), normalizeLaunch({ cloud: 'aws', spot: true })).catch(
      (e) => e,
    );
    expect(error.message).toMatch(/ended while starting: Server.SpotInstanceTermination/);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });
});

describe('AWS cleanup', () => {
  it('after a crash mid-launch, terminates what the state file recorded', async () => {
    happyPath();
    const spec = normalizeLaunch({ cloud: 'aws' });
    // A record as a killed `ailab up` leaves it: launching, by a process that no longer exists.
    await saveHost({
      name: spec.runId,
      cloud: 'aws',
      region: 'us-east-1',
      lab: 'manual',
      owner: spec.owner,
      instanceType: 'g5.xlarge',
      gpu: 'a10g',
      spot: false,
      status: 'launching',
      user: 'ubuntu',
      instanceId: fx.INSTANCE_ID,
      keyName: spec.runId,
      securityGroupId: fx.GROUP_ID,
      launchedAt: new Date().toISOString(),
      expiresAt: spec.expiresAt,
      pid: 2 ** 22 + 7,
    });
    const tags = [
      { Key: 'ailab:run-id', Value: spec.runId },
      { Key: 'ailab:owner', Value: spec.owner },
      { Key: 'ailab:expires-at', Value: spec.expiresAt },
    ];
    ec2
      .on(DescribeInstancesCommand)
      .callsFake((input) =>
        input.InstanceIds
          ? fx.reservation(fx.instance('terminated'))
          : fx.reservation(fx.instance('running', tags)),
      );
    ec2
      .on(DescribeKeyPairsCommand)
      .resolves({ KeyPairs: [{ KeyName: spec.runId, KeyPairId: 'key-0a', Tags: tags }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: fx.GROUP_ID, GroupName: spec.runId, Tags: tags }],
    });
    const p = await provider();
    const plan = await planCleanup(p, { regions: ['us-east-1'], owner: spec.owner });

    expect(plan.hosts.map((h) => [h.host.name, h.reason])).toEqual([
      [spec.runId, expect.stringMatching(/crash/)],
    ]);
    expect(plan.resources).toEqual([]);
    const result = await runCleanup(p, plan);
    expect(result).toEqual({ removed: 1, failed: 0 });
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [fx.INSTANCE_ID],
    });
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteKeyPairCommand)).toHaveLength(1);
    expect(await readHosts()).toEqual([]);
  });

  it('finds tagged leftovers: an expired instance, and a group and key whose host is gone; not other owners’', async () => {
    const owner = 'learner@laptop';
    const past = '2025-01-01T00:00:00.000Z';
    const future = '2999-01-01T00:00:00.000Z';
    const tag = (run: string, who: string, expires: string) => [
      { Key: 'ailab:run-id', Value: run },
      { Key: 'ailab:owner', Value: who },
      { Key: 'ailab:expires-at', Value: expires },
    ];
    ec2
      .on(DescribeInstancesCommand)
      .resolves(fx.reservation(fx.instance('running', tag('ailab-old', owner, past))));
    ec2.on(DescribeKeyPairsCommand).resolves({
      KeyPairs: [
        { KeyName: 'ailab-gone', Tags: tag('ailab-gone', owner, future) },
        { KeyName: 'ailab-theirs', Tags: tag('ailab-theirs', 'someone@else', past) },
      ],
    });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: 'sg-0gone', GroupName: 'ailab-gone', Tags: tag('ailab-gone', owner, future) },
      ],
    });
    const plan = await planCleanup(await provider(), { regions: ['us-east-1'], owner });

    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'tag-key', Values: ['ailab:run-id'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
    ]);
    expect(ec2.commandCalls(DescribeKeyPairsCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'tag-key', Values: ['ailab:run-id'] }],
    });
    expect(plan.resources.map((r) => [r.resource.kind, r.resource.id, r.reason])).toEqual([
      ['instance', fx.INSTANCE_ID, `expired at ${past}`],
      ['security-group', 'sg-0gone', 'its host is gone: orphaned'],
      ['key-pair', 'ailab-gone', 'its host is gone: orphaned'],
    ]);
  });
});
