// The idle stop wired into launches: the EC2 RunInstances user data (aws-sdk-client-mock) carries the
// watcher when it is set and not when it is off, and that user data, run for real with bash (paths
// moved into a temp folder, systemd-run / nohup / shutdown as stand-ins), installs the exact payload
// and starts it; the GCP insert carries a startup-script; a lab's provision block has it on at 30m
// by default and `idle_stop: off` turns it off; `ailab up --idle-stop` takes a duration, off by
// default, and a bad value is a usage error (exit 2) naming the flag; `ailab hosts` shows it.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createAwsProvider } from '../../src/provision/aws.js';
import { PER_BOOT_GUARD, USER_DATA_LIMIT_BYTES, userData } from '../../src/provision/aws-inputs.js';
import { createGcpProvider, type GcpClients } from '../../src/provision/gcp.js';
import {
  IDLE_STOP_PATH,
  idleStopPayload,
  idleStopStartupScript,
  MAX_IDLE_STOP_MINUTES,
  parseIdleStop,
} from '../../src/provision/idle-stop.js';
import { normalizeLaunch } from '../../src/provision/launch-spec.js';
import { saveHost } from '../../src/provision/state.js';
import type { HostRecord } from '../../src/provision/types.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import * as fx from './aws-fixtures.js';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const savedStateDir = process.env.AILAB_STATE_DIR;

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);
beforeEach(() => {
  ec2.reset();
  ssm.reset();
  process.env.AILAB_STATE_DIR = makeTempDir('ailab-idle-launch-');
});
afterEach(() => {
  process.env.AILAB_STATE_DIR = savedStateDir;
});
afterAll(() => removeTempDirs());

async function awsLaunch(request: Partial<Parameters<typeof normalizeLaunch>[0]>) {
  ssm.on(GetParameterCommand).resolves(fx.getParameter);
  ec2.on(DescribeImagesCommand).resolves({ Images: [fx.image(fx.AMI_ID, '2025-05-23T08:12:44.000Z')] });
  ec2.on(CreateKeyPairCommand).callsFake((input) => ({ ...fx.createKeyPair, KeyName: input.KeyName }));
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: fx.GROUP_ID, Tags: [] });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(RunInstancesCommand).resolves({ Groups: [], Instances: [fx.instance('pending')] });
  const spec = normalizeLaunch({ cloud: 'aws', ...request });
  const provider = await createAwsProvider({ lookupPublicIp: async () => fx.CALLER_IP, pollMs: 1 });
  const host = await provider.launch(spec, { record: async () => {} });
  const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
  return { spec, host, run, script: Buffer.from(run.UserData!, 'base64').toString('utf8') };
}

/**
 * Run user data with bash as cloud-init would, but with the install folder moved into `dir` and a
 * PATH of stand-ins (systemd-run, nohup and shutdown note their arguments) plus mkdir, cat and chmod.
 */
function runUserData(script: string, options: { systemdRun: boolean }) {
  const dir = makeTempDir('ailab-user-data-');
  const bin = join(dir, 'bin');
  const root = join(dir, 'root');
  execFileSync('mkdir', ['-p', bin, root]);
  for (const tool of ['mkdir', 'cat', 'chmod'])
    symlinkSync(execFileSync('which', [tool], { encoding: 'utf8' }).trim(), join(bin, tool));
  const standIns = ['shutdown', 'nohup', ...(options.systemdRun ? ['systemd-run'] : [])];
  for (const name of standIns)
    writeFileSync(
      join(bin, name),
      `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(join(dir, `${name}.calls`))}\n`,
      {
        mode: 0o755,
      },
    );
  const moved = script
    .replaceAll('/usr/local/sbin', `${root}/usr/local/sbin`)
    .replaceAll('/var/lib/cloud', `${root}/var/lib/cloud`)
    .replaceAll('/var/log', root);
  // `wait`: the nohup fallback starts the watcher in the background.
  const result = spawnSync('/bin/bash', ['-c', `${moved}\nwait`], {
    env: { PATH: bin },
    encoding: 'utf8',
    timeout: 10_000,
  });
  const calls = (name: string) => {
    try {
      return readFileSync(join(dir, `${name}.calls`), 'utf8')
        .trim()
        .split('\n');
    } catch {
      return [];
    }
  };
  return { result, calls, installed: `${root}${IDLE_STOP_PATH}`, dir, bin, root };
}

