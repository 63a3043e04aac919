// The local target: commands run with bash on this machine (execa), each in its own process group
// so that a timeout or Ctrl-C kills the whole tree, not just the shell.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';
import type { BackgroundProcess, Endpoint, ExecOptions, ExecResult, FileStat, Target } from './types.js';

const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const KILL_GRACE_MS = 2000;
const STREAM_DRAIN_MS = 100;

export class LocalTarget implements Target {
  readonly uri = 'local';
  readonly kind = 'local';

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (options.input !== undefined) {
      // A command that exits without reading its input closes the pipe: EPIPE is its answer, not a crash.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = captureStream(child.stdout, cap, (c) => options.onOutput?.('stdout', c));
    const err = captureStream(child.stderr, cap, (c) => options.onOutput?.('stderr', c));
    const stopper = killTreeOn(child.pid, options.timeoutMs, options.signal);
    const exit = await waitForExit(child);
    stopper.dispose();
    // A command may leave a child behind (`server &`) that still holds our pipes open, as it would
    // hold a terminal: take what arrived shortly after the shell exited, then stop reading.
    const [stdout, stderr] = await Promise.all([out.settle(STREAM_DRAIN_MS), err.settle(STREAM_DRAIN_MS)]);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
      timedOut: stopper.reason() === 'timeout',
      aborted: stopper.reason() === 'abort',
      durationMs: Date.now() - started,
    };
  }

  async spawnBackground(
    command: string,
    options: ExecOptions & { logPath: string },
  ): Promise<BackgroundProcess> {
    makeDirs(dirname(options.logPath));
    const log = await open(options.logPath, 'a');
    const started = Date.now();
    const child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
    });
    let running = true;
    const exited: Promise<ExecResult> = waitForExit(child).then(async (exit) => {
      running = false;
      await log.close();
      return {
        exitCode: exit.code,
        signal: exit.signal,
        stdout: '',
        stderr: '',
        truncated: false,
        timedOut: false,
        aborted: false,
        durationMs: Date.now() - started,
      };
    });
    const pid = child.pid;
    return {
      pid,
      logPath: options.logPath,
      exited,
      isRunning: () => running,
      async stop(graceMs = KILL_GRACE_MS) {
        if (!running || pid === undefined) return;
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        // The leader may exit on SIGTERM while children linger; sweep the group.
        signalGroup(pid, 'SIGKILL');
      },
    };
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    if (options.maxBytes === undefined) return readFile(path);
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(options.maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, options.maxBytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async writeFile(path: string, data: string | Buffer, mode?: number): Promise<void> {
    makeDirs(dirname(path));
    await writeFile(path, data);
    if (mode !== undefined) await chmod(path, mode);
  }

  async stat(path: string): Promise<FileStat> {
    try {
      const s = await stat(path);
      return {
        exists: true,
        isFile: s.isFile(),
        isDirectory: s.isDirectory(),
        mode: s.mode & 0o7777,
        size: s.size,
      };
    } catch {
      return { exists: false, isFile: false, isDirectory: false, mode: 0, size: 0 };
    }
  }

  mkdtemp(prefix: string): Promise<string> {
    return mkdtemp(join(tmpdir(), prefix));
  }

  remove(path: string): Promise<void> {
    return rm(path, { recursive: true, force: true });
  }

  async connectTo(host: string, port: number): Promise<Endpoint> {
    return { host, port, via: 'this machine', close: async () => {} };
  }

  async close(): Promise<void> {}
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Kill the process group on timeout or abort: SIGTERM first, SIGKILL after a grace period. */
function killTreeOn(pid: number | undefined, timeoutMs: number | undefined, signal: AbortSignal | undefined) {
  let reason: 'timeout' | 'abort' | undefined;
  const timers: NodeJS.Timeout[] = [];
  const kill = (why: 'timeout' | 'abort') => {
    if (reason || pid === undefined) return;
    reason = why;
    signalGroup(pid, 'SIGTERM');
    timers.push(setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref());
  };
  if (timeoutMs !== undefined && timeoutMs > 0) timers.push(setTimeout(() => kill('timeout'), timeoutMs));
  const onAbort = () => kill('abort');
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    reason: () => reason,
    dispose() {
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      // Sweep stragglers the shell left in its group (e.g. `sleep 100 &`), as a terminal's hangup would.
      if (reason && pid !== undefined) signalGroup(pid, 'SIGKILL');
    },
  };
}

function captureStream(
  stream: NodeJS.ReadableStream | null,
  cap: number,
  onChunk: (chunk: string) => void,
): { settle(drainMs: number): Promise<{ text: string; truncated: boolean }> } {
  if (!stream) return { settle: async () => ({ text: '', truncated: false }) };
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  stream.on('data', (chunk: Buffer) => {
    onChunk(chunk.toString('utf8'));
    if (size >= cap) {
      truncated = true;
      return;
    }
    const room = cap - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      truncated = true;
      size = cap;
    } else {
      chunks.push(chunk);
      size += chunk.length;
    }
  });
  let ended = false;
  const ended$ = new Promise<void>((resolve) => {
    const finish = () => {
      ended = true;
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
  const result = () => ({ text: Buffer.concat(chunks).toString('utf8'), truncated });
  const settle = async (drainMs: number) => {
    if (!ended) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ended$, new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      if (!ended) (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    }
    return result();
  };
  return { settle };
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
