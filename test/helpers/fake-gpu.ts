// Stand-ins for a GPU machine on a CPU-only one: the fake nvidia-smi (test/helpers/fake-nvidia-smi,
// replaying the real captures in ../shared/fixtures/nvidia-smi) first on PATH, and a fake `torch`
// package (test/helpers/fake-torch, numpy underneath) for the GPU code paths of the Python payloads.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckContext } from '../../src/checks/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import type { ExecOptions, ExecResult } from '../../src/targets/types.js';
import { makeCheckContext } from './check-context.js';

const here = dirname(fileURLToPath(import.meta.url));

export const FAKE_NVIDIA_SMI_DIR = join(here, 'fake-nvidia-smi');
export const FAKE_TORCH_DIR = join(here, 'fake-torch');
export const NVIDIA_SMI_FIXTURES =
  process.env.AILAB_FAKE_NVIDIA_SMI_FIXTURES ?? resolve(here, '../../../shared/fixtures/nvidia-smi');
/** Debian's python3 with python3-numpy (the pyenv python3 first on PATH does not see Debian packages). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const hasSystemNumpy = existsSync(SYSTEM_PYTHON);

export type FakeScenario =
  | 'h100'
  | 'h100-load'
  | 'a100-mig'
  | 'a10g'
  | 't4'
  | 'no-driver'
  | 'version-mismatch'
  | 'no-devices'
  | 'gpu-lost';

/** A PATH without any real nvidia-smi, so that "not installed" is real on any machine. */
function pathWithoutNvidiaSmi(): string {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => !existsSync(join(dir, 'nvidia-smi')))
    .join(':');
}

/** The environment of a machine whose nvidia-smi replays `scenario` (none: no nvidia-smi at all). */
export function fakeGpuEnv(
  scenario: FakeScenario | 'none',
  extra: Record<string, string> = {},
): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const path = pathWithoutNvidiaSmi();
  return {
    ...base,
    PATH: scenario === 'none' ? path : `${FAKE_NVIDIA_SMI_DIR}:${path}`,
    AILAB_FAKE_NVIDIA_SMI: scenario === 'none' ? '' : scenario,
    AILAB_FAKE_NVIDIA_SMI_FIXTURES: NVIDIA_SMI_FIXTURES,
    ...extra,
  };
}

/** `env VAR=… /usr/bin/python3`: an interpreter whose `import torch` finds the fake torch with these GPUs. */
export function fakeTorchPython(gpus: string, extra: Record<string, string> = {}): string {
  const vars = { PYTHONPATH: FAKE_TORCH_DIR, AILAB_FAKE_TORCH_GPUS: gpus, ...extra };
  return `env ${Object.entries(vars)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ')} ${SYSTEM_PYTHON}`;
}

/** A LocalTarget whose commands see `env` (the lab-level and preflight tests). */
export class FakeGpuTarget extends LocalTarget {
  constructor(private readonly env: Record<string, string>) {
    super();
  }

  override exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return super.exec(command, { ...options, env: { ...this.env, ...options.env } });
  }
}

/** A check context on this machine whose commands see the fake GPU environment. */
export function fakeGpuContext(
  scenario: FakeScenario | 'none',
  extra: Record<string, string> = {},
): CheckContext {
  return makeCheckContext({ target: new FakeGpuTarget(fakeGpuEnv(scenario, extra)) });
}

/** One section of a utkuozdemir capture (`# label :: …` / `# $ command` / #### / output / ####). */
export function captureSection(file: string, command: string, label?: string): string {
  const lines = readFileSync(join(NVIDIA_SMI_FIXTURES, file), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== `# $ ${command}`.trim()) continue;
    if (label && !lines[i - 1]?.startsWith(`# ${label} ::`)) continue;
    const end = lines.findIndex((l, j) => j > i + 1 && l.startsWith('####'));
    return `${lines
      .slice(i + 2, end)
      .join('\n')
      .trimEnd()}\n`;
  }
  throw new Error(`no section "${command}" in ${file}`);
}
