// What the SSH and pod targets share for one remote command: output captured up to a cap, and the
// process group behind it. The command prints its pid first on stderr (a marker line ailab strips);
// a timeout or abort kills that group by a second command — TERM, then KILL after a grace period —
// and stragglers are swept when the stream ends, as a terminal's hangup would.

import { TargetError } from '../errors.js';
import { shellQuote } from '../spec/interpolate.js';
import type { ExecResult } from './types.js';

export const PID_MARK = '\x01ailab-pid:';
/** Stderr kept back while looking for the pid marker (a noisy .bashrc may print first). */
const MARK_SEARCH_BYTES = 64 * 1024;
const KILL_GRACE_MS = 2000;
/** Output kept per stream by default; the rest is dropped and the result marked truncated. */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/** The line a remote shell prints first, on stderr, to name the process group to kill. */
export const printPidMarker = (pidExpr = '$$') => `printf '\\001ailab-pid:%d\\n' ${pidExpr} >&2`;

export interface Capture {
  push(chunk: Buffer): void;
  text(): string;
  truncated: boolean;
}

export function capture(cap: number, onChunk: (text: string) => void): Capture {
  const chunks: Buffer[] = [];
  let size = 0;
  const state: Capture = {
    truncated: false,
    push(chunk) {
      onChunk(chunk.toString('utf8'));
      if (size >= cap) {
        state.truncated = true;
        return;
      }
      const room = cap - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        state.truncated = true;
        size = cap;
      } else {
        chunks.push(chunk);
        size += chunk.length;
      }
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
  return state;
}

export interface GroupKiller {
  killGroup(pid: number, signal: 'TERM' | 'KILL'): Promise<void>;
}

export interface SuperviseOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Kill the group on timeout/abort (off for ailab's own kill commands). */
  killable?: boolean;
  onPid?: (pid: number) => void;
}

/**
 * Watches one remote command: `onStderr` takes its stderr (the pid marker is taken out, the rest goes
 * to `err`); a timeout or abort kills its group unless `finished()` says it already ended. Call `end`
 * once the stream is over.
 */
export function superviseRemoteCommand(
  host: GroupKiller,
  err: Capture,
  options: SuperviseOptions,
  finished: () => boolean,
) {
  let pid: number | undefined;
  let searching = true;
  let held = Buffer.alloc(0);
  let reason: 'timeout' | 'abort' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (signal: 'TERM' | 'KILL') => {
    if (pid !== undefined) host.killGroup(pid, signal).catch(() => {});
  };
  const stop = (why: 'timeout' | 'abort') => {
    if (reason || finished() || options.killable === false) return;
    reason = why;
    kill('TERM');
    killTimer = setTimeout(() => kill('KILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  const timer =
    options.timeoutMs !== undefined && options.timeoutMs > 0
      ? setTimeout(() => stop('timeout'), options.timeoutMs)
      : undefined;
  const onAbort = () => stop('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    get reason() {
      return reason;
    },
    onStderr(chunk: Buffer): void {
      if (!searching) {
        err.push(chunk);
        return;
      }
      held = Buffer.concat([held, chunk]);
      const at = held.indexOf(PID_MARK);
      const end = at >= 0 ? held.indexOf(10, at) : -1;
      if (at >= 0 && end >= 0) {
        searching = false;
        pid = Number(held.subarray(at + PID_MARK.length, end).toString('latin1'));
        options.onPid?.(pid);
        // Asked to stop before the pid was known: stop now.
        if (reason) kill('TERM');
        const rest = Buffer.concat([held.subarray(0, at), held.subarray(end + 1)]);
        held = Buffer.alloc(0);
        if (rest.length > 0) err.push(rest);
      } else if (held.length > MARK_SEARCH_BYTES) {
        searching = false;
        err.push(held);
        held = Buffer.alloc(0);
      }
    },
    /** The stream is over: stop the timers, keep stderr still held, sweep the group after a kill. */
    end(sweep = true): void {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (held.length > 0) err.push(held);
      held = Buffer.alloc(0);
      if (sweep && reason && pid !== undefined) kill('KILL');
    },
  };
}

type Run = (command: string) => Promise<ExecResult>;

/** A new temp folder on a remote target (`where`: "on user@host", "in pod ns/name"). */
export async function makeRemoteTempDir(run: Run, where: string, prefix: string): Promise<string> {
  const result = await run(`mktemp -d "\${TMPDIR:-/tmp}/"${shellQuote(`${prefix}XXXXXX`)}`);
  const dir = result.stdout.trim();
  if (result.exitCode !== 0 || !dir.startsWith('/')) {
    throw new TargetError(`cannot make a temp folder ${where}: ${result.stderr.trim() || 'mktemp failed'}`);
  }
  return dir;
}

export async function removeRemotePath(run: Run, where: string, path: string): Promise<void> {
  const result = await run(`rm -rf -- ${shellQuote(path)}`);
  if (result.exitCode !== 0) throw new Error(`cannot remove ${path} ${where}: ${result.stderr.trim()}`);
}