/** Boot again: run the per-boot guard the user data left, at `now` (a stand-in date on PATH). */
function rebootAt(setup: ReturnType<typeof runUserData>, now: Date) {
  const guard = `${setup.root}${PER_BOOT_GUARD}`;
  writeFileSync(join(setup.bin, 'date'), `#!/bin/bash\necho ${Math.floor(now.getTime() / 1000)}\n`, {
    mode: 0o755,
  });
  for (const name of ['shutdown', 'systemd-run', 'nohup'])
    rmSync(join(setup.dir, `${name}.calls`), { force: true });
  // The user data ran with its paths moved, so the guard it wrote points into the temp folder already.
  const text = readFileSync(guard, 'utf8');
  const result = spawnSync('/bin/bash', ['-c', `${text}\nwait`], {
    env: { PATH: setup.bin },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { result, mode: statSync(guard).mode & 0o777 };
}

describe('AWS user data', () => {
  it('carries the watcher when the idle stop is set, installs the exact payload and starts it as a systemd unit', async () => {
    const { spec, host, run, script } = await awsLaunch({ idleStop: '30m' });
    expect(spec.idleStopMinutes).toBe(30);
    expect(host.idleStopMinutes).toBe(30);
    expect(run.InstanceInitiatedShutdownBehavior).toBe('terminate');
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain('shutdown -h +240');
    expect(script).toContain(`cat > ${IDLE_STOP_PATH} <<'AILAB_IDLE_STOP_PAYLOAD'\n${idleStopPayload()}`);
    expect(script).toContain(
      `systemd-run --unit=ailab-idle-stop --description="ailab idle stop after 30 minutes" /bin/bash ${IDLE_STOP_PATH} 30`,
    );
    expect(Buffer.byteLength(script)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);

    const { result, calls, installed } = runUserData(script, { systemdRun: true });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(installed, 'utf8')).toBe(idleStopPayload());
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    expect(calls('shutdown')).toEqual(['-h +240 ailab: max-hours reached, terminating']);
    expect(calls('systemd-run')).toEqual([
      `--unit=ailab-idle-stop --description=ailab idle stop after 30 minutes /bin/bash ${installed} 30`,
    ]);
    expect(calls('nohup')).toEqual([]);
  });

  it('arms the shutdown at the launch expiry and the watcher again after a reboot', async () => {
    const { spec, script } = await awsLaunch({ idleStop: '30m', maxHours: 4 });
    const setup = runUserData(script, { systemdRun: true });
    expect(setup.result.status, setup.result.stderr).toBe(0);
    const expires = Date.parse(spec.expiresAt);
    // Rebooted 90 minutes before the expiry: shut down then, not max-hours from now.
    const early = rebootAt(setup, new Date(expires - 90 * 60_000));
    expect(early.result.status, early.result.stderr).toBe(0);
    expect(early.mode).toBe(0o755);
    expect(setup.calls('shutdown')).toEqual(['-h +90 ailab: max-hours reached, terminating']);
    expect(setup.calls('systemd-run')).toEqual([
      `--unit=ailab-idle-stop --description=ailab idle stop after 30 minutes /bin/bash ${setup.installed} 30`,
    ]);
    // Rebooted after the expiry: terminate at once.
    rebootAt(setup, new Date(expires + 60_000));
    expect(setup.calls('shutdown')).toEqual(['-h now ailab: max-hours reached, terminating']);
  });

  it('re-arms only the shutdown after a reboot when the idle stop is off', async () => {
    const { spec, script } = await awsLaunch({});
    expect(script).toContain(PER_BOOT_GUARD);
    const setup = runUserData(script, { systemdRun: true });
    rebootAt(setup, new Date(Date.parse(spec.expiresAt) - 3 * 3_600_000));
    expect(setup.calls('shutdown')).toEqual(['-h +180 ailab: max-hours reached, terminating']);
    expect(setup.calls('systemd-run')).toEqual([]);
  });

  it('falls back to nohup where there is no systemd-run', async () => {
    const { script } = await awsLaunch({ idleStop: '2h' });
    const { result, calls, installed } = runUserData(script, { systemdRun: false });
    expect(result.status, result.stderr).toBe(0);
    expect(calls('nohup')).toEqual([`/bin/bash ${installed} 120`]);
  });

  it('has no watcher when the idle stop is off (the default of ailab up)', async () => {
    for (const idleStop of [undefined, 'off', 0, '0']) {
      ec2.reset();
      ssm.reset();
      const { spec, host, script } = await awsLaunch({ idleStop });
      expect(spec.idleStopMinutes).toBeUndefined();
      expect(host.idleStopMinutes).toBeUndefined();
      expect(script).toContain('shutdown -h +240');
      expect(script).not.toContain('ailab-idle-stop');
    }
  });

  it('ailab down of a host that ended itself long ago (EC2 forgot the instance) still removes its group and key', async () => {
    ec2.on(DescribeInstancesCommand).resolves(fx.reservation());
    ec2.on(TerminateInstancesCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidInstanceID.NotFound',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `The instance ID '${fx.INSTANCE_ID}' does not exist`,
      }),
    );
    ec2.on(DeleteSecurityGroupCommand).resolves({ Return: true });
    ec2.on(DeleteKeyPairCommand).resolves({ Return: true });
    const provider = await createAwsProvider({ pollMs: 1 });
    await provider.terminate({
      name: 'ailab-2506011000-abcd',
      cloud: 'aws',
      region: 'us-east-1',
      lab: 'manual',
      owner: 'learner@laptop',
      instanceType: 'g5.xlarge',
      gpu: 'a10g',
      spot: false,
      status: 'running',
      user: 'ubuntu',
      instanceId: fx.INSTANCE_ID,
      keyName: 'ailab-2506011000-abcd',
      securityGroupId: fx.GROUP_ID,
      launchedAt: '2025-06-01T10:00:00.000Z',
      expiresAt: '2025-06-01T14:00:00.000Z',
      idleStopMinutes: 30,
    });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)[0]!.args[0].input).toEqual({ GroupId: fx.GROUP_ID });
    expect(ec2.commandCalls(DeleteKeyPairCommand)[0]!.args[0].input).toEqual({
      KeyName: 'ailab-2506011000-abcd',
    });
  });

  it('stays under the 16 KB limit with the longest setting', () => {
    const script = userData({
      maxHours: 72,
      expiresAt: '2026-11-30T12:00:00.000Z',
      idleStopMinutes: MAX_IDLE_STOP_MINUTES,
    });
    expect(Buffer.byteLength(script)).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });
});

