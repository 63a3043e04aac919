// One command on one SSH exec channel, with the local target's semantics: output captured up to a cap,
// a timeout or abort that kills the remote process group, stragglers swept, and a dropped connection
// reported as such. The remote shell prints its pid first on stderr (a marker line ailab strips), so a
// kill needs no second round trip until it is needed. Channels wait in line for a session slot: OpenSSH
// allows 10 sessions per connection (MaxSessions).
import type { Client, ClientChannel } from 'ssh2';
import { capture, DEFAULT_MAX_OUTPUT, superviseRemoteCommand } from './remote-command.js';
import type { ExecOptions, ExecResult } from './types.js';

export const DEFAULT_MAX_SESSIONS = 10;
const STREAM_DRAIN_MS = 100;
/** Tries when the server refuses a session channel (about 10 s of waiting in all). */
const REFUSED_RETRIES = 25;

/** A counting semaphore for session channels; priority waiters (kills) go first. */
export class SessionSlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max = DEFAULT_MAX_SESSIONS) {}

  acquire(options: { priority?: boolean; signal?: AbortSignal } = {}): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    };
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new Error('aborted while waiting for an SSH session slot'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.priority) this.waiting.unshift(grant);
      else this.waiting.push(grant);
    });
  }
}

export interface ChannelHost {
  client: Client;
  slots: SessionSlots;
  /** True once this connection is known to be gone. */
  isLost(): boolean;
  /** Signal a remote process group (on another channel). */
  killGroup(pid: number, signal: 'TERM' | 'KILL'): Promise<void>;
}

export interface ChannelRunOptions
  extends Pick<ExecOptions, 'timeoutMs' | 'signal' | 'onOutput' | 'input' | 'maxOutputBytes'> {
  /** Called once with the pid the script printed with printPidMarker. */
  onPid?: (pid: number) => void;
  /** Take a slot ahead of others (a kill must not wait behind what it kills). */
  priority?: boolean;
  /** Kill the group on timeout/abort (off for the kill commands themselves). */
  killable?: boolean;
}

/** A result for a command that never ran or whose connection went away. */
export function lostResult(started: number, message: string, partial: Partial<ExecResult> = {}): ExecResult {
  return {
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: message,
    truncated: false,
    timedOut: false,
    aborted: false,
    durationMs: Date.now() - started,
    ...partial,
    connectionLost: true,
  };
}

/** Run `script` (the remote login shell's command line) on a new exec channel. */
export async function runOnChannel(
  host: ChannelHost,
  script: string,
  options: ChannelRunOptions = {},
): Promise<ExecResult> {
  const started = Date.now();
  const base = { stdout: '', stderr: '', truncated: false, durationMs: 0 };
  if (options.signal?.aborted) {
    return { ...base, exitCode: null, signal: null, timedOut: false, aborted: true };
  }
  let release: () => void = () => {};
  let stream: ClientChannel | undefined;
  let exit: { code: number | null; signal: string | null } | undefined;
  let onExit = () => {};
  for (let attempt = 0; !stream; attempt++) {
    try {
      release = await host.slots.acquire({ priority: options.priority, signal: options.signal });
    } catch {
      return {
        ...base,
        exitCode: null,
        signal: null,
        timedOut: false,
        aborted: true,
        durationMs: Date.now() - started,
      };
    }
    try {
      stream = await new Promise<ClientChannel>((resolve, reject) =>
        host.client.exec(script, (err, channel) => {
          if (err) return reject(err);
          // ssh2 may emit the exit status in the same tick as this callback (a fast command whose
          // packets arrive together): listen now, not after the await.
          channel.once('exit', (code: number | null, signal?: string) => {
            exit = { code: code ?? null, signal: signal ?? null };
            onExit();
          });
          resolve(channel);
        }),
      );
    } catch (error) {
      release();
      const message = (error as Error).message;
      if (host.isLost() || /no response|not connected|closed/i.test(message)) {
        return lostResult(started, `connection lost: ${message}`);
      }
      // sshd frees a session only once it has seen the close of the last one, a moment after we have;
      // and a server may allow fewer than 10. Refused for that: wait a little and try again.
      if (/open failed|prohibited|resource shortage/i.test(message) && attempt < REFUSED_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10 * 2 ** attempt, 500)));
        continue;
      }
      return {
        ...base,
        exitCode: null,
        signal: null,
        stderr: message,
        timedOut: false,
        aborted: false,
        durationMs: Date.now() - started,
      };
    }
  }
  const channel = stream;
  return new Promise<ExecResult>((resolve) => {
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = capture(cap, (c) => options.onOutput?.('stdout', c));
    const err = capture(cap, (c) => options.onOutput?.('stderr', c));
    let drainTimer: NodeJS.Timeout | undefined;
    let done = false;
    const command = superviseRemoteCommand(host, err, options, () => exit !== undefined);
    channel.on('data', (chunk: Buffer) => out.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => command.onStderr(chunk));
    // A command may leave a child (`server &`) holding the channel open, as it would hold a
    // terminal: take what arrives shortly after the shell exits, then close the channel.
    onExit = () => {
      drainTimer = setTimeout(() => channel.close(), STREAM_DRAIN_MS);
    };
    if (exit) onExit();
    channel.on('close', () => {
      if (done) return;
      done = true;
      release();
      clearTimeout(drainTimer);
      command.end(!host.isLost());
      const reason = command.reason;
      const result: ExecResult = {
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: out.text(),
        stderr: err.text(),
        truncated: out.truncated || err.truncated,
        timedOut: reason === 'timeout',
        aborted: reason === 'abort',
        durationMs: Date.now() - started,
      };
      if (!exit && !reason) {
        // Closed with no exit status: the connection went away (or the server killed the session).
        setImmediate(() => resolve(host.isLost() ? { ...result, connectionLost: true } : result));
        return;
      }
      resolve(result);
    });
    if (options.input !== undefined) channel.end(options.input);
    else channel.end();
  });
}
