// The nvidia-smi check end to end on this machine, with the stand-in nvidia-smi replaying real captures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeCheckContexts } from '../../../test/helpers/check-context.js';
import { type FakeScenario, fakeGpuContext } from '../../../test/helpers/fake-gpu.js';
import { check } from './index.js';

afterAll(removeCheckContexts);

const run = (
  scenario: FakeScenario | 'none',
  options: Record<string, unknown> = {},
  env?: Record<string, string>,
) => check.run(fakeGpuContext(scenario, env), check.schema.parse(options));

const assertion = (outcome: Awaited<ReturnType<typeof run>>, name: string) =>
  outcome.assertions?.find((a) => a.name === name);

describe('nvidia-smi check', () => {
  it('passes with no options when a GPU answers, and records facts and JSON details', async () => {
    const outcome = await run('h100');
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe('gpu count 1');
    expect(outcome.facts).toEqual({
      gpu_count: 1,
      gpu_name: 'NVIDIA H100 80GB HBM3',
      gpu_memory_mib: 81559,
      driver_version: '590.48.01',
    });
    const details = JSON.parse(outcome.details ?? '');
    expect(details.gpus[0]).toMatchObject({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      memoryTotalMiB: 81559,
      driverVersion: '590.48.01',
    });
  });

  it('grades what a GPU lab expects of an H100', async () => {
    const outcome = await run('h100', {
      count: 1,
      name: 'h100',
      memory_total: '>= 79GiB',
      driver: '>= 535',
      cuda: '>= 12.2',
      compute_capability: '>= 8.0',
      mig_mode: 'disabled',
      mig_devices: 0,
      utilization: '< 10',
      temperature: '< 85',
      power_draw: '< 700',
      ecc_errors: 0,
      throttling: false,
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.assertions?.map((a) => `${a.name}: ${a.actual}`)).toEqual([
      'gpu count: 1',
      'name: NVIDIA H100 80GB HBM3',
      'memory total: 79.6 GiB',
      'driver: 590.48.01',
      'cuda: 13.1',
      'compute capability: 9.0',
      'mig mode: disabled',
      'mig devices: 0',
      'utilization: 0%',
      'temperature: 41 °C',
      'power draw: 69.85 W',
      'ecc errors: 0',
      'throttling: none',
    ]);
  });

  it('fails each unmet expectation with what it saw (partial credit per assertion)', async () => {
    const outcome = await run('h100', {
      count: '>= 2',
      name: 'A10G|L4',
      memory_total: '80GiB',
      driver: '>= 600',
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('gpu count 1, expected >= 2 (and 3 more)');
    expect(assertion(outcome, 'name')?.message).toBe(
      'name NVIDIA H100 80GB HBM3, expected matches /A10G|L4/i',
    );
    // An "80GB" H100 reports 81559 MiB = 79.6 GiB: a bare size means at least.
    expect(assertion(outcome, 'memory total')).toMatchObject({
      ok: false,
      expected: '>= 80GiB',
      actual: '79.6 GiB',
    });
    expect(assertion(outcome, 'driver')).toMatchObject({
      ok: false,
      actual: '590.48.01',
      expected: '>= 600',
    });
  });

  it('under load: a process by name or pid, busy, memory in use', async () => {
    const outcome = await run('h100-load', {
      process: 'gpu_burn',
      utilization: '>= 90',
      memory_used: '>= 10GiB',
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(assertion(outcome, 'process')?.actual).toBe('11345 ./gpu_burn on GPU 0');
    const byPid = await run('h100-load', { process: { pid: 11327, name: 'memhog' } });
    expect(byPid.status).toBe('pass');
    const missing = await run('h100-load', { process: 'train\\.py' });
    expect(missing.status).toBe('fail');
    expect(missing.message).toBe(
      'process: only 11327 /root/tools/memhog on GPU 0; 11328 /root/tools/memhog on GPU 0; 11345 ./gpu_burn on GPU 0, expected a process matching /train\\.py/i',
    );
  });

  it('an idle GPU has no process', async () => {
    const outcome = await run('h100', { process: 'python' });
    expect(outcome.message).toBe('process: no process uses the GPU, expected a process matching /python/i');
  });

  it('A100 in MIG mode (XML): four MIG devices; utilisation is not reported, and says why', async () => {
    const outcome = await run('a100-mig', {
      mig_mode: 'enabled',
      mig_devices: 4,
      utilization: '< 50',
      cuda: '>= 12',
    });
    expect(outcome.status).toBe('fail');
    expect(assertion(outcome, 'mig devices')).toMatchObject({
      ok: true,
      actual: '4 (19.5 GiB, 19.5 GiB, 19.5 GiB, 19.5 GiB)',
    });
    expect(assertion(outcome, 'utilization')?.actual).toBe(
      'not reported (N/A; GPUs in MIG mode do not report utilisation)',
    );
    expect(assertion(outcome, 'cuda')?.actual).toBe('12.2');
  });

  it('compute capability comes from the model table when nvidia-smi does not report it', async () => {
    const outcome = await run('t4', { compute_capability: '>= 8.0', ecc_errors: 0 });
    expect(assertion(outcome, 'compute capability')).toMatchObject({
      ok: false,
      actual: "7.5 (from ailab's GPU table: nvidia-smi did not report it)",
    });
    expect(assertion(outcome, 'ecc errors')?.ok).toBe(true);
  });

  it('throttling: an idle GPU is not throttled (gpu_idle does not count)', async () => {
    const outcome = await run('a10g', { throttling: false });
    expect(outcome.status).toBe('pass');
  });

  it('gpus: selects by index, and says when one is absent', async () => {
    const outcome = await run('h100', { gpus: [0, 3], name: 'H100' });
    expect(outcome.status).toBe('fail');
    expect(assertion(outcome, 'gpus')?.actual).toBe('no GPU 3 (indexes: 0)');
  });

  it.each([
    ['none', 'nvidia-smi is not installed (no NVIDIA driver on this machine)'],
    ['no-driver', 'the NVIDIA driver is not loaded (nvidia-smi cannot talk to it)'],
    [
      'version-mismatch',
      'the NVIDIA driver was updated but the old one is still loaded (driver/library version mismatch)',
    ],
    ['no-devices', 'no NVIDIA GPU is visible (the driver is loaded but finds no device)'],
  ] as const)(
    '%s: fails with a diagnosis, what to do in the details, never a stack trace',
    async (scenario, message) => {
      const outcome = await run(scenario, { name: 'A10G' });
      expect(outcome.status).toBe('fail');
      expect(outcome.message).toBe(message);
      expect(outcome.details).toMatch(/\nWhat to do: .+\nnvidia-smi said: .+ \(exit \d+\)$/);
      expect(outcome.details).not.toMatch(/\n\s+at /);
    },
  );

  it('output it cannot read is an error, not a fail', async () => {
    const outcome = await run('t4', { source: 'csv' });
    expect(outcome.status).toBe('error');
    expect(outcome.message).toMatch(/^nvidia-smi --query-gpu failed \(exit 99\)/);
  });
});

describe('nvidia-smi module loading', () => {
  it('loads the XML parser (fast-xml-parser) only when it reads XML', () => {
    const folder = fileURLToPath(new URL('.', import.meta.url));
    const sources = readdirSync(folder).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'parse-xml.ts',
    );
    expect(sources).toContain('query.ts');
    for (const file of sources) {
      expect(readFileSync(join(folder, file), 'utf8'), file).not.toMatch(
        /^import (?!type )[^;]*from '(?:fast-xml-parser|\.\/parse-xml\.js)';/m,
      );
    }
  });
});
