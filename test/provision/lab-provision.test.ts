// A lab's `provision` block through the whole CLI: `ailab run` launches on the stand-in EC2
// (test/helpers/fake-ec2.ts), which reports a local sshd (test/helpers/sshd.ts) as the host, runs the
// steps there over SSH with the key "EC2" handed out, and terminates the host at the end — after
// success, after failure, on SIGINT while waiting (exit 130) — unless --keep.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, ensureBuilt, runCli, STACK_FRAME, spawnCli } from '../helpers/cli.js';
import { FakeEc2 } from '../helpers/fake-ec2.js';
import { killQuietly } from '../helpers/processes.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const INSTANCE = 'i-0f1e2d3c4b5a69788';
const leftovers: number[] = [];
let fake: FakeEc2 | undefined;
let sshd: Sshd;
let hostKey: string;
let keyDir: string;

beforeAll(async () => {
  await ensureBuilt();
  keyDir = makeTempDir('ailab-lab-provision-key-');
  hostKey = makeKey(keyDir, 'ec2_key');
  sshd = await startSshd({ authorizedKeys: [publicKey(hostKey)] });
}, 120_000);
afterEach(async () => {
  for (const pid of leftovers.splice(0)) killQuietly(pid);
  await fake?.stop();
  fake = undefined;
});
afterAll(async () => {
  await sshd?.stop();
  removeTempDirs();
});

function writeLab(dir: string, step: string, extra = ''): string {
  const file = join(dir, 'cloud-lab.yaml');
  writeFileSync(
    file,
    `id: cloud-lab
title: Runs on a launched host
choices:
  cloud: { prompt: Which cloud?, options: [aws, gcp], default: aws }
provision:
  cloud: \${{ cloud }}
  gpu: a10g
  max_hours: 1
  user: root${extra}
steps:
  - id: on-host
    title: Runs on the host
    run: ${JSON.stringify(step)}
`,
  );
  return file;
}

async function setup(ready: boolean) {
  fake = new FakeEc2(
    ready ? { ready: { publicIp: '127.0.0.1', keyMaterial: readFileSync(hostKey, 'utf8') } } : {},
  );
  const endpoint = await fake.start();
  const dir = makeTempDir('ailab-lab-provision-');
  const state = join(dir, 'state');
  return {
    dir,
    state,
    env: {
      AILAB_TEST_EC2_ENDPOINT: endpoint,
      AILAB_TEST_SSH_PORT: String(sshd.port),
      AILAB_STATE_DIR: state,
      AILAB_PUBLIC_IP: '203.0.113.7',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PROFILE: undefined,
      XDG_DATA_HOME: join(dir, 'data'),
    },
  };
}

