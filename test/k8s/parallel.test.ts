// `ailab run <lab...> --parallel N` through the real CLI: every lab gets its own target (for k8s:// its
// own pod on the stand-in API server), one result per lab in the reports, a summary table, and every
// pod is deleted at the end. Also on the local target, and --parallel with --hosts/--watch is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, ensureBuilt, runCli, SAMPLE_LABS, spawnCli } from '../helpers/cli.js';
import { type KubePodApi, startKubePodApi } from '../helpers/kube-pod-api.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

let api: KubePodApi | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface Result {
  lab: { id: string };
  runId: string;
  status: string;
  score: { percent: number };
  cleanup: { id: string; status: string }[];
}

function readResults(file: string): Result[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as Result[];
}

describe('ailab run --parallel', () => {
  it('runs each lab in its own pod, reports one result per lab, and deletes every pod', async () => {
    api = await startKubePodApi();
    const report = join(makeTempDir('ailab-parallel-'), 'out.json');
    const result = await runCli(
      [
        'run',
        'shell-state',
        'all-pass',
        'check-fails',
        '--parallel',
        '2',
        '--target',
        'k8s://stand-in/labs',
        '--yes',
        '--report',
        `json:${report}`,
      ],
      { env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS }, timeoutMs: 60_000 },
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    const results = readResults(report);
    expect(results.map((r) => [r.lab.id, r.status])).toEqual([
      ['shell-state', 'passed'],
      ['all-pass', 'passed'],
      ['check-fails', 'failed'],
    ]);
    expect(api.created).toHaveLength(3);
    const names = api.created.map((pod) => (pod as { metadata: { name: string } }).metadata.name);
    expect(new Set(names).size).toBe(3);
    expect([...api.deleted].sort()).toEqual([...names].sort());
    // The summary table: a row per lab, then the totals.
    expect(result.stdout).toMatch(/^LAB\s+STATUS\s+SCORE/m);
    expect(result.stdout).toMatch(/^check-fails\s+failed/m);
    expect(result.stdout).toMatch(/3 labs: 2 passed, 1 failed/);
  }, 90_000);

  it('exits 0 when every lab passes in its pod', async () => {
    api = await startKubePodApi();
    const result = await runCli(
      ['run', 'shell-state', 'all-pass', '--parallel', '2', '--target', 'k8s://stand-in/labs', '--yes'],
      { env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS }, timeoutMs: 60_000 },
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(api.created).toHaveLength(2);
    expect(api.deleted).toHaveLength(2);
  }, 90_000);

  it('on SIGINT stops every lab, runs its cleanup, deletes every pod and exits 130', async () => {
    api = await startKubePodApi();
    const report = join(makeTempDir('ailab-parallel-'), 'out.json');
    const child = spawnCli(
      [
        'run',
        'interrupt',
        'shell-state',
        'all-pass',
        '--parallel',
        '2',
        '--target',
        'k8s://stand-in/labs',
        '--yes',
        '--report',
        `json:${report}`,
      ],
      { env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS } },
    );
    const stand = api;
    // The interrupt lab's long step has started in its pod.
    await expect
      .poll(() => stand.execs.some((e) => e.command.join(' ').includes('sleep 30')), { timeout: 30_000 })
      .toBe(true);
    child.kill('SIGINT');
    const result = await collect(child, 30_000);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(130);
    const interrupted = readResults(report).find((r) => r.lab.id === 'interrupt');
    expect(interrupted?.status).toBe('interrupted');
    expect(interrupted?.cleanup.map((c) => [c.id, c.status])).toEqual([['mark', 'pass']]);
    const names = api.created.map((pod) => (pod as { metadata: { name: string } }).metadata.name);
    expect([...api.deleted].sort()).toEqual([...names].sort());
  }, 90_000);

  it('writes a report file per lab with {lab} in its name, the labs sharing one run id', async () => {
    const dir = makeTempDir('ailab-parallel-');
    const result = await runCli(
      [
        'run',
        'shell-state',
        'check-fails',
        '--parallel',
        '2',
        '--yes',
        '--report',
        `json:${dir}/{lab}.json`,
        '--report',
        `junit:${dir}/{lab}.xml`,
      ],
      { env: { AILAB_LABS_DIR: SAMPLE_LABS }, timeoutMs: 60_000 },
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    // One lab in a file: the JSON report is that lab's object, not an array.
    const shellState = JSON.parse(readFileSync(join(dir, 'shell-state.json'), 'utf8')) as Result;
    const checkFails = JSON.parse(readFileSync(join(dir, 'check-fails.json'), 'utf8')) as Result;
    expect([shellState.lab.id, shellState.status]).toEqual(['shell-state', 'passed']);
    expect([checkFails.lab.id, checkFails.status]).toEqual(['check-fails', 'failed']);
    expect(shellState.runId).toBe(checkFails.runId);
    expect(readFileSync(join(dir, 'check-fails.xml'), 'utf8')).toMatch(/<testsuite [^>]*name="check-fails"/);
  }, 90_000);

  it('runs two labs at once on the local target', async () => {
    const report = join(makeTempDir('ailab-parallel-'), 'out.json');
    const result = await runCli(
      ['run', 'shell-state', 'all-pass', '--parallel', '2', '--yes', '--report', `json:${report}`],
      { env: { AILAB_LABS_DIR: SAMPLE_LABS }, timeoutMs: 60_000 },
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(readResults(report).map((r) => [r.lab.id, r.status])).toEqual([
      ['shell-state', 'passed'],
      ['all-pass', 'passed'],
    ]);
    expect(result.stdout).toMatch(/2 labs: 2 passed/);
  }, 90_000);

  it('refuses --parallel with --hosts or --watch (exit 2)', async () => {
    const hosts = await runCli(['run', 'all-pass', 'shell-state', '--parallel', '2', '--hosts', 'x.yaml'], {
      env: { AILAB_LABS_DIR: SAMPLE_LABS },
    });
    expect(hosts.code).toBe(2);
    expect(hosts.stderr).toMatch(/--parallel or --hosts/);
    const watch = await runCli(['verify', 'all-pass', '--parallel', '2', '--watch'], {
      env: { AILAB_LABS_DIR: SAMPLE_LABS },
    });
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(/--parallel cannot be used with --watch/);
  }, 30_000);
});
