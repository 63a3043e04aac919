// The idle stop's watcher (payloads/idle-stop.sh) run for real with bash, ticking fast, with
// stand-ins for pgrep, nvidia-smi, shutdown and logger on a PATH that holds nothing else (plus the
// real sleep and timeout): it shuts down after LIMIT minutes' worth of idle ticks, never while an SSH
// session is open, starts counting again when a GPU is busy, and takes a missing or failing
// nvidia-smi as idle GPUs. The GPU numbers are utilization.gpu of the real H100 capture in
// ../shared/fixtures/nvidia-smi/h100-80gb-hbm3-query.csv (its idle row and its gpu-burn row).
// Then the SSH-session pattern against a real sshd: while ailab's SSH target has a command running
// on a loopback sshd, that pattern finds the session's process, and its title is what the pattern says.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SSH_SESSION_PATTERN } from '../../src/provision/idle-stop.js';
import { createSshTarget } from '../../src/targets/ssh.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeKey, publicKey, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const PAYLOAD = join(REPO_ROOT, 'payloads', 'idle-stop.sh');
const FIXTURE = join(REPO_ROOT, '..', 'shared', 'fixtures', 'nvidia-smi', 'h100-80gb-hbm3-query.csv');
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => removeTempDirs());

/** utilization.gpu of the capture's idle row and load row, as `--format=csv,noheader,nounits` prints it. */
function capturedUtilization(): { idle: string; load: string } {
  const [header, idleRow, loadRow] = readFileSync(FIXTURE, 'utf8').trim().split('\n');
  const column = header.split(', ').indexOf('utilization.gpu [%]');
  expect(column).toBeGreaterThan(0);
  const value = (row: string) => row.split(', ')[column].replace(/\s*%$/, '');
  return { idle: value(idleRow), load: value(loadRow) };
}

/**
 * A stand-in that answers each call with the next line of `<name>.seq` (the last line again once
 * they run out) and appends its arguments to `<name>.calls`. bash builtins only: PATH has nothing else.
 * pgrep lines: `session` (prints a pid, exit 0), `none` (exit 1), `error` (exit 2).
 * nvidia-smi lines: `error` (exit 9, as when the driver is not loaded), or the values, `|` between GPUs.
 */
function sequenced(bin: string, name: string, lines: string[], answer: string): void {
  writeFileSync(join(bin, `${name}.seq`), `${lines.join('\n')}\n`);
  writeFileSync(
    join(bin, name),
    `#!/bin/bash
dir=${JSON.stringify(bin)}
printf '%s\\n' "$*" >> "$dir/${name}.calls"
mapfile -t lines < "$dir/${name}.seq"
n=0; [ -f "$dir/${name}.n" ] && n=$(<"$dir/${name}.n")
echo $((n + 1)) > "$dir/${name}.n"
(( n >= \${#lines[@]} )) && n=$(( \${#lines[@]} - 1 ))
line=\${lines[n]}
${answer}
`,
    { mode: 0o755 },
  );
}

interface Watch {
  bin: string;
  /** Lines of pgrep.seq (default: no session, ever). */
  pgrep?: string[] | null;
  /** Lines of nvidia-smi.seq; null: no nvidia-smi on PATH. */
  gpu?: string[] | null;
}

function setUp(watch: Omit<Watch, 'bin'>): Watch {
  const bin = makeTempDir('ailab-idle-stop-');
  symlinkSync(which('timeout'), join(bin, 'timeout'));
  // The real sleep, each call noted: one per tick.
  writeFileSync(
    join(bin, 'sleep'),
    `#!/bin/bash\nprintf 'tick\\n' >> ${JSON.stringify(join(bin, 'sleep.calls'))}\nexec ${which('sleep')} "$@"\n`,
    { mode: 0o755 },
  );
  if (watch.pgrep !== null)
    sequenced(
      bin,
      'pgrep',
      watch.pgrep ?? ['none'],
      `case $line in session) echo 4242; exit 0 ;; none) exit 1 ;; *) exit 2 ;; esac`,
    );
  if (watch.gpu !== null && watch.gpu !== undefined)
    sequenced(
      bin,
      'nvidia-smi',
      watch.gpu,
      `if [ "$line" = error ]; then echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." >&2; exit 9; fi
IFS='|' read -r -a gpus <<<"$line"; printf '%s\\n' "\${gpus[@]}"`,
    );
  writeFileSync(
    join(bin, 'shutdown'),
    `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(join(bin, 'shutdown.calls'))}\n`,
    {
      mode: 0o755,
    },
  );
  writeFileSync(
    join(bin, 'logger'),
    `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(join(bin, 'logger.calls'))}\n`,
    {
      mode: 0o755,
    },
  );
  return { ...watch, bin };
}

