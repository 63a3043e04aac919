// Ctrl-C and SIGTERM during a step: the CLI stops the step (killing its process tree), skips the
// rest, runs cleanup, writes its report and exits 130.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { collect, ensureBuilt, SAMPLE_LABS, STACK_FRAME, spawnCli, waitForOutput } from '../helpers/cli.js';
import { isAlive, killQuietly, readPid, waitFor } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const leftovers: number[] = [];

beforeAll(ensureBuilt, 120_000);
afterEach(() => {
  for (const pid of leftovers.splice(0)) killQuietly(pid);
  removeTempDirs();
});

describe.each(['SIGINT', 'SIGTERM'] as const)('%s during a step', (signal) => {
  it('stops the step, runs cleanup, writes the report and exits 130', async () => {
    const workDir = makeTempDir(`ailab-cli-${signal}-`);
    const reportFile = join(workDir, 'report.json');
    const child = spawnCli(['run', 'interrupt', '--workdir', workDir, '--report', `json:${reportFile}`], {
      env: { AILAB_LABS_DIR: SAMPLE_LABS },
    });
    if (child.pid) leftovers.push(child.pid);
    const done = collect(child);

    await waitForOutput(child, /▶ \[1\/2\] Sleep for a long time/);
    const pidFile = join(workDir, 'sleep.pid');
    await waitFor(() => existsSync(pidFile), 'the step to start its sleep');
    const sleepPid = readPid(pidFile);
    leftovers.push(sleepPid);
    const sentAt = Date.now();
    child.kill(signal);
    const { code, stdout, stderr } = await done;

    expect(code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(stderr).toContain(`ailab: ${signal}: stopping and cleaning up`);
    expect(`${stdout}${stderr}`).not.toMatch(STACK_FRAME);
    expect(stdout).toContain('INTERRUPTED');

    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunResult;
    expect(report.status).toBe('interrupted');
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ['long', 'error'],
      ['after', 'skip'],
    ]);
    expect(report.cleanup).toEqual([expect.objectContaining({ id: 'mark', status: 'pass' })]);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
    expect(existsSync(join(workDir, 'after-ran'))).toBe(false);
    // The step's sleep, in its own process group, did not outlive the run.
    await waitFor(() => !isAlive(sleepPid), `sleep ${sleepPid} to die`, 3000);
  });
});
