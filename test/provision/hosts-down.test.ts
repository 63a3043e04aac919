// `ailab hosts`, `ailab down` and `ailab cleanup` through the CLI, against the stand-in EC2.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../src/provision/types.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { FakeEc2 } from '../helpers/fake-ec2.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

let fake: FakeEc2 | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  removeTempDirs();
});

function record(over: Partial<HostRecord>): HostRecord {
  return {
    name: 'ailab-2506011000-ab12',
    cloud: 'aws',
    region: 'us-east-1',
    lab: 'manual',
    owner: 'learner@laptop',
    instanceType: 'g5.xlarge',
    gpu: 'a10g',
    spot: false,
    status: 'running',
    user: 'ubuntu',
    instanceId: 'i-0f1e2d3c4b5a69788',
    address: '54.210.12.34',
    keyName: 'ailab-2506011000-ab12',
    securityGroupId: 'sg-0a1b2c3d4e5f60718',
    launchedAt: new Date(Date.now() - 3_600_000).toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    hourlyUsd: 1.017,
    ...over,
  };
}

async function setup(hosts: HostRecord[]) {
  fake = new FakeEc2();
  const endpoint = await fake.start();
  const state = makeTempDir('ailab-hosts-');
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'hosts.json'), JSON.stringify({ version: 1, hosts }));
  return {
    state,
    env: {
      AILAB_TEST_EC2_ENDPOINT: endpoint,
      AILAB_STATE_DIR: state,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  };
}

describe('ailab hosts / down / cleanup', () => {
  it('hosts lists the record as an SSH target with its cost so far', async () => {
    const { env } = await setup([record({})]);
    const text = await runCli(['hosts'], { env });
    expect(text.stdout).toMatch(
      /ailab-2506011000-ab12 {2}aws us-east-1 {2}g5.xlarge {2}running {2}ssh:\/\/ubuntu@54.210.12.34 {2}ends .* ~\$1.0\d so far/,
    );
    const json = JSON.parse((await runCli(['hosts', '--json'], { env })).stdout);
    expect(json[0]).toMatchObject({
      name: 'ailab-2506011000-ab12',
      target: 'ssh://ubuntu@54.210.12.34',
      expired: false,
    });
    expect(fake!.requests).toEqual([]);
  });

  it('down terminates the host and deletes its group and key, then forgets it', async () => {
    const { env, state } = await setup([record({})]);
    const { code, stderr } = await runCli(['down', 'ailab-2506011000-ab12'], { env });
    expect(code, stderr).toBe(0);
    expect(fake!.actions()).toEqual([
      'DescribeInstances',
      'TerminateInstances',
      'DescribeInstances',
      'DeleteSecurityGroup',
      'DeleteKeyPair',
    ]);
    expect(JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8')).hosts).toEqual([]);
  });

  it('cleanup --dry-run names an expired host and removes nothing; cleanup removes it', async () => {
    const expired = record({ expiresAt: '2025-01-01T00:00:00.000Z' });
    const { env } = await setup([expired]);
    const dry = await runCli(['cleanup', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      'would remove: aws host ailab-2506011000-ab12 i-0f1e2d3c4b5a69788 in us-east-1: expired',
    );
    expect(fake!.actions()).not.toContain('TerminateInstances');
    const real = await runCli(['cleanup'], { env });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('removed host ailab-2506011000-ab12');
    expect(fake!.actions()).toContain('TerminateInstances');
  });

  it('down of an unknown host is a usage error', async () => {
    const { env } = await setup([]);
    const { code, stderr } = await runCli(['down', 'nope'], { env });
    expect(code).toBe(2);
    expect(stderr).toContain('no host "nope"');
  });
});
