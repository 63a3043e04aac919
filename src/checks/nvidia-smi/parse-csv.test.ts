import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NVIDIA_SMI_FIXTURES } from '../../../test/helpers/fake-gpu.js';
import { decodeThrottleMask, slowingReasons } from './gpu-record.js';
import { olderFieldName, parseCsvValue, parseNvidiaSmiCsv, QUERY_FIELDS } from './parse-csv.js';

// The H100 capture was taken with --format=csv (header, units): its header names the 212 fields.
const capture = readFileSync(join(NVIDIA_SMI_FIXTURES, 'h100-80gb-hbm3-query.csv'), 'utf8').split('\n');
const fields = capture[0].split(', ').map((h) => h.replace(/ \[[^\]]+\]$/, ''));
const [idle, load] = [capture[1], capture[2]];

describe('parseCsvValue', () => {
  it('reads values without their units and says why others are not values', () => {
    expect(parseCsvValue(' 81559 MiB ')).toEqual({ value: '81559' });
    expect(parseCsvValue('69.85 W')).toEqual({ value: '69.85' });
    expect(parseCsvValue('100.00 %')).toEqual({ value: '100.00' });
    expect(parseCsvValue('1980 MHz')).toEqual({ value: '1980' });
    expect(parseCsvValue('0 us')).toEqual({ value: '0' });
    expect(parseCsvValue('NVIDIA H100 80GB HBM3')).toEqual({ value: 'NVIDIA H100 80GB HBM3' });
    expect(parseCsvValue('[N/A]')).toEqual({ na: '[N/A]' });
    expect(parseCsvValue('[Not Supported]')).toEqual({ na: '[Not Supported]' });
    expect(parseCsvValue('[Unknown Error]')).toEqual({ na: '[Unknown Error]' });
    expect(parseCsvValue('[Requested functionality has been deprecated]')).toEqual({
      na: '[Requested functionality has been deprecated]',
    });
    expect(parseCsvValue('N/A')).toEqual({ na: 'N/A' });
    expect(parseCsvValue('')).toEqual({ na: 'empty' });
  });

  it('every non-value form in the real 212-field H100 row is recognised', () => {
    const values = idle.split(', ').map(parseCsvValue);
    const reasons = values.flatMap((v) => (v.na ? [v.na] : []));
    // From the reference: 61 × [N/A], 6 × deprecated, 6 × plain N/A, 1 empty.
    expect(reasons.filter((r) => r === '[N/A]')).toHaveLength(61);
    expect(reasons.filter((r) => r === '[Requested functionality has been deprecated]')).toHaveLength(6);
    expect(reasons.filter((r) => r === 'N/A')).toHaveLength(6);
    expect(reasons.filter((r) => r === 'empty')).toHaveLength(1);
  });
});

describe('parseNvidiaSmiCsv on the H100 capture', () => {
  it('reads the idle row', () => {
    const { gpus, driverVersion } = parseNvidiaSmiCsv(idle, fields);
    expect(driverVersion).toBe('590.48.01');
    expect(gpus).toHaveLength(1);
    const gpu = gpus[0];
    expect(gpu).toMatchObject({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      pciBusId: '00000000:00:09.0',
      computeCapability: '9.0',
      memoryTotalMiB: 81559,
      memoryUsedMiB: 0,
      memoryFreeMiB: 81081,
      utilizationGpu: 0,
      temperatureGpu: 41,
      powerDrawW: 69.85,
      powerLimitW: 700,
      smClockMHz: 345,
      maxSmClockMHz: 1980,
      pstate: 'P0',
      migMode: 'disabled',
      eccMode: 'enabled',
      eccUncorrected: 0,
      eccCorrected: 0,
      throttleReasons: ['gpu_idle'],
    });
  });

  it('reads the load row: busy, hot, at full clock, nothing slowing it', () => {
    const gpu = parseNvidiaSmiCsv(load, fields).gpus[0];
    expect(gpu).toMatchObject({
      utilizationGpu: 100,
      temperatureGpu: 59,
      powerDrawW: 631.95,
      smClockMHz: 1980,
    });
    expect(gpu.memoryUsedMiB).toBe(19818);
    expect(gpu.throttleReasons).toEqual([]);
  });

  it('one line per GPU, in the order asked, units or not', () => {
    const text = '0, NVIDIA A10G, 23028 MiB, 0 %\n1, NVIDIA A10G, 23028, [N/A]\n';
    const { gpus } = parseNvidiaSmiCsv(text, ['index', 'name', 'memory.total', 'utilization.gpu']);
    expect(gpus.map((g) => [g.index, g.name, g.memoryTotalMiB, g.utilizationGpu])).toEqual([
      [0, 'NVIDIA A10G', 23028, 0],
      [1, 'NVIDIA A10G', 23028, undefined],
    ]);
    expect(gpus[1].unavailable.utilizationGpu).toBe('[N/A]');
  });

  it('gives a comma inside a product name back to the name', () => {
    const { gpus } = parseNvidiaSmiCsv('0, Odd, Name GPU, 1024\n', ['index', 'name', 'memory.total']);
    expect(gpus[0]).toMatchObject({ name: 'Odd, Name GPU', memoryTotalMiB: 1024 });
  });

  it('refuses a line that does not fit the fields (text instead of CSV)', () => {
    expect(() => parseNvidiaSmiCsv('Failed to initialize NVML: Unknown Error\n', ['index', 'name'])).toThrow(
      /unexpected nvidia-smi CSV line 1: 1 values for 2 fields/,
    );
  });

  it('asks for fields that each have an older name where a driver renamed them', () => {
    expect(QUERY_FIELDS).toContain('compute_cap');
    expect(olderFieldName('clocks_event_reasons.active')).toBe('clocks_throttle_reasons.active');
    expect(olderFieldName('driver_version')).toBe('kmd_version');
    expect(olderFieldName('compute_cap')).toBeUndefined();
  });
});

describe('throttle reasons', () => {
  it('decodes the NVML bitmask', () => {
    expect(decodeThrottleMask('0x0000000000000001')).toEqual(['gpu_idle']);
    expect(decodeThrottleMask('0x00000000000000C4')).toEqual([
      'sw_power_cap',
      'hw_thermal_slowdown',
      'hw_power_brake_slowdown',
    ]);
    expect(decodeThrottleMask('0x0')).toEqual([]);
    expect(decodeThrottleMask('Not Active')).toBeUndefined();
    expect(slowingReasons(['gpu_idle', 'sw_power_cap', 'sync_boost'])).toEqual(['sw_power_cap']);
  });
});