describe('GCP instance', () => {
  function clientsRecordingInsert() {
    const inserts: Record<string, unknown>[] = [];
    const op = { latestResponse: { name: 'operation-x', status: 'DONE' } };
    const clients = {
      projectId: async () => 'ailab-course-4711',
      instances: {
        insert: async (request: Record<string, unknown>) => {
          inserts.push(request);
          return [op];
        },
      },
      firewalls: { insert: async () => [op] },
    } as unknown as GcpClients;
    return { clients, inserts };
  }

  async function metadataItems(idleStop?: string) {
    const dir = makeTempDir('ailab-gcp-key-');
    writeFileSync(
      join(dir, 'id_ed25519.pub'),
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4Test learner@laptop\n',
    );
    const spec = normalizeLaunch({ cloud: 'gcp', idleStop, publicKeyFile: join(dir, 'id_ed25519.pub') });
    const { clients, inserts } = clientsRecordingInsert();
    const provider = await createGcpProvider(
      { lookupPublicIp: async () => '203.0.113.7' },
      async () => clients,
    );
    const host = await provider.launch(spec, { record: async () => {} });
    const resource = inserts[0]!.instanceResource as {
      metadata: { items: { key: string; value: string }[] };
    };
    return { host, items: resource.metadata.items };
  }

  it('inserts the VM with a startup-script that installs and starts the watcher at every boot', async () => {
    const { host, items } = await metadataItems('45m');
    expect(host.idleStopMinutes).toBe(45);
    expect(items.map((i) => i.key)).toEqual(['ssh-keys', 'install-nvidia-driver', 'startup-script']);
    const startup = items.find((i) => i.key === 'startup-script')!.value;
    expect(startup).toBe(idleStopStartupScript(45));
    expect(startup).toMatch(/^#!\/bin\/bash\n/);
    expect(startup).toContain(idleStopPayload());
    expect(startup).toContain(`/bin/bash ${IDLE_STOP_PATH} 45`);
  });

  it('has no startup-script when it is off', async () => {
    const { items } = await metadataItems(undefined);
    expect(items.map((i) => i.key)).toEqual(['ssh-keys', 'install-nvidia-driver']);
  });
});

describe('parsing the setting', () => {
  it('takes durations, off, false and 0; a bare number is seconds, as everywhere in ailab', () => {
    expect(parseIdleStop('30m', '--idle-stop')).toBe(30);
    expect(parseIdleStop('2h', '--idle-stop')).toBe(120);
    expect(parseIdleStop('1h30m', '--idle-stop')).toBe(90);
    expect(parseIdleStop(1800, 'provision.idle_stop')).toBe(30);
    expect(parseIdleStop('off', '--idle-stop')).toBe(0);
    expect(parseIdleStop(false, 'provision.idle_stop')).toBe(0);
    expect(parseIdleStop(0, 'provision.idle_stop')).toBe(0);
    for (const bad of ['5m', '30', '25h', 'soon', '30 minutes', true]) {
      expect(() => parseIdleStop(bad, '--idle-stop'), String(bad)).toThrow(UsageError);
      expect(() => parseIdleStop(bad, '--idle-stop'), String(bad)).toThrow(/--idle-stop/);
    }
  });
});

describe('ailab up --idle-stop', () => {
  const dry = (...extra: string[]) =>
    runCli(['up', '--cloud', 'aws', '--dry-run', ...extra], { env: { AILAB_PUBLIC_IP: '203.0.113.7' } });

  it('is off by default; --idle-stop 30m puts the watcher into the user data the dry run prints', async () => {
    const off = await dry();
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('idle stop: off (--idle-stop 30m sets one)');
    expect(off.stdout).toContain('# UserData, base64-decoded:\n#!/bin/bash\n');
    expect(off.stdout).not.toContain('ailab-idle-stop');

    const on = await dry('--idle-stop', '30m');
    expect(on.code, on.stderr).toBe(0);
    expect(on.stderr).toContain('idle stop: the host shuts itself down after 30m with no SSH session');
    expect(on.stdout).toContain(`/bin/bash ${IDLE_STOP_PATH} 30\n`);
    expect(on.stdout).toContain(idleStopPayload());
  });

  it('refuses a bad value with exit 2, naming the flag, before anything is sent', async () => {
    for (const [value, message] of [
      ['5m', '--idle-stop 5m is out of range'],
      ['soon', '--idle-stop "soon" is not a duration'],
    ]) {
      const r = await dry('--idle-stop', value);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});

describe('a lab provision block', () => {
  function lab(extra: string): string {
    const dir = makeTempDir('ailab-idle-lab-');
    const file = join(dir, 'cloud-lab.yaml');
    writeFileSync(
      file,
      `id: cloud-lab
title: Runs on a launched host
choices:
  cloud: { prompt: Which cloud?, options: [aws, gcp], default: aws }
provision:
  cloud: \${{ cloud }}
  max_hours: 1${extra}
steps:
  - id: on-host
    title: Runs on the host
    run: "true"
`,
    );
    return file;
  }
  const dryRun = (file: string, cloud = 'aws', extra: string[] = []) =>
    runCli(['run', file, '--dry-run', '--set', `cloud=${cloud}`, ...extra], {
      env: { AILAB_PUBLIC_IP: '203.0.113.7', GOOGLE_CLOUD_PROJECT: 'ailab-course-4711' },
    });

  it('has an idle stop of 30 minutes unless it says otherwise', async () => {
    const r = await dryRun(lab(''));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('idle stop: the host shuts itself down after 30m');
    expect(r.stdout).toContain(`/bin/bash ${IDLE_STOP_PATH} 30\n`);
    const gcp = await dryRun(lab(''), 'gcp');
    expect(gcp.code, gcp.stderr).toBe(0);
    expect(gcp.stdout).toContain('"key": "startup-script"');
    expect(gcp.stdout).toContain(`/bin/bash ${IDLE_STOP_PATH} 30\\n`);
  });

  it('idle_stop: 45m sets it, and idle_stop: off turns it off', async () => {
    const set = await dryRun(lab('\n  idle_stop: 45m'));
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`/bin/bash ${IDLE_STOP_PATH} 45\n`);
    const off = await dryRun(lab('\n  idle_stop: off'));
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('idle stop: off (idle_stop: off in the provision block)');
    expect(off.stdout).not.toContain('ailab-idle-stop');
    const gcpOff = await dryRun(lab('\n  idle_stop: off'), 'gcp');
    expect(gcpOff.code, gcpOff.stderr).toBe(0);
    expect(gcpOff.stdout).toContain('instances.insert');
    expect(gcpOff.stdout).not.toContain('startup-script');
  });

  it('ailab run --idle-stop overrides the lab, and a bad value names the flag', async () => {
    const longer = await dryRun(lab('\n  idle_stop: 45m'), 'aws', ['--idle-stop', '2h']);
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stdout).toContain(`/bin/bash ${IDLE_STOP_PATH} 120\n`);
    const off = await dryRun(lab(''), 'aws', ['--idle-stop', 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).not.toContain('ailab-idle-stop');
    const bad = await dryRun(lab(''), 'aws', ['--idle-stop', '5m']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--idle-stop 5m is out of range');
  });

  it('a value out of range or not a duration is exit 2, naming the field', async () => {
    const short = await dryRun(lab('\n  idle_stop: 5m'));
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('cloud-lab: provision.idle_stop 5m is out of range');
    const word = await dryRun(lab('\n  idle_stop: soon'));
    expect(word.code).toBe(2);
    expect(word.stderr).toMatch(/idle_stop/);
  });
});

describe('ailab hosts', () => {
  it('shows a host’s idle stop from its record', async () => {
    const host: HostRecord = {
      name: 'ailab-2506011000-abcd',
      cloud: 'aws',
      region: 'us-east-1',
      lab: 'manual',
      owner: 'learner@laptop',
      instanceType: 'g5.xlarge',
      gpu: 'a10g',
      spot: false,
      status: 'running',
      user: 'ubuntu',
      instanceId: fx.INSTANCE_ID,
      address: fx.PUBLIC_IP,
      launchedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      idleStopMinutes: 30,
    };
    await saveHost(host);
    const r = await runCli(['hosts'], { env: { AILAB_STATE_DIR: process.env.AILAB_STATE_DIR } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ends \S+ or after 30m idle/);
    const json = await runCli(['hosts', '--json'], { env: { AILAB_STATE_DIR: process.env.AILAB_STATE_DIR } });
    expect(JSON.parse(json.stdout)[0].idleStopMinutes).toBe(30);
  });
});
