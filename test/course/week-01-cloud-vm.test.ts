// Week 1 (Spin Up Your First AI VM) through the `ailab` CLI, both paths with method=cli, without a
// cloud: stand-in `aws`, `gcloud` and `ssh` (test/course/fixtures-w01-05/cloud-bin) record every call
// and answer like the real CLIs; `ssh host CMD` and `gcloud compute ssh --command CMD` run CMD on this
// machine, as if it were the VM. The verification script then runs on Debian's python3-torch (no GPU),
// so the GPU check must fail, and cleanup must still delete what the lab created. Nothing is launched.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  FIXTURES,
  type LabRun,
  problems,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
} from './fixtures-w01-05/ailab-cli.js';

interface CloudRun {
  run: LabRun;
  home: string;
  calls: string[];
}

async function runPath(
  cloud: 'aws' | 'gcp',
  only: string[],
  sets: Record<string, string> = {},
): Promise<CloudRun> {
  const home = makeTempDir(`ailab-w01-${cloud}-home-`);
  const state = makeTempDir(`ailab-w01-${cloud}-state-`);
  const run = await runLabCli('week-01', {
    sets: { cloud, method: 'cli', vm_python: DEBIAN_PYTHON, ssh_cidr: '203.0.113.7/32', ...sets },
    only,
    env: {
      HOME: home,
      PATH: `${join(FIXTURES, 'cloud-bin')}:${process.env.PATH}`,
      STUB_LOG: join(state, 'calls.log'),
      STUB_STATE: state,
    },
  });
  const calls = readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n');
  return { run, home, calls };
}

const callIndex = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

afterAll(removeTempDirs);

describe('week-01 Path A (AWS) with stand-in aws and ssh', () => {
  let aws: CloudRun;

  beforeAll(async () => {
    ensureBundle();
    aws = await runPath('aws', [
      'prerequisites',
      'cloud-cli',
      'a1-key-pair',
      'a2-quota',
      'a3-launch',
      'connect',
      'verify-torch',
    ]);
  }, 60_000);

  it('creates the key pair, checks the vCPU quota and launches the DLAMI instance', () => {
    for (const id of ['prerequisites', 'cloud-cli', 'a1-key-pair', 'a2-quota', 'a3-launch', 'connect'])
      expect(step(aws.run.result, id).status, `${id}\n${problems(aws.run.result)}`).toBe('pass');
    const key = join(aws.home, 'Downloads', 'ai-lab-key.pem');
    expect(statSync(key).mode & 0o777).toBe(0o400);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    expect(stepCheck(aws.run.result, 'a2-quota', /g5\.xlarge \(>= 4 vCPUs\)/).status).toBe('pass');
    const launch = aws.calls.find((c) => c.startsWith('aws ec2 run-instances'));
    expect(launch).toMatch(/--instance-type g5\.xlarge --key-name ai-lab-key/);
    expect(launch).toMatch(/"VolumeSize":100,"VolumeType":"gp3","DeleteOnTermination":true/);
    expect(launch).toMatch(/Tags=\[\{Key=Name,Value=ai-lab-aws\}\]/);
    expect(aws.calls).toContain(
      'aws ec2 authorize-security-group-ingress --group-id sg-0a1b2c3d4e5f60718 --protocol tcp --port 22 --cidr 203.0.113.7/32',
    );
  });

  it('connects with the key, user ubuntu and accept-new', () => {
    expect(aws.calls).toContainEqual(
      expect.stringMatching(
        /^ssh -i \S+\/Downloads\/ai-lab-key\.pem -o StrictHostKeyChecking=accept-new .* ubuntu@203\.0\.113\.10 true$/,
      ),
    );
    expect(stepCheck(aws.run.result, 'connect', /readable by you only/).status).toBe('pass');
  });

  it('fails the GPU check where PyTorch has no CUDA (Debian CPU torch), as it must', () => {
    const verify = step(aws.run.result, 'verify-torch');
    expect(verify.status).toBe('fail');
    expect(verify.outputTail).toBe('CUDA available: False');
    expect(verify.checks[0].message).toMatch(/does not contain "CUDA available: True"/);
    expect(aws.run.result.status).toBe('failed');
    expect(aws.run.code).toBe(1);
    expect(verifyCheck(aws.run.result, 'torch-cuda').status).toBe('fail');
    expect(verifyCheck(aws.run.result, 'instance').status).toBe('pass');
  });

  it('terminates the instance, then deletes the security group and the key pair at cleanup', () => {
    expect(aws.run.result.cleanup.map((c) => [c.id, c.status])).toEqual([
      ['delete-aws', 'pass'],
      ['delete-aws-key', 'pass'],
    ]);
    const terminate = callIndex(
      aws.calls,
      /^aws ec2 terminate-instances --instance-ids i-0abc1234def567890 /,
    );
    const waited = callIndex(
      aws.calls,
      /^aws ec2 wait instance-terminated --instance-ids i-0abc1234def567890$/,
    );
    const sg = callIndex(aws.calls, /^aws ec2 delete-security-group --group-id sg-0a1b2c3d4e5f60718$/);
    const key = callIndex(aws.calls, /^aws ec2 delete-key-pair --region us-east-1 --key-name ai-lab-key$/);
    expect(terminate).toBeGreaterThan(-1);
    expect(waited).toBeGreaterThan(terminate);
    expect(sg).toBeGreaterThan(waited);
    expect(key).toBeGreaterThan(-1);
  });
});

