// The whole CLI against a stand-in EC2 (test/helpers/fake-ec2.ts): `ailab up` interrupted with SIGINT
// or SIGTERM while it waits for the host terminates it, deletes its group and key, and exits 130;
// without a terminal and without --yes it launches nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, ensureBuilt, runCli, STACK_FRAME, spawnCli } from '../helpers/cli.js';
import { FakeEc2 } from '../helpers/fake-ec2.js';
import { killQuietly } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const leftovers: number[] = [];
let fake: FakeEc2 | undefined;

beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  for (const pid of leftovers.splice(0)) killQuietly(pid);
  await fake?.stop();
  fake = undefined;
  removeTempDirs();
});

async function awsEnv() {
  fake = new FakeEc2();
  const endpoint = await fake.start();
  const state = makeTempDir('ailab-up-state-');
  return {
    state,
    env: {
      AILAB_TEST_EC2_ENDPOINT: endpoint,
      AILAB_STATE_DIR: state,
      AILAB_PUBLIC_IP: '203.0.113.7',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PROFILE: undefined,
    },
  };
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s during `ailab up`', (signal) => {
  it('terminates the instance, removes its group and key, and exits 130', async () => {
    const { env, state } = await awsEnv();
    const child = spawnCli(['up', '--cloud', 'aws', '--yes'], { env });
    if (child.pid) leftovers.push(child.pid);
    const done = collect(child, 20_000);

    await fake!.waitFor('DescribeInstances');
    // The record is on disk before the wait starts: a crash now would still leave it for cleanup.
    const recorded = JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8'));
    expect(recorded.hosts[0]).toMatchObject({ instanceId: 'i-0f1e2d3c4b5a69788', status: 'launching' });
    child.kill(signal);
    const { code, stderr, stdout } = await done;

    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`ailab: ${signal}: stopping the launch and terminating what was created`);
    expect(`${stdout}${stderr}`).not.toMatch(STACK_FRAME);
    expect(`${stdout}${stderr}`).not.toContain('wJalrXUtnFEMI');
    const run = fake!.requests.find((r) => r.action === 'RunInstances')!.params;
    expect(run).toMatchObject({
      InstanceType: 'g5.xlarge',
      InstanceInitiatedShutdownBehavior: 'terminate',
      'TagSpecification.1.ResourceType': 'instance',
    });
    const ingress = fake!.requests.find((r) => r.action === 'AuthorizeSecurityGroupIngress')!.params;
    expect(Object.entries(ingress).find(([k]) => k.endsWith('CidrIp'))?.[1]).toBe('203.0.113.7/32');
    const terminate = fake!.requests.find((r) => r.action === 'TerminateInstances');
    expect(terminate?.params['InstanceId.1']).toBe('i-0f1e2d3c4b5a69788');
    expect(fake!.actions()).toEqual(expect.arrayContaining(['DeleteSecurityGroup', 'DeleteKeyPair']));
    expect(fake!.actions().indexOf('TerminateInstances')).toBeGreaterThan(
      fake!.actions().indexOf('RunInstances'),
    );
    const after = JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8'));
    expect(after.hosts).toEqual([]);
    // The private key ailab saved for the host is gone with its key pair.
    expect(existsSync(join(state, 'keys', `${recorded.hosts[0].name}.pem`))).toBe(false);
  });
});

describe('ailab up without a terminal', () => {
  it('refuses to launch without --yes, before any request', async () => {
    const { env } = await awsEnv();
    const { code, stderr } = await runCli(['up', '--cloud', 'aws'], { env });
    expect(code).toBe(2);
    expect(stderr).toContain('pass --yes');
    expect(fake!.requests).toEqual([]);
  });

  it('--max-hourly-cost refuses a launch above it', async () => {
    const { env } = await awsEnv();
    const { code, stderr } = await runCli(
      ['up', '--cloud', 'aws', '--gpu', 'a100', '--max-hourly-cost', '5', '--yes'],
      { env },
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/p4d.24xlarge costs about \$32.\d\d\/h, above --max-hourly-cost 5/);
    expect(fake!.requests).toEqual([]);
  });

  it('--dry-run prints the requests with no credentials and sends none', async () => {
    const { env } = await awsEnv();
    const { code, stdout } = await runCli(['up', '--cloud', 'aws', '--dry-run', '--spot'], {
      env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(code).toBe(0);
    expect(stdout.match(/^(EC2|SSM) \w+/gm)).toEqual([
      'SSM GetParameter',
      'EC2 DescribeImages',
      'EC2 CreateKeyPair',
      'EC2 CreateSecurityGroup',
      'EC2 AuthorizeSecurityGroupIngress',
      'EC2 RunInstances',
    ]);
    expect(stdout).toContain('"CidrIp": "203.0.113.7/32"');
    expect(stdout).toContain('"MarketType": "spot"');
    expect(fake!.requests).toEqual([]);
  });

  it('--cloud gcp --dry-run prints the firewall and instance inserts with no credentials', async () => {
    const { code, stdout, stderr } = await runCli(['up', '--cloud', 'gcp', '--gpu', 'a100', '--dry-run'], {
      env: {
        AILAB_PUBLIC_IP: '203.0.113.7',
        GOOGLE_CLOUD_PROJECT: 'ailab-course',
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
      },
    });
    expect(code, stderr).toBe(0);
    expect(stdout.match(/^compute \S+/gm)).toEqual(['compute firewalls.insert', 'compute instances.insert']);
    expect(stdout).toContain('"machineType": "zones/us-central1-a/machineTypes/a2-highgpu-1g"');
    expect(stdout).toContain('"instanceTerminationAction": "DELETE"');
    expect(stdout).toContain('"203.0.113.7/32"');
    expect(stderr).toMatch(/about \$3\.\d\d\/h/);
  });
});
