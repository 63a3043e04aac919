// Week 1 with method=ailab through the whole CLI: `ailab run week-01 --set method=ailab` launches the VM
// from the lab's `provision` block on the stand-in EC2 (test/helpers/fake-ec2.ts, ready mode), which
// reports a real local sshd (test/helpers/sshd.ts) as the host; the lab's steps and verify checks run
// there over SSH, with a stand-in nvidia-smi (an A10G, on the PATH of the sshd's sessions only, so its
// log proves where the steps ran) and Debian's CPU-only torch as the VM's Python; then ailab terminates the host. On this machine "CUDA available:
// False" must fail verify-torch and torch-cuda, and no conda fails env: exit 1, and nothing else fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEc2 } from '../helpers/fake-ec2.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  runLabCli,
  step,
  verifyCheck,
  writeStub,
} from './fixtures-w01-05/ailab-cli.js';

const INSTANCE = 'i-0f1e2d3c4b5a69788';
const SMI = `#!/bin/sh
echo "nvidia-smi $*" >> "$SMI_LOG"
case "$*" in
  *--query-gpu=name,driver_version,memory.total*) echo 'NVIDIA A10G, 550.90.07, 23028' ;;
  *--query-gpu=name*) echo 'NVIDIA A10G' ;;
  *) echo '|   0  NVIDIA A10G   On  |   00000000:00:1E.0 Off |   0 |' ;;
esac
`;

let fake: FakeEc2;
let sshd: Sshd;
let run: LabRun;
let state: string;
let smiLog: string;

beforeAll(async () => {
  ensureBundle();
  const dir = makeTempDir('ailab-w01-provision-');
  const hostKey = makeKey(dir, 'ec2_key');
  writeStub(join(dir, 'vm-bin'), 'nvidia-smi', SMI);
  smiLog = join(dir, 'smi.log');
  sshd = await startSshd({
    authorizedKeys: [publicKey(hostKey)],
    env: {
      PATH: `${join(dir, 'vm-bin')}:/usr/local/bin:/usr/bin:/bin`,
      SMI_LOG: smiLog,
    },
  });
  fake = new FakeEc2({ ready: { publicIp: '127.0.0.1', keyMaterial: readFileSync(hostKey, 'utf8') } });
  const endpoint = await fake.start();
  state = join(dir, 'state');
  run = await runLabCli('week-01', {
    sets: { method: 'ailab', cloud: 'aws', vm_user: 'root', vm_python: DEBIAN_PYTHON },
    only: ['connect-ailab', 'nvidia-smi', 'verify-torch'],
    env: {
      AILAB_TEST_EC2_ENDPOINT: endpoint,
      AILAB_TEST_SSH_PORT: String(sshd.port),
      AILAB_STATE_DIR: state,
      AILAB_PUBLIC_IP: '203.0.113.7',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      XDG_DATA_HOME: join(dir, 'data'),
    },
  });
}, 90_000);

afterAll(async () => {
  await fake?.stop();
  await sshd?.stop();
  removeTempDirs();
});

describe('week-01 method=ailab on the stand-in EC2 and a local sshd', () => {
  it("launches the course's g5.xlarge from the provision block", () => {
    expect(run.stderr).toMatch(/provision: aws g5\.xlarge \(a10g\)/);
    expect(fake.actions()).toContain('RunInstances');
    expect(Object.values(fake.requests.find((r) => r.action === 'RunInstances')!.params)).toContain(
      'week-01',
    );
  });

  it('runs the steps on the host over SSH', () => {
    expect(run.result.target.uri).toBe(`ssh://root@127.0.0.1:${sshd.port}`);
    expect(step(run.result, 'connect-ailab').status, problems(run.result)).toBe('pass');
    const smi = step(run.result, 'nvidia-smi');
    expect(smi.status, problems(run.result)).toBe('pass');
    expect(smi.checks[0].status).toBe('pass');
    // The stand-in is on the PATH of the sshd's sessions only: these calls came over SSH.
    expect(readFileSync(smiLog, 'utf8').trim().split('\n')).toEqual([
      'nvidia-smi ',
      'nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader,nounits',
      'nvidia-smi --query-gpu=name --format=csv,noheader',
    ]);
    // The console/cli steps and the local-machine checks are not part of this method.
    for (const id of ['prerequisites', 'cloud-cli', 'a2-quota', 'connect'])
      expect(run.result.steps.find((s) => s.id === id)?.status ?? 'skip').toBe('skip');
  });

  it('fails exactly the checks that need CUDA or conda, and exits 1', () => {
    const verify = step(run.result, 'verify-torch');
    expect(verify.status).toBe('fail');
    expect(verify.outputTail).toBe('CUDA available: False');
    expect(verifyCheck(run.result, 'ssh').status).toBe('pass');
    expect(verifyCheck(run.result, 'gpu').status).toBe('pass');
    expect(verifyCheck(run.result, 'env').status).toBe('fail');
    expect(verifyCheck(run.result, 'torch-cuda').status).toBe('fail');
    // The AWS key and the instance lookup belong to console/cli; so does every cleanup step.
    expect(Object.fromEntries(run.result.verify.map((c) => [c.id, c.status]))).toEqual({
      key: 'skip',
      instance: 'skip',
      ssh: 'pass',
      gpu: 'pass',
      env: 'fail',
      'torch-cuda': 'fail',
    });
    expect(run.result.cleanup.filter((c) => c.status !== 'skip')).toEqual([]);
    expect(run.code).toBe(1);
  });

  it('terminates the host at the end and leaves no host in the state file', () => {
    const actions = fake.actions();
    expect(actions).toContain('TerminateInstances');
    expect(actions.lastIndexOf('TerminateInstances')).toBeGreaterThan(actions.indexOf('RunInstances'));
    expect(fake.requests.find((r) => r.action === 'TerminateInstances')?.params['InstanceId.1']).toBe(
      INSTANCE,
    );
    expect(run.result.provisioned).toMatchObject({ cloud: 'aws', instanceId: INSTANCE, terminated: true });
    expect(JSON.parse(readFileSync(join(state, 'hosts.json'), 'utf8')).hosts).toEqual([]);
  });
});
