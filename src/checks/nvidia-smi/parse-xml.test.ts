import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NVIDIA_SMI_FIXTURES } from '../../../test/helpers/fake-gpu.js';
import { parseNvidiaSmiXml, xmlSchemaVersion } from './parse-xml.js';

const fixture = (name: string) => readFileSync(join(NVIDIA_SMI_FIXTURES, name), 'utf8');

describe('parseNvidiaSmiXml on the real captures', () => {
  it('A10G, DTD v11: power_readings, clocks_throttle_reasons, no MIG', () => {
    const text = fixture('a10g-q.xml');
    expect(xmlSchemaVersion(text)).toBe(11);
    const inv = parseNvidiaSmiXml(text);
    expect(inv).toMatchObject({ source: 'xml', driverVersion: '515.105.01', cudaVersion: '11.7', notes: [] });
    expect(inv.gpus).toHaveLength(1);
    const gpu = inv.gpus[0];
    expect(gpu).toMatchObject({
      index: 0,
      name: 'NVIDIA A10G',
      uuid: 'GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94',
      pciBusId: '00000000:00:1E.0',
      architecture: 'Ampere',
      memoryTotalMiB: 23028,
      memoryUsedMiB: 22,
      utilizationGpu: 0,
      temperatureGpu: 17,
      powerDrawW: 25.58,
      powerLimitW: 300,
      smClockMHz: 210,
      maxSmClockMHz: 1710,
      pstate: 'P8',
      eccMode: 'enabled',
      eccUncorrected: 0,
      eccCorrected: 0,
      migDevices: [],
      throttleReasons: ['gpu_idle'],
      processes: [{ pid: 725, name: '/usr/lib/xorg/Xorg', type: 'G', usedMemoryMiB: 22 }],
    });
    expect(gpu.migMode).toBeUndefined();
    expect(gpu.unavailable.migMode).toBe('N/A');
    expect(gpu.unavailable.computeCapability).toBe('not in the XML report');
  });

  it('Tesla T4, DTD v11: a compute and a graphics process', () => {
    const inv = parseNvidiaSmiXml(fixture('t4-q.xml'));
    expect(inv.driverVersion).toBe('515.105.01');
    const gpu = inv.gpus[0];
    expect(gpu).toMatchObject({
      name: 'Tesla T4',
      architecture: 'Turing',
      memoryTotalMiB: 15360,
      memoryUsedMiB: 1032,
      powerDrawW: 26.78,
      powerLimitW: 70,
      maxSmClockMHz: 1590,
      throttleReasons: [],
    });
    expect(gpu.processes).toEqual([
      { pid: 675, name: '/usr/lib/xorg/Xorg', type: 'G', usedMemoryMiB: 22 },
      { pid: 5762, name: 'python', type: 'C', usedMemoryMiB: 1005 },
    ]);
    expect(gpu.unavailable.utilizationGpu).toBeUndefined();
  });

  it('A100 with MIG, DTD v12: gpu_power_readings, clocks_event_reasons, four MIG devices', () => {
    const text = fixture('a100-sxm4-80gb-mig-q.xml');
    expect(xmlSchemaVersion(text)).toBe(12);
    const inv = parseNvidiaSmiXml(text);
    expect(inv).toMatchObject({ driverVersion: '535.54.03', cudaVersion: '12.2' });
    // telegraf trimmed the capture to one <gpu>: the parser says so rather than inventing three.
    expect(inv.notes).toEqual(['the report says 4 GPUs are attached but describes 1']);
    const gpu = inv.gpus[0];
    expect(gpu).toMatchObject({
      name: 'NVIDIA A100-SXM4-80GB',
      uuid: 'GPU-513536b6-7d19-9063-b049-1e69664bb298',
      memoryTotalMiB: 81920,
      memoryUsedMiB: 50,
      powerDrawW: 67.03,
      powerLimitW: 500,
      migMode: 'enabled',
      temperatureGpu: 27,
      throttleReasons: [],
      processes: [],
    });
    // MIG mode: utilisation is N/A.
    expect(gpu.utilizationGpu).toBeUndefined();
    expect(gpu.unavailable.utilizationGpu).toBe('N/A');
    expect(gpu.migDevices).toEqual(
      [0, 1, 2, 3].map((index) => ({
        index,
        gpuInstanceId: index + 3,
        computeInstanceId: 0,
        memoryTotalMiB: 19968,
        smCount: 14,
      })),
    );
  });

  it('DTD v13 (derived from the v12 capture): average_power_draw and instant_power_draw, no power_draw', () => {
    // No v13 capture is in the fixtures; the reference says v13's gpu_power_readings has
    // average_power_draw and instant_power_draw and no power_draw (telegraf's rtx3080-q-v13.xml).
    const v13 = fixture('a100-sxm4-80gb-mig-q.xml')
      .replace('nvsmi_device_v12.dtd', 'nvsmi_device_v13.dtd')
      .replace(
        /(<gpu_power_readings>[\s\S]*?)<power_draw>67.03 W<\/power_draw>/,
        '$1<average_power_draw>71.50 W</average_power_draw><instant_power_draw>70.25 W</instant_power_draw>',
      );
    expect(xmlSchemaVersion(v13)).toBe(13);
    expect(parseNvidiaSmiXml(v13).gpus[0].powerDrawW).toBe(71.5);
  });

  it('an XML without DOCTYPE (drivers ≤ 418) still parses', () => {
    const text = fixture('t4-q.xml').replace(/<!DOCTYPE[^>]*>\n/, '');
    expect(xmlSchemaVersion(text)).toBeUndefined();
    expect(parseNvidiaSmiXml(text).gpus[0].name).toBe('Tesla T4');
  });

  it('refuses what is not an nvidia-smi report', () => {
    expect(() => parseNvidiaSmiXml('Failed to initialize NVML: Unknown Error')).toThrow(
      /no <nvidia_smi_log>/,
    );
    expect(() => parseNvidiaSmiXml('<other/>')).toThrow(/no <nvidia_smi_log>/);
  });
});
