// queryGpus against the stand-in nvidia-smi (test/helpers/fake-nvidia-smi), which replays the real
// captures: the commands really run, through bash, on this machine.
import { describe, expect, it } from 'vitest';
import { type FakeScenario, fakeGpuEnv } from '../../../test/helpers/fake-gpu.js';
import { LocalTarget } from '../../targets/local.js';
import type { ExecResult } from '../../targets/types.js';
import { type QueryNeeds, type QueryOutcome, queryGpus } from './query.js';

const target = new LocalTarget();

async function query(
  scenario: FakeScenario | 'none',
  options: { source?: 'auto' | 'csv' | 'xml'; needs?: QueryNeeds; env?: Record<string, string> } = {},
): Promise<{ outcome: QueryOutcome; commands: string[] }> {
  const env = fakeGpuEnv(scenario, options.env);
  const commands: string[] = [];
  const exec = (command: string): Promise<ExecResult> => {
    commands.push(command);
    return target.exec(command, { env, timeoutMs: 10_000 });
  };
  return { outcome: await queryGpus(exec, options), commands };
}

function inventoryOf(outcome: QueryOutcome) {
  if (!outcome.ok) throw new Error(`expected GPUs, got ${JSON.stringify(outcome)}`);
  return outcome.inventory;
}

describe('queryGpus through the stand-in nvidia-smi', () => {
  it('H100: one CSV query, nothing more when nothing more is needed', async () => {
    const { outcome, commands } = await query('h100');
    const inv = inventoryOf(outcome);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^nvidia-smi --query-gpu=index,name,.* --format=csv,noheader,nounits$/);
    expect(inv).toMatchObject({ source: 'csv', driverVersion: '590.48.01', notes: [] });
    expect(inv.gpus[0]).toMatchObject({
      name: 'NVIDIA H100 80GB HBM3',
      memoryTotalMiB: 81559,
      computeCapability: '9.0',
    });
    expect(inv.cudaVersion).toBeUndefined();
  });

  it('H100 under load: CUDA version from the table header, processes from --query-compute-apps', async () => {
    const { outcome, commands } = await query('h100-load', {
      needs: { cuda: true, processes: true, migDevices: true },
    });
    const inv = inventoryOf(outcome);
    expect(inv.cudaVersion).toBe('13.1');
    expect(inv.gpus[0].processes).toEqual([
      { pid: 11327, name: '/root/tools/memhog', type: 'C', usedMemoryMiB: 2566 },
      { pid: 11328, name: '/root/tools/memhog', type: 'C', usedMemoryMiB: 1542 },
      { pid: 11345, name: './gpu_burn', type: 'C', usedMemoryMiB: 15690 },
    ]);
    // MIG is off: no need to ask -L.
    expect(inv.gpus[0].migDevices).toEqual([]);
    expect(commands.some((c) => c.includes(' -L'))).toBe(false);
  });

  it('an old driver that rejects fields: renames or drops them one by one and says so', async () => {
    const { outcome, commands } = await query('h100', {
      env: { AILAB_FAKE_NVIDIA_SMI_REJECT: 'compute_cap,clocks_event_reasons.*' },
    });
    const inv = inventoryOf(outcome);
    expect(commands).toHaveLength(3);
    expect(commands[2]).not.toContain('compute_cap');
    expect(commands[2]).toContain('clocks_throttle_reasons.active');
    expect(inv.notes).toEqual([
      'this driver does not know the field compute_cap: left it out',
      'this driver does not know the field clocks_event_reasons.active: asked for clocks_throttle_reasons.active instead',
    ]);
    const gpu = inv.gpus[0];
    expect(gpu.computeCapability).toBeUndefined();
    expect(gpu.unavailable.computeCapability).toBe('not a field on this driver');
    expect(gpu.throttleReasons).toEqual(['gpu_idle']);
    expect(gpu.memoryTotalMiB).toBe(81559);
  });

  it('auto reads the XML report when the CSV query fails for an unknown reason (XML-only captures)', async () => {
    const { outcome } = await query('a100-mig', { needs: { migDevices: true, cuda: true } });
    const inv = inventoryOf(outcome);
    expect(inv.source).toBe('xml');
    expect(inv.notes[0]).toMatch(
      /^the CSV query failed \(nvidia-smi --query-gpu failed \(exit 99\).*read the XML report instead$/,
    );
    expect(inv).toMatchObject({ driverVersion: '535.54.03', cudaVersion: '12.2' });
    expect(inv.gpus[0].migDevices).toHaveLength(4);
  });

  it('source: xml asks only for the XML; source: csv never does', async () => {
    const xml = await query('t4', { source: 'xml' });
    expect(xml.commands).toEqual(['nvidia-smi -q -x']);
    expect(inventoryOf(xml.outcome).gpus[0].name).toBe('Tesla T4');
    const csv = await query('t4', { source: 'csv' });
    expect(csv.commands).toHaveLength(1);
    expect(csv.outcome).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^nvidia-smi --query-gpu failed \(exit 99\)/),
    });
  });

  it.each([
    ['none', 'not-installed', 127],
    ['no-driver', 'driver-not-loaded', 9],
    ['version-mismatch', 'version-mismatch', 18],
    ['no-devices', 'no-devices', 6],
    ['gpu-lost', 'gpu-lost', 15],
  ] as const)('%s: a diagnosis, and no second try with XML', async (scenario, code, exitCode) => {
    const { outcome, commands } = await query(scenario);
    expect(commands).toHaveLength(1);
    expect(outcome).toMatchObject({ ok: false, diagnosis: { code, exitCode } });
  });
});