function which(tool: string): string {
  return execFileSync('which', [tool], { encoding: 'utf8' }).trim();
}

function calls(bin: string, name: string): string[] {
  const file = join(bin, `${name}.calls`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** Run the payload until it exits (after shutting down), or kill it after `stopAfterTicks` ticks. */
function runWatcher(
  watch: Watch,
  args: string[],
  stopAfterTicks?: number,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('/bin/bash', [PAYLOAD, ...args], {
    env: { PATH: watch.bin, AILAB_IDLE_STOP_SLEEP: '0.01' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // A watcher that should have stopped but did not is killed after 200 ticks (its test then fails).
  const limit = stopAfterTicks ?? 200;
  const poll = setInterval(() => {
    if (calls(watch.bin, 'sleep').length > limit) child.kill('SIGTERM');
  }, 5);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

describe('payloads/idle-stop.sh', () => {
  it('shuts down after LIMIT minutes of idle ticks: 60 one-second ticks for 1 minute', async () => {
    const { idle } = capturedUtilization();
    expect(idle).toBe('0');
    const watch = setUp({ gpu: [idle] });
    const { code, stderr } = await runWatcher(watch, ['1', '1']);
    expect(code).toBe(0);
    expect(calls(watch.bin, 'pgrep')).toHaveLength(60);
    expect(calls(watch.bin, 'nvidia-smi')).toHaveLength(60);
    expect(calls(watch.bin, 'shutdown')).toEqual(['-h now ailab: idle for 1 minutes']);
    // The pattern and the query the watcher really passes.
    expect(calls(watch.bin, 'pgrep')[0]).toBe(`-f ${SSH_SESSION_PATTERN}`);
    expect(calls(watch.bin, 'nvidia-smi')[0]).toBe(
      '--query-gpu=utilization.gpu --format=csv,noheader,nounits',
    );
    expect(calls(watch.bin, 'logger')).toEqual([
      expect.stringMatching(/^-t ailab-idle-stop -- watching: this host shuts down after 1 idle minutes/),
      '-t ailab-idle-stop -- idle for 1 minutes: shutting down',
    ]);
    expect(stderr).toContain('ailab-idle-stop: idle for 1 minutes: shutting down');
  });

  it('counts TICK_SECONDS per tick: 20-second ticks stop after 3 idle ones', async () => {
    const watch = setUp({ gpu: ['0'] });
    expect((await runWatcher(watch, ['1', '20'])).code).toBe(0);
    expect(calls(watch.bin, 'pgrep')).toHaveLength(3);
    expect(calls(watch.bin, 'shutdown')).toHaveLength(1);
  });

  it('never shuts down while an SSH session is open, and counts again from zero when it closes', async () => {
    const open = setUp({ pgrep: ['session'], gpu: ['0'] });
    await runWatcher(open, ['1', '20'], 30);
    expect(calls(open.bin, 'pgrep').length).toBeGreaterThanOrEqual(30);
    expect(calls(open.bin, 'shutdown')).toEqual([]);
    // A session doesn't even ask the GPUs.
    expect(calls(open.bin, 'nvidia-smi')).toEqual([]);

    // idle, idle, session, idle, idle, idle: the third idle tick after the session stops it.
    const watch = setUp({ pgrep: ['none', 'none', 'session', 'none'], gpu: ['0'] });
    expect((await runWatcher(watch, ['1', '20'])).code).toBe(0);
    expect(calls(watch.bin, 'pgrep')).toHaveLength(6);
    expect(calls(watch.bin, 'shutdown')).toHaveLength(1);
  });

  it('a busy GPU (the capture under load) starts the count again', async () => {
    const { idle, load } = capturedUtilization();
    expect(load).toBe('100');
    const watch = setUp({ gpu: [idle, idle, load, idle] });
    expect((await runWatcher(watch, ['1', '20'])).code).toBe(0);
    expect(calls(watch.bin, 'nvidia-smi')).toHaveLength(6);
    expect(calls(watch.bin, 'shutdown')).toHaveLength(1);
  });

  it('one busy GPU of several is busy; 5 % and [N/A] are idle', async () => {
    const { idle, load } = capturedUtilization();
    const watch = setUp({ gpu: [`${idle}|${load}`, `${idle}|5`, '[N/A]|5', `[N/A]|${idle}`] });
    expect((await runWatcher(watch, ['1', '20'])).code).toBe(0);
    // Busy at tick 1; idle at ticks 2, 3, 4.
    expect(calls(watch.bin, 'nvidia-smi')).toHaveLength(4);
    expect(calls(watch.bin, 'shutdown')).toHaveLength(1);
  });

  it('no nvidia-smi, or nvidia-smi failing, counts as idle GPUs', async () => {
    const none = setUp({ gpu: null });
    expect((await runWatcher(none, ['1', '20'])).code).toBe(0);
    expect(calls(none.bin, 'pgrep')).toHaveLength(3);
    expect(calls(none.bin, 'shutdown')).toHaveLength(1);

    const failing = setUp({ gpu: ['error'] });
    expect((await runWatcher(failing, ['1', '20'])).code).toBe(0);
    expect(calls(failing.bin, 'nvidia-smi')).toHaveLength(3);
    expect(calls(failing.bin, 'shutdown')).toHaveLength(1);
  });

  it('when pgrep fails or is missing it cannot tell, so the host counts as busy', async () => {
    const failing = setUp({ pgrep: ['error'], gpu: ['0'] });
    await runWatcher(failing, ['1', '20'], 20);
    expect(calls(failing.bin, 'pgrep').length).toBeGreaterThanOrEqual(20);
    expect(calls(failing.bin, 'shutdown')).toEqual([]);

    const missing = setUp({ pgrep: null, gpu: ['0'] });
    await runWatcher(missing, ['1', '20'], 20);
    expect(calls(missing.bin, 'sleep').length).toBeGreaterThan(20);
    expect(calls(missing.bin, 'shutdown')).toEqual([]);
  });

  it('refuses a missing or bad LIMIT_MINUTES with exit 2', async () => {
    for (const args of [[], ['0'], ['30m'], ['30', 'x']]) {
      const watch = setUp({});
      const { code, stderr } = await runWatcher(watch, args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('usage:');
      expect(calls(watch.bin, 'shutdown')).toEqual([]);
    }
  });
});

describe('the SSH-session pattern on a real sshd', () => {
  it('finds the session process of a command ailab runs over SSH, titled sshd: root@notty', async () => {
    const payloadPattern = /^SSH_SESSION='([^']+)'$/m.exec(readFileSync(PAYLOAD, 'utf8'))?.[1];
    expect(payloadPattern).toBe(SSH_SESSION_PATTERN);

    const dir = makeTempDir('ailab-idle-stop-sshd-');
    const key = makeKey(dir, 'id_test');
    const sshd = await startSshd({ authorizedKeys: [publicKey(key)] });
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
    // Sessions are children of the listener, which is the child of `timeout`: look there only, so
    // other tests' sessions on this machine cannot answer for this one.
    const listener = execFileSync('pgrep', ['-P', String(sshd.pid)], { encoding: 'utf8' }).trim();
    const listenerTitle = readFileSync(`/proc/${listener}/cmdline`, 'utf8');
    expect(listenerTitle).toMatch(/^sshd: .*\[listener\]/);
    expect(new RegExp(SSH_SESSION_PATTERN).test(listenerTitle)).toBe(false);
    const sessions = () => {
      try {
        return execFileSync('pgrep', ['-P', listener, '-f', SSH_SESSION_PATTERN], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean);
      } catch {
        return [];
      }
    };
    const target = await createSshTarget(sshd.uri(), {
      identity: key,
      knownHosts,
      env: { HOME: dir },
      configFiles: [],
    });
    try {
      const marker = join(dir, 'started');
      const command = target.exec(`touch ${marker}; sleep 3`);
      const deadline = Date.now() + 5000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const found = sessions();
      expect(found).toHaveLength(1);
      const title = readFileSync(`/proc/${found[0]}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
      expect(title.trim()).toMatch(/^sshd(-session)?: root@notty$/);
      await command;
    } finally {
      await target.close();
    }
    // The connection gone, its session process is gone (sshd reaps it soon after).
    const deadline = Date.now() + 5000;
    while (sessions().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sessions()).toEqual([]);
    await sshd.stop();
  }, 30_000);
});
