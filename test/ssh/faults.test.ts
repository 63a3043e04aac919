// Faults over SSH with the real engine: the connection drops in the middle of a step (the test kills
// that session's sshd), the step is an error "connection lost" (never a pass), ailab reconnects to run
// the verify checks and cleanup, and the result says what happened.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { loadLab } from '../../src/spec/load.js';
import { createSshTarget } from '../../src/targets/ssh.js';
import { killQuietly, readPid, waitFor } from '../helpers/processes.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

let sshd: Sshd;
let dir: string;
let key: string;
let knownHosts: string;

beforeAll(async () => {
  dir = makeTempDir('ailab-ssh-faults-');
  key = makeKey(dir, 'id_test');
  sshd = await startSshd({ authorizedKeys: [publicKey(key)] });
  knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
});

afterAll(async () => {
  await sshd?.stop();
  removeTempDirs();
});

it('turns a dropped connection into a step error, then reconnects for verify and cleanup', async () => {
  const lab = await loadLab(join(import.meta.dirname, 'labs', 'drop.yaml'));
  const workDir = makeTempDir('ailab-drop-');
  const target = await createSshTarget(sshd.uri(), {
    identity: key,
    knownHosts,
    env: { HOME: dir },
    configFiles: [],
  });
  let shellPid: number | undefined;
  try {
    const running = runLab(lab, {
      target,
      mode: 'run',
      values: {},
      workDir,
      signal: new AbortController().signal,
      version: '0.0.0-test',
    });
    await waitFor(() => existsSync(join(workDir, 'sshd.pid')), 'the step to write its pids', 10_000);
    shellPid = readPid(join(workDir, 'shell.pid'));
    // The session's sshd: killing it drops the whole connection, as a network failure would.
    process.kill(readPid(join(workDir, 'sshd.pid')), 'SIGKILL');
    const result = await running;

    expect(result.steps[0]).toMatchObject({ id: 'hold', status: 'error', message: 'connection lost' });
    expect(result.steps[1]).toMatchObject({ id: 'after', status: 'skip' });
    expect(result.status).toBe('failed');
    expect(result.message).toBe('step "hold" failed: connection lost');
    expect(result.verify[0]).toMatchObject({ id: 'marker', status: 'pass' });
    expect(result.cleanup).toEqual([expect.objectContaining({ id: 'mark', status: 'pass' })]);
    expect(existsSync(join(workDir, 'cleaned'))).toBe(true);
    expect(result.target.notes).toEqual([
      expect.stringMatching(/^the connection to root@127\.0\.0\.1:\d+ was lost at /),
      expect.stringMatching(/^reconnected to root@127\.0\.0\.1:\d+ after .+ \(attempt 1\)$/),
    ]);
  } finally {
    await target.close();
    // The orphaned step shell (and its sleep) outlive the killed session; end that group.
    if (shellPid) {
      try {
        process.kill(-shellPid, 'SIGKILL');
      } catch {
        killQuietly(shellPid);
      }
    }
  }
});

it('fails fast with the reason when the host stays down, and the run still finishes', async () => {
  const lab = await loadLab(join(import.meta.dirname, 'labs', 'drop.yaml'));
  const down = await startSshd({ authorizedKeys: [publicKey(key)] });
  writeFileSync(join(dir, 'kh_down'), `${down.knownHostsLine()}\n`);
  const workDir = makeTempDir('ailab-down-');
  const target = await createSshTarget(down.uri(), {
    identity: key,
    knownHosts: join(dir, 'kh_down'),
    env: { HOME: dir },
    configFiles: [],
    reconnectDelaysMs: [50, 100, 200],
  });
  let shellPid: number | undefined;
  try {
    const running = runLab(lab, {
      target,
      mode: 'run',
      values: {},
      workDir,
      signal: new AbortController().signal,
      version: '0',
    });
    await waitFor(() => existsSync(join(workDir, 'sshd.pid')), 'the step to write its pids', 10_000);
    shellPid = readPid(join(workDir, 'shell.pid'));
    // The host goes away for good: its sshd stops listening, and the session dies.
    await down.stop();
    process.kill(readPid(join(workDir, 'sshd.pid')), 'SIGKILL');
    const result = await running;
    expect(result.steps[0]).toMatchObject({ status: 'error', message: 'connection lost' });
    expect(result.verify[0].status).toBe('error');
    expect(result.cleanup[0]).toMatchObject({ status: 'error', message: 'connection lost' });
    expect(result.target.notes?.at(-1)).toMatch(
      /^could not reconnect to root@127\.0\.0\.1:\d+: connection refused/,
    );
  } finally {
    await target.close();
    if (shellPid) {
      try {
        process.kill(-shellPid, 'SIGKILL');
      } catch {
        killQuietly(shellPid);
      }
    }
  }
});
