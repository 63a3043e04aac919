import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureSection, NVIDIA_SMI_FIXTURES } from '../../../test/helpers/fake-gpu.js';
import { parseNvidiaSmiList, parseVersionHeader } from './parse-list.js';

const fixture = (name: string) => readFileSync(join(NVIDIA_SMI_FIXTURES, name), 'utf8');

describe('parseNvidiaSmiList', () => {
  it('reads the H100 capture (590.48.01)', () => {
    const text = captureSection('h100-80gb-hbm3-table.txt', 'nvidia-smi -L');
    expect(parseNvidiaSmiList(text)).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        migDevices: [],
      },
    ]);
  });

  it('reads MIG devices under their GPU, in the current layout', () => {
    // The layout quoted in the reference (§1.1) from the utkuozdemir H100-MIG capture; UUIDs shortened.
    const text = [
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-3b4e0c9a)',
      '  MIG 3g.40gb     Device  0: (UUID: MIG-8d6a4f2e-a)',
      '  MIG 1g.10gb     Device  1: (UUID: MIG-8d6a4f2e-b)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-3b4e0c9b)',
    ].join('\n');
    const gpus = parseNvidiaSmiList(text);
    expect(gpus.map((g) => [g.index, g.migDevices.map((d) => [d.index, d.profile, d.uuid])])).toEqual([
      [
        0,
        [
          [0, '3g.40gb', 'MIG-8d6a4f2e-a'],
          [1, '1g.10gb', 'MIG-8d6a4f2e-b'],
        ],
      ],
      [1, []],
    ]);
  });

  it('reads the 450–470 era MIG layout (deephyper/scalable-bo experiments/thetagpu/mig-example.sh @ 89b5c341)', () => {
    const text = [
      'GPU 0: A100-SXM4-40GB (UUID: GPU-2fa5cf01-9520-1bc1-995b-cc0c6d9bca7c)',
      '  MIG 1c.3g.20gb Device 0: (UUID: MIG-GPU-2fa5cf01-9520-1bc1-995b-cc0c6d9bca7c/1/0)',
      '  MIG 1c.3g.20gb Device 1: (UUID: MIG-GPU-2fa5cf01-9520-1bc1-995b-cc0c6d9bca7c/2/0)',
    ].join('\n');
    const [gpu] = parseNvidiaSmiList(text);
    expect(gpu.name).toBe('A100-SXM4-40GB');
    expect(gpu.migDevices).toEqual([
      { index: 0, profile: '1c.3g.20gb', uuid: 'MIG-GPU-2fa5cf01-9520-1bc1-995b-cc0c6d9bca7c/1/0' },
      { index: 1, profile: '1c.3g.20gb', uuid: 'MIG-GPU-2fa5cf01-9520-1bc1-995b-cc0c6d9bca7c/2/0' },
    ]);
  });
});

describe('parseVersionHeader', () => {
  it('reads driver and CUDA versions from every table layout in the captures', () => {
    expect(parseVersionHeader(fixture('h100-80gb-hbm3-table.txt'))).toEqual({
      driverVersion: '590.48.01',
      cudaVersion: '13.1',
    });
    expect(parseVersionHeader(fixture('h100-sxm-8x-table.txt'))).toEqual({
      driverVersion: '565.57.01',
      cudaVersion: '12.7',
    });
    // The file holds the 79-column (515) table first, then the 89-column (530) one.
    const [old, newer] = fixture('legacy-table-formats-titanv-rtx3070.txt').split(/(?=\| NVIDIA-SMI 530)/);
    expect(parseVersionHeader(old)).toEqual({ driverVersion: '515.65.01', cudaVersion: '11.7' });
    expect(parseVersionHeader(newer)).toEqual({ driverVersion: '531.68', cudaVersion: '12.1' });
  });

  it("reads 610's KMD / CUDA UMD words and the -q text form", () => {
    // Header line as quoted in the reference (§1.4) from a 610.57.04 capture.
    const line = '| NVIDIA-SMI 610.57.04              KMD Version: 610.57.04     CUDA UMD Version: 13.3 |';
    expect(parseVersionHeader(line)).toEqual({ driverVersion: '610.57.04', cudaVersion: '13.3' });
    expect(
      parseVersionHeader(
        'Driver Version                            : 550.54.15\nCUDA Version                              : 12.4',
      ),
    ).toEqual({
      driverVersion: '550.54.15',
      cudaVersion: '12.4',
    });
    expect(parseVersionHeader('No devices were found')).toEqual({});
  });
});