describe('ailab run with a provision block', () => {
  it('launches, runs the steps on the host over SSH, terminates it, and reports the cost', async () => {
    const { dir, env, state } = await setup(true);
    const marker = join(dir, 'ran-on-host');
    const lab = writeLab(dir, `echo "$USER" > ${marker}`);
    const { code, stdout, stderr } = await runCli(
      ['run', lab, '--yes', '--report', `json:${join(dir, 'r.json')}`],
      { env, timeoutMs: 30_000 },
    );
    expect(code, stderr).toBe(0);
    expect(readFileSync(marker, 'utf8').trim()).toBe('root');
    expect(`${stdout}${stderr}`).not.toMatch(STACK_FRAME);
    expect(`${stdout}${stderr}`).not.toContain('wJalrXUtnFEMI');
    expect(stderr).toMatch(/provision: aws g5\.xlarge \(a10g\)/);
    const actions = fake!.actions();
    expect(actions).toEqual(expect.arrayContaining(['RunInstances', 'TerminateInstances', 'DeleteKeyPair']));
    expect(fake!.requests.find((r) => r.action === 'TerminateInstances')?.params['InstanceId.1']).toBe(
      INSTANCE,
    );
    const tags = fake!.requests.find((r) => r.action === 'RunInstances')!.params;
    expect(Object.values(tags)).toContain('cloud-lab');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    const result = Array.isArray(report) ? report[0] : (report.results?.[0] ?? report);
    expect(result.target.uri).toBe(`ssh://root@127.0.0.1:${sshd.port}`);
    expect(result.provisioned).toMatchObject({ cloud: 'aws', instanceId: INSTANCE, terminated: true });
    expect(result.cost).toMatchObject({ cloud: 'aws', instanceType: 'g5.xlarge', spot: false });
    expect(result.cost.hourlyUsd).toBeGreaterThan(0.5);
    expect(result.cost.estimatedUsd).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8')).hosts).toEqual([]);
  }, 40_000);

  it('terminates the host after a failed step too', async () => {
    const { dir, env } = await setup(true);
    const lab = writeLab(dir, 'exit 3');
    const { code, stderr } = await runCli(['run', lab, '--yes'], { env, timeoutMs: 30_000 });
    expect(code, stderr).toBe(1);
    expect(fake!.actions()).toContain('TerminateInstances');
  }, 40_000);

  it('--keep leaves it running and says how to stop it', async () => {
    const { dir, env, state } = await setup(true);
    const lab = writeLab(dir, 'true');
    const { code, stderr } = await runCli(['run', lab, '--yes', '--keep'], { env, timeoutMs: 30_000 });
    expect(code, stderr).toBe(0);
    expect(fake!.actions()).not.toContain('TerminateInstances');
    expect(stderr).toMatch(/ailab down ailab-\d{10}-[0-9a-f]{4}/);
    expect(stderr).toMatch(/ends itself at \d{4}-/);
    expect(JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8')).hosts).toHaveLength(1);
  }, 40_000);

  it('SIGINT while waiting for the host terminates it and exits 130', async () => {
    const { dir, env } = await setup(false);
    const lab = writeLab(dir, 'true');
    const child = spawnCli(['run', lab, '--yes'], { env });
    if (child.pid) leftovers.push(child.pid);
    const done = collect(child, 20_000);
    await fake!.waitFor('DescribeInstances');
    child.kill('SIGINT');
    const { code, stderr, stdout } = await done;
    expect(code, stderr).toBe(130);
    expect(`${stdout}${stderr}`).not.toMatch(STACK_FRAME);
    expect(fake!.requests.find((r) => r.action === 'TerminateInstances')?.params['InstanceId.1']).toBe(
      INSTANCE,
    );
  }, 30_000);

  it('refuses without --yes and no terminal, before any request; --target wins over the block', async () => {
    const { dir, env } = await setup(true);
    const lab = writeLab(dir, 'true');
    const refused = await runCli(['run', lab], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    const local = await runCli(['run', lab, '--target', 'local', '--yes'], { env });
    expect(local.code, local.stderr).toBe(0);
    expect(fake!.requests).toEqual([]);
  }, 30_000);

  it('--max-hourly-cost refuses, and --dry-run prints the requests, sending none', async () => {
    const { dir, env } = await setup(true);
    const lab = writeLab(dir, 'true', '\n  spot: true');
    const capped = await runCli(['run', lab, '--yes', '--max-hourly-cost', '0.01'], { env });
    expect(capped.code).toBe(3);
    expect(capped.stderr).toContain('above --max-hourly-cost 0.01');
    const dry = await runCli(['run', lab, '--dry-run', '--set', 'cloud=aws'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('EC2 RunInstances');
    expect(dry.stdout).toContain('"MarketType": "spot"');
    expect(fake!.requests).toEqual([]);
    expect(existsSync(join(dir, 'state', 'hosts.json'))).toBe(false);
  }, 30_000);

  it('an instance type per cloud and spot from a choice follow the chosen path', async () => {
    const { dir, env } = await setup(true);
    const file = join(dir, 'per-cloud.yaml');
    writeFileSync(
      file,
      `id: per-cloud
title: Picks its host per path
choices:
  cloud: { prompt: Which cloud?, options: [aws, gcp], default: aws }
  pricing: { prompt: Spot or on demand?, options: ["true", "false"], default: "false" }
provision:
  cloud: \${{ cloud }}
  instance_type: { aws: g6.xlarge, gcp: g2-standard-8 }
  spot: \${{ pricing }}
steps:
  - id: on-host
    title: Runs on the host
    run: "true"
`,
    );
    const aws = await runCli(['run', file, '--dry-run', '--set', 'cloud=aws', '--set', 'pricing=true'], {
      env,
    });
    expect(aws.code, aws.stderr).toBe(0);
    expect(aws.stderr).toMatch(/provision: aws g6\.xlarge .* spot/);
    expect(aws.stdout).toContain('"InstanceType": "g6.xlarge"');
    expect(aws.stdout).toContain('"MarketType": "spot"');
    const gcp = await runCli(['run', file, '--dry-run', '--set', 'cloud=gcp'], {
      env: { ...env, GOOGLE_CLOUD_PROJECT: 'ailab-course-4711' },
    });
    expect(gcp.code, gcp.stderr).toBe(0);
    expect(gcp.stderr).toMatch(/provision: gcp g2-standard-8 .* on-demand/);
    expect(fake!.requests).toEqual([]);
  }, 30_000);
});