describe('week-01 Path B (GCP) with stand-in gcloud', () => {
  let gcp: CloudRun;

  beforeAll(async () => {
    ensureBundle();
    gcp = await runPath('gcp', ['cloud-cli', 'b1-api', 'b2-quota', 'b3-create', 'connect', 'verify-torch']);
  }, 60_000);

  it('enables the API, checks both GPU quotas and creates the VM with TERMINATE maintenance', () => {
    for (const id of ['cloud-cli', 'b1-api', 'b2-quota', 'b3-create', 'connect'])
      expect(step(gcp.run.result, id).status, `${id}\n${problems(gcp.run.result)}`).toBe('pass');
    expect(gcp.calls).toContain('gcloud services enable compute.googleapis.com');
    expect(gcp.calls).toContainEqual(
      expect.stringMatching(/^gcloud compute regions describe us-central1 .*NVIDIA_L4_GPUS/),
    );
    expect(gcp.calls).toContainEqual(
      expect.stringMatching(/^gcloud compute project-info describe .*GPUS_ALL_REGIONS/),
    );
    expect(gcp.calls).toContain(
      'gcloud compute instances create ai-lab-gcp --zone=us-central1-a --machine-type=g2-standard-8 --image-family=ubuntu-2204-lts --image-project=ubuntu-os-cloud --boot-disk-size=100GB --maintenance-policy=TERMINATE',
    );
  });

  it('reaches the VM with gcloud compute ssh, not ssh user@ip', () => {
    expect(gcp.calls).toContain('gcloud compute ssh ai-lab-gcp --zone us-central1-a --quiet --command true');
    expect(gcp.calls.some((c) => c.startsWith('ssh ') && c !== 'ssh -V')).toBe(false);
    expect(step(gcp.run.result, 'verify-torch').outputTail).toBe('CUDA available: False');
    expect(step(gcp.run.result, 'verify-torch').status).toBe('fail');
  });

  it('deletes the VM at cleanup', () => {
    expect(gcp.run.result.cleanup.map((c) => [c.id, c.status])).toEqual([['delete-gcp', 'pass']]);
    expect(gcp.calls).toContain('gcloud compute instances delete ai-lab-gcp --zone us-central1-a --quiet');
  });

  it('with keep_vm it stops the VM instead of deleting it', async () => {
    const kept = await runPath('gcp', ['b1-api', 'b3-create'], { keep_vm: 'true' });
    expect(kept.run.result.cleanup.map((c) => [c.id, c.status])).toEqual([['stop-gcp', 'pass']]);
    expect(kept.calls).toContain('gcloud compute instances stop ai-lab-gcp --zone us-central1-a --quiet');
    expect(kept.calls.some((c) => c.startsWith('gcloud compute instances delete'))).toBe(false);
  });
});
