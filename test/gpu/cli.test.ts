// `ailab gpu` through the real CLI (bin/ailab.js → dist/), with the stand-in nvidia-smi first on PATH
// replaying each real capture, and each failure.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, runCli, STACK_FRAME } from '../helpers/cli.js';
import { FAKE_NVIDIA_SMI_DIR, type FakeScenario, fakeGpuEnv } from '../helpers/fake-gpu.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

const gpu = (
  scenario: FakeScenario | 'none',
  args: string[] = ['--json'],
  extra: Record<string, string> = {},
) => runCli(['gpu', ...args], { env: fakeGpuEnv(scenario, extra), timeoutMs: 30_000 });

describe('ailab gpu --json', () => {
  it.each([
    [
      'h100',
      {
        name: 'NVIDIA H100 80GB HBM3',
        memoryTotalMiB: 81559,
        driverVersion: '590.48.01',
        cudaVersion: '13.1',
        migMode: 'disabled',
        migDevices: [],
        utilizationGpu: 0,
      },
    ],
    [
      'h100-load',
      { name: 'NVIDIA H100 80GB HBM3', memoryUsedMiB: 19818, utilizationGpu: 100, powerDrawW: 631.95 },
    ],
    [
      'a100-mig',
      {
        name: 'NVIDIA A100-SXM4-80GB',
        memoryTotalMiB: 81920,
        driverVersion: '535.54.03',
        cudaVersion: '12.2',
        migMode: 'enabled',
      },
    ],
    [
      'a10g',
      {
        name: 'NVIDIA A10G',
        memoryTotalMiB: 23028,
        driverVersion: '515.105.01',
        cudaVersion: '11.7',
        migDevices: [],
      },
    ],
    [
      't4',
      {
        name: 'Tesla T4',
        memoryTotalMiB: 15360,
        driverVersion: '515.105.01',
        cudaVersion: '11.7',
        architecture: 'Turing',
      },
    ],
  ] as const)('%s: prints the right GPU', async (scenario, expected) => {
    const result = await gpu(scenario);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ target: 'local', ok: true });
    expect(body.gpus).toHaveLength(1);
    expect(body.gpus[0]).toMatchObject({ index: 0, ...expected });
    if (scenario === 'a100-mig') expect(body.gpus[0].migDevices).toHaveLength(4);
    if (scenario === 'a10g') expect(body.gpus[0].migMode).toBeUndefined();
  });

  it('an old driver that rejects fields: still lists the GPU, and notes what it left out', async () => {
    const result = await gpu('h100', ['--json'], { AILAB_FAKE_NVIDIA_SMI_REJECT: 'compute_cap' });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.notes).toEqual(['this driver does not know the field compute_cap: left it out']);
    expect(body.gpus[0].unavailable.computeCapability).toBe('not a field on this driver');
  });

  it.each([
    ['none', 'not-installed'],
    ['no-driver', 'driver-not-loaded'],
    ['version-mismatch', 'version-mismatch'],
    ['no-devices', 'no-devices'],
    ['gpu-lost', 'gpu-lost'],
  ] as const)('%s: the diagnosis as JSON, exit 1', async (scenario, code) => {
    const result = await gpu(scenario);
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ target: 'local', ok: false, diagnosis: { code } });
    expect(body.diagnosis.fix.length).toBeGreaterThan(20);
    expect(result.stderr).toBe('');
  });
});

describe('ailab gpu (table)', () => {
  it('prints a table with the inventory', async () => {
    const result = await gpu('h100', []);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'GPU  NAME                   MEMORY USED / TOTAL  DRIVER     CUDA  UTIL  TEMP  POWER / LIMIT  MIG',
      '0    NVIDIA H100 80GB HBM3  0 MiB / 79.6 GiB     590.48.01  13.1  0%    41 C  70 W / 700 W   off',
    ]);
  });

  it('lists MIG devices under the table', async () => {
    const result = await gpu('a100-mig', []);
    expect(result.stdout).toContain('on (4 devices)');
    expect(result.stdout).toContain('  GPU 0 MIG device 3: 19968 MiB');
  });

  it('a failure says why and what to do, exit 1, never a stack trace', async () => {
    const result = await gpu('version-mismatch', []);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^No usable GPU on local: the NVIDIA driver was updated but the old one is still loaded/,
    );
    expect(result.stdout).toContain('What to do: Reboot the machine');
    expect(result.stdout).not.toMatch(STACK_FRAME);
  });

  it('a target that cannot be reached is exit 3', async () => {
    const result = await runCli(
      ['gpu', '--target', 'ssh://nobody@127.0.0.1:1', '--identity', '/nonexistent/key'],
      {
        env: fakeGpuEnv('none'),
        timeoutMs: 30_000,
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ailab: /);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('ailab list and GPU labs', () => {
  const GPU_LABS = join(REPO_ROOT, 'test', 'labs-gpu');

  /** An nvidia-smi that logs each call, then hands over to the stand-in. */
  function countingNvidiaSmi(): { dir: string; calls: () => number } {
    const dir = makeTempDir('ailab-counting-smi-');
    const log = join(dir, 'calls.log');
    writeFileSync(
      join(dir, 'nvidia-smi'),
      `#!/usr/bin/env bash\necho "$*" >> '${log}'\nexec '${FAKE_NVIDIA_SMI_DIR}/nvidia-smi' "$@"\n`,
      { mode: 0o755 },
    );
    return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0) };
  }

  const list = (labsDir: string, scenario: FakeScenario | 'none', path?: string, args = ['--json']) => {
    const env = fakeGpuEnv(scenario, {
      AILAB_LABS_DIR: labsDir,
      AILAB_CACHE_DIR: makeTempDir('ailab-cache-'),
    });
    if (path) env.PATH = `${path}:${env.PATH}`;
    return runCli(['list', ...args], { env, timeoutMs: 30_000 });
  };

  it('shows "needs gpu" on a machine without one', async () => {
    const json = await list(GPU_LABS, 'none');
    expect(json.code).toBe(0);
    const labs = JSON.parse(json.stdout) as {
      id: string;
      requires: string[];
      missing: string[];
      meetsRequirements: boolean;
    }[];
    expect(labs.map((l) => [l.id, l.requires, l.missing, l.meetsRequirements])).toEqual([
      ['gpu-basics', ['bash', 'gpu'], ['gpu /H100|A10G|L4/ >= 16 GiB'], false],
      ['gpu-shorthand', ['bash', 'gpu'], ['gpu'], false],
    ]);
    const text = await list(GPU_LABS, 'none', undefined, []);
    expect(text.stdout).toContain('gpu-shorthand  Needs any NVIDIA GPU  — needs gpu');
  });

  it('asks nvidia-smi once when labs need a GPU, and not at all when none does', async () => {
    const counting = countingNvidiaSmi();
    const gpuLabs = await list(GPU_LABS, 'h100', counting.dir);
    expect(
      JSON.parse(gpuLabs.stdout).map((l: { meetsRequirements: boolean }) => l.meetsRequirements),
    ).toEqual([true, true]);
    expect(counting.calls()).toBe(1);
    const plain = await list(join(REPO_ROOT, 'test', 'labs'), 'h100', counting.dir);
    expect(plain.code).toBe(0);
    expect(counting.calls()).toBe(1);
  });
});
