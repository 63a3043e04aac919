// Real processes under the engine: a step killed by its timeout, a run aborted mid-step (Ctrl-C),
// and a background HTTP service started, probed and stopped at cleanup.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '../helpers/net.js';
import { isAlive, killQuietly, readPid, waitFor } from '../helpers/processes.js';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) killQuietly(pid);
  removeTempDirs();
});

describe('runLab with real processes', () => {
  it('kills a step at its timeout, with its whole process tree', async () => {
    const started = Date.now();
    const { result, workDir } = await runSampleLab('timeout');

    expect(Date.now() - started).toBeLessThan(5000);
    const [slow, after] = result.steps;
    expect(slow).toMatchObject({ id: 'slow', status: 'error', message: 'timed out after 1.0s' });
    expect(after).toMatchObject({ id: 'after', status: 'skip', message: 'an earlier step failed' });
    expect(result.status).toBe('failed');

    // The sleep (a grandchild of ailab) wrote its pid before it slept: it must be gone now.
    const pid = readPid(join(workDir, 'sleep.pid'));
    leftovers.push(pid);
    await waitFor(() => !isAlive(pid), `sleep ${pid} to die`, 3000);
    expect(existsSync(join(workDir, 'after-ran'))).toBe(false);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
  });

  it('stops at once when its signal aborts, skips the rest, runs cleanup and kills the step', async () => {
    const controller = new AbortController();
    const workDir = makeTempDir('ailab-interrupt-');
    const pidFile = join(workDir, 'sleep.pid');
    let abortedAt = 0;
    const run = runSampleLab('interrupt', {
      workDir,
      controller,
      onEvent: (event) => {
        if (event.type !== 'step-start' || event.step.id !== 'long') return;
        // Abort once the sleep has really started (it writes its pid first).
        waitFor(() => existsSync(pidFile), 'the sleep to start').then(() => {
          abortedAt = Date.now();
          controller.abort();
        });
      },
    });
    const { result } = await run;

    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(4000);
    expect(result.status).toBe('interrupted');
    expect(result.message).toBe('interrupted: cleanup ran');
    expect(result.steps.map((s) => [s.id, s.status, s.message])).toEqual([
      ['long', 'error', 'interrupted'],
      ['after', 'skip', 'interrupted'],
    ]);
    // Verify checks do not run after an interrupt.
    expect(result.verify).toEqual([]);
    expect(existsSync(join(workDir, 'after-ran'))).toBe(false);
    expect(existsSync(join(workDir, 'cleanup-ran'))).toBe(true);
    expect(result.cleanup).toEqual([expect.objectContaining({ id: 'mark', status: 'pass' })]);

    const pid = readPid(pidFile);
    leftovers.push(pid);
    await waitFor(() => !isAlive(pid), `sleep ${pid} to die`, 3000);
  });

  it('starts a background service, waits until ready, probes it and stops it at cleanup', async () => {
    const port = await freePort();
    const { result, workDir } = await runSampleLab('service', { sets: [`port=${port}`] });
    const serverPid = readPid(join(workDir, 'server.pid'));
    leftovers.push(serverPid);

    const step = result.steps[0];
    expect(step).toMatchObject({ id: 'serve', kind: 'background', status: 'pass' });
    expect(step.message).toMatch(/^running \(pid \d+\)$/);
    expect(step.checks.map((c) => [c.id, c.status])).toEqual([
      ['serve-ready', 'pass'],
      ['port-open', 'pass'],
      ['process-up', 'pass'],
      ['health-json', 'pass'],
    ]);
    expect(result.verify[0]).toMatchObject({ id: 'health', status: 'pass', earned: 2 });
    expect(result.vars.port).toBe(String(port));
    expect(result.status).toBe('passed');

    // Cleanup stopped it: the port is closed and the process gone.
    expect(result.cleanup).toEqual([
      expect.objectContaining({
        id: 'stop-serve',
        title: 'Stop the service of step "serve"',
        status: 'pass',
      }),
    ]);
    expect(await isPortOpen(port)).toBe(false);
    await waitFor(() => !isAlive(serverPid), `server ${serverPid} to stop`, 3000);
  });

  it('fails a background step whose service dies before it is ready, without waiting out ready_within', async () => {
    const port = await freePort();
    // Another server already holds the port (and answers 503): the service dies with EADDRINUSE.
    const blocker = createServer((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const { result } = await runSampleLab('service', { sets: [`port=${port}`] });
      expect(Date.now() - started).toBeLessThan(5000);
      const step = result.steps[0];
      expect(step.status).toBe('fail');
      expect(step.message).toBe('the service exited (code 1) before it was ready');
      expect(step.outputTail).toContain('EADDRINUSE');
      expect(result.verify[0]).toMatchObject({ id: 'health', status: 'fail' });
      expect(result.verify[0].observed).toContain('503');
      expect(result.status).toBe('failed');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('ends a hung check at its timeout, even when garbage collection runs meanwhile', async () => {
    // Node 20 can collect an AbortSignal.timeout() inside AbortSignal.any() before it fires
    // (nodejs/node#57736): collect garbage while the checks wait, as a long run would.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const port = await freePort();
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const collector = setInterval(gc, 100);
    try {
      const started = Date.now();
      const { result } = await runSampleLab('check-timeout', { sets: [`port=${port}`] });
      expect(Date.now() - started).toBeLessThan(6000);
      expect(result.verify.map((c) => [c.id, c.status])).toEqual([
        ['silent-http', 'error'],
        ['slow-command', 'error'],
      ]);
      for (const check of result.verify) expect(check.message).toMatch(/^timed out after 1\.0s: /);
      expect(result.status).toBe('failed');
    } finally {
      clearInterval(collector);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
