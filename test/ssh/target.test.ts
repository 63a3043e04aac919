// The SSH target against a real sshd on loopback: the same semantics as the local target (exec, shell
// state, timeouts that kill the remote group, output caps, background services), SFTP, forwarded probes,
// the session-slot queue and sudo through an askpass helper.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check as portCheck } from '../../src/checks/port.js';
import { ShellSession } from '../../src/engine/shell-session.js';
import { createSshTarget, type SshTarget } from '../../src/targets/ssh.js';
import { freePort } from '../helpers/net.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

let sshd: Sshd;
let key: string;
let knownHosts: string;
let target: SshTarget;
let dir: string;

beforeAll(async () => {
  dir = makeTempDir('ailab-ssh-target-');
  key = makeKey(dir, 'id_test');
  sshd = await startSshd({ authorizedKeys: [publicKey(key)] });
  knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
  target = await createSshTarget(sshd.uri(), {
    identity: key,
    knownHosts,
    env: { HOME: dir },
    configFiles: [],
  });
});

afterAll(async () => {
  await target?.close();
  await sshd?.stop();
  removeTempDirs();
});

function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('exec', () => {
  it('runs bash with exit codes, stdout and stderr kept apart', async () => {
    const r = await target.exec('echo out; echo err >&2; [[ -n $BASH_VERSION ]] && exit 7');
    expect(r).toMatchObject({
      exitCode: 7,
      stdout: 'out\n',
      stderr: 'err\n',
      timedOut: false,
      aborted: false,
    });
  });

  it('applies cwd, env and input', async () => {
    const r = await target.exec('pwd; echo "$GREETING"; cat', {
      cwd: '/tmp',
      env: { GREETING: "it's me" },
      input: 'from stdin',
    });
    expect(r.stdout).toBe("/tmp\nit's me\nfrom stdin");
  });

  it('caps captured output and says so', async () => {
    const r = await target.exec('head -c 300000 /dev/zero | tr "\\0" x', { maxOutputBytes: 1000 });
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });

  it('streams output as it arrives', async () => {
    const chunks: string[] = [];
    await target.exec('echo one; echo two >&2', {
      onOutput: (stream, chunk) => chunks.push(`${stream}:${chunk}`),
    });
    expect(chunks.join('')).toContain('stdout:one');
    expect(chunks.join('')).toContain('stderr:two');
  });

  it('kills the whole remote process group on timeout', async () => {
    const tag = `ailab-timeout-${Date.now()}`;
    const r = await target.exec(`sleep 300 & sleep 301; echo never # ${tag}`, { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    await waitFor(
      () => pgrep(tag).length === 0 && pgrep('sleep 30[01]').length === 0,
      'the remote sleeps to be gone',
    );
  });

  it('stops a command when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await target.exec('sleep 302', { signal: controller.signal });
    expect(r.aborted).toBe(true);
    await waitFor(() => pgrep('sleep 302').length === 0, 'sleep 302 to be gone');
  });

  it('queues channels beyond the server MaxSessions instead of failing', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => target.exec(`sleep 0.1; echo ${i}`)),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
  });

  it('keeps shell state between steps through the ShellSession', async () => {
    const state = await target.mkdtemp('ailab-state-');
    const session = new ShellSession(target, state, '/tmp', { AILAB_LAB: 'x' });
    await session.run('cd /usr; export ANSWER=42; greet() { echo "hi $1"; }');
    const r = await session.run('pwd; echo $ANSWER; greet there; echo $AILAB_LAB');
    expect(r.stdout).toBe('/usr\n42\nhi there\nx\n');
    await target.remove(state);
    expect((await target.stat(state)).exists).toBe(false);
  });
});

describe('shell=login', () => {
  it('runs commands in a login shell (bash -lc), where conda and pyenv set themselves up', async () => {
    const login = await createSshTarget(`${sshd.uri()}?shell=login`, {
      identity: key,
      knownHosts,
      env: { HOME: dir },
      configFiles: [],
    });
    try {
      const r = await login.exec('shopt -q login_shell && echo login; echo "$GREETING"', {
        env: { GREETING: 'hi' },
      });
      expect(r.stdout).toBe('login\nhi\n');
      expect((await target.exec('shopt -q login_shell && echo login || echo plain')).stdout).toBe('plain\n');
    } finally {
      await login.close();
    }
  });
});

describe('files over SFTP', () => {
  it('writes (making folders), reads, caps reads and stats', async () => {
    const base = await target.mkdtemp('ailab-sftp-');
    const path = `${base}/a/b/file.txt`;
    await target.writeFile(path, 'hello over sftp\n', 0o640);
    expect(readFileSync(path, 'utf8')).toBe('hello over sftp\n');
    expect((await target.readFile(path)).toString()).toBe('hello over sftp\n');
    expect((await target.readFile(path, { maxBytes: 5 })).toString()).toBe('hello');
    expect(await target.stat(path)).toMatchObject({ exists: true, isFile: true, mode: 0o640, size: 16 });
    expect(await target.stat(`${base}/a`)).toMatchObject({ exists: true, isDirectory: true });
    expect((await target.stat(`${base}/missing`)).exists).toBe(false);
    await expect(target.readFile(`${base}/missing`)).rejects.toThrow(/no such file/);
    await target.remove(base);
    expect(existsSync(base)).toBe(false);
  });
});

