import { describe, expect, it } from 'vitest';
import { diagnoseNvidiaSmi } from './diagnose.js';

const run = (stdout: string, exitCode: number | null, stderr = '') =>
  diagnoseNvidiaSmi({ stdout, stderr, exitCode });

describe('diagnoseNvidiaSmi', () => {
  it.each([
    [
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
      9,
      'driver-not-loaded',
      /reboot/,
    ],
    [
      'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 580.173\n',
      18,
      'version-mismatch',
      /Reboot/,
    ],
    ['No devices were found\n', 6, 'no-devices', /--gpus all/],
    ['Unable to determine the device handle for GPU0000:CB:00.0: Unknown Error\n', 15, 'gpu-lost', /Reboot/],
    ['NVIDIA-SMI has failed because of Insufficient Permissions\n', 4, 'no-permission', /\/dev\/nvidia/],
    ['NVML Shared Library Not Found\n', 12, 'library-missing', /libnvidia-ml\.so/],
  ])('%s → %s', (stdout, code, expected, fix) => {
    const diagnosis = run(stdout, code);
    expect(diagnosis?.code).toBe(expected);
    expect(diagnosis?.fix).toMatch(fix);
    expect(diagnosis?.output).toBe(stdout.split('\n')[0]);
    expect(diagnosis?.exitCode).toBe(code);
  });

  it('command not found, from the shell (exit 127, message on stderr)', () => {
    const diagnosis = run('', 127, 'bash: line 1: nvidia-smi: command not found\n');
    expect(diagnosis).toMatchObject({
      code: 'not-installed',
      summary: 'nvidia-smi is not installed (no NVIDIA driver on this machine)',
      output: 'bash: line 1: nvidia-smi: command not found',
    });
  });

  it('a rejected query field is not a machine problem', () => {
    expect(run('Field "compute_cap" is not a valid field to query.\n\n', 2)).toBeUndefined();
  });

  it('an unknown failure is left to the caller', () => {
    expect(run('something else went wrong\n', 3)).toBeUndefined();
    expect(run('0, NVIDIA A10G, 23028\n', 0)).toBeUndefined();
  });
});