describe('background processes', () => {
  it('starts a service in its own group and stops all of it', async () => {
    const base = await target.mkdtemp('ailab-bg-');
    const tag = `ailab-bg-${Date.now()}`;
    const proc = await target.spawnBackground(`echo started; sleep 303 & sleep 304 # ${tag}`, {
      logPath: `${base}/logs/service.log`,
    });
    expect(proc.pid).toBeGreaterThan(0);
    expect(proc.isRunning()).toBe(true);
    await waitFor(
      () =>
        existsSync(`${base}/logs/service.log`) &&
        readFileSync(`${base}/logs/service.log`, 'utf8').includes('started'),
      'the log',
    );
    expect(isAlive(proc.pid!)).toBe(true);
    await proc.stop();
    const exit = await proc.exited;
    expect(exit.signal ?? exit.exitCode).toBeTruthy();
    expect(proc.isRunning()).toBe(false);
    await waitFor(() => pgrep('sleep 30[34]').length === 0, 'the service and its child to be gone');
    await target.remove(base);
  });

  it('reports a service that exits on its own', async () => {
    const proc = await target.spawnBackground('exit 4', { logPath: `${makeTempDir()}/x.log` });
    const exit = await proc.exited;
    expect(exit.exitCode).toBe(4);
    expect(proc.isRunning()).toBe(false);
  });
});

describe('probes through the connection', () => {
  it('reaches a server bound to the remote loopback through a forwarded channel', async () => {
    const port = await freePort();
    const base = await target.mkdtemp('ailab-fwd-');
    const server = await target.spawnBackground(
      `exec node -e "require('http').createServer((q, s) => s.end('via ssh')).listen(${port}, '127.0.0.1')"`,
      { logPath: `${base}/server.log` },
    );
    try {
      await waitFor(
        async () => (await target.exec(`exec 3<>/dev/tcp/127.0.0.1/${port}`)).exitCode === 0,
        'the server',
      );
      const endpoint = await target.connectTo('127.0.0.1', port);
      expect(endpoint.via).toBe(`through SSH to root@127.0.0.1:${sshd.port}`);
      expect(endpoint.port).not.toBe(port);
      const body = await fetch(`http://${endpoint.host}:${endpoint.port}/`).then((r) => r.text());
      expect(body).toBe('via ssh');
      await endpoint.close();

      const ctx = { target, signal: new AbortController().signal } as never;
      const open = await portCheck.run(ctx, { port, host: '127.0.0.1', state: 'open' });
      expect(open.status).toBe('pass');
      expect(open.message).toContain('via through SSH to root@');
    } finally {
      await server.stop();
    }
    const ctx = { target, signal: new AbortController().signal } as never;
    const closed = await portCheck.run(ctx, { port, host: '127.0.0.1', state: 'closed' });
    expect(closed.status).toBe('pass');
    expect(closed.observed).toMatch(/^closed/);
  });
});

describe('sudo', () => {
  it('gives sudo its password through an askpass helper, never on a command line', async () => {
    // sudo is not installed on the test machine: a stand-in that behaves as sudo does without a terminal.
    const bin = makeTempDir('ailab-fake-sudo-');
    writeFileSync(
      join(bin, 'sudo'),
      [
        '#!/bin/bash',
        'if [ "$1" = -n ]; then echo "sudo: a password is required" >&2; exit 1; fi',
        'if [ "$1" = -A ]; then shift; pw=$("$SUDO_ASKPASS"); [ "$pw" = "s3cret-pw" ] || { echo "sudo: wrong password" >&2; exit 1; }; exec "$@"; fi',
        'echo "sudo: a terminal is required to read the password" >&2; exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    const secrets: string[] = [];
    const sudoTarget = await createSshTarget(sshd.uri(), {
      identity: key,
      knownHosts,
      env: { HOME: dir, AILAB_SUDO_PASSWORD: 's3cret-pw' },
      configFiles: [],
      onSecret: (s) => secrets.push(s),
    });
    try {
      const env = { PATH: `${bin}:/usr/bin:/bin` };
      const r = await sudoTarget.exec('sudo id -un; echo "$(type -t sudo)"', { env });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('root\nfunction\n');
      expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
      expect(secrets).toEqual(['s3cret-pw']);
      // A script started by the step sees the function too (exported).
      const script = await sudoTarget.exec('bash -c "sudo echo from-script"', { env });
      expect(script.stdout).toBe('from-script\n');
    } finally {
      await sudoTarget.close();
    }
  });
});
