// One command in a pod over the Kubernetes exec WebSocket (what `kubectl exec` speaks). Subprotocols
// v5.channel.k8s.io, then v4.channel.k8s.io: each binary message starts with a channel byte (0 stdin,
// 1 stdout, 2 stderr, 3 error: a Status JSON whose details.causes ExitCode gives the exit status,
// 4 resize); v5 adds channel 255 to close a stream (stdin EOF). With v4 there is no stdin EOF, so input
// goes into the command line instead. Same semantics as ssh-exec.ts: the wrapper runs the script in a
// process group of its own and prints that group's pid first on stderr (a marker line stripped here), so
// a timeout or abort kills the group by another exec.
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { capture, DEFAULT_MAX_OUTPUT, superviseRemoteCommand } from './remote-command.js';
import type { ExecOptions, ExecResult } from './types.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Why the API server refused a WebSocket upgrade: its Status `message` (RBAC, not found), else `HTTP <code>`. */
export function refusalMessage(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', () => resolve(`HTTP ${res.statusCode}`));
    res.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).message ?? `HTTP ${res.statusCode}`);
      } catch {
        resolve(`HTTP ${res.statusCode}`);
      }
    });
  });
}

/** The exit status a channel-3 Status names: 0 for Success, the ExitCode cause, else null. */
export function exitCodeOf(status: ExecStatus): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : Number.NaN;
  return Number.isInteger(code) ? code : null;
}

export interface PodExecHost {
  /**
   * Open an exec WebSocket for `command` (argv), stdin on or off. `listen` is called with the socket
   * as soon as it exists, before it opens: a fast command's frames can arrive in the same read as the
   * upgrade answer and are emitted before a listener attached after `open` would see them.
   */
  open(command: string[], stdin: boolean, listen: (ws: WebSocket) => void): Promise<WebSocket>;
  /** Signal a process group in the pod (by another exec). */
  killGroup(pid: number, signal: 'TERM' | 'KILL'): Promise<void>;
}

export interface PodRunOptions
  extends Pick<ExecOptions, 'timeoutMs' | 'signal' | 'onOutput' | 'input' | 'maxOutputBytes'> {
  onPid?: (pid: number) => void;
  /** Kill the group on timeout/abort (off for ailab's own kill commands). */
  killable?: boolean;
}

export interface PodRunResult extends ExecResult {
  /** The Status of channel 3, when one came. */
  status?: ExecStatus;
}

/** Run argv in the pod; resolves when the server closes the stream. */
export async function runInPod(
  host: PodExecHost,
  argv: string[],
  options: PodRunOptions = {},
): Promise<PodRunResult> {
  const started = Date.now();
  const base = { stdout: '', stderr: '', truncated: false, timedOut: false, aborted: false };
  if (options.signal?.aborted) return { ...base, exitCode: null, signal: null, aborted: true, durationMs: 0 };
  return new Promise<PodRunResult>((resolve) => {
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = capture(cap, (c) => options.onOutput?.('stdout', c));
    const err = capture(cap, (c) => options.onOutput?.('stderr', c));
    let status: ExecStatus | undefined;
    let done = false;
    const supervised = superviseRemoteCommand(host, err, options, () => status !== undefined);
    const onMessage = (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : Buffer.from(data);
      if (frame.length === 0) return;
      const payload = frame.subarray(1);
      switch (frame[0]) {
        case 1:
          if (payload.length > 0) out.push(payload);
          break;
        case 2:
          if (payload.length > 0) supervised.onStderr(payload);
          break;
        case 3:
          if (payload.length === 0) break;
          try {
            status = JSON.parse(payload.toString('utf8')) as ExecStatus;
          } catch {
            status = { status: 'Failure', message: payload.toString('utf8') };
          }
          break;
      }
    };
    const finish = (lost?: string) => {
      if (done) return;
      done = true;
      supervised.end();
      const reason = supervised.reason;
      let exitCode = status ? exitCodeOf(status) : null;
      let signal: string | null = null;
      // The wrapper's `wait` reports a group killed by a signal as 128+n.
      if (reason && exitCode !== null && exitCode > 128) {
        signal = exitCode - 128 === 9 ? 'SIGKILL' : exitCode - 128 === 15 ? 'SIGTERM' : null;
        if (signal) exitCode = null;
      }
      let stderr = err.text();
      if (status && exitCode === null && !signal && status.message) {
        stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}${status.message}`;
      }
      const result: PodRunResult = {
        exitCode,
        signal,
        stdout: out.text(),
        stderr: lost && !status ? `${stderr}${lost}` : stderr,
        truncated: out.truncated || err.truncated,
        timedOut: reason === 'timeout',
        aborted: reason === 'abort',
        durationMs: Date.now() - started,
        status,
      };
      if (!status && !reason) result.connectionLost = true;
      resolve(result);
    };
    let opened = false;
    const listen = (ws: WebSocket) => {
      ws.on('message', onMessage);
      ws.once('open', () => {
        opened = true;
      });
      ws.on('close', () => {
        if (opened) finish('the exec stream to the pod closed with no exit status');
      });
      ws.on('error', (error) => {
        // Before the socket opened, open()'s own rejection carries the better message.
        if (opened) finish(`exec stream error: ${error.message}`);
        ws.terminate();
      });
    };
    host.open(argv, options.input !== undefined, listen).then(
      (ws) => {
        if (options.input === undefined) return;
        if (options.input.length > 0) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(options.input)]));
        // v5: close stdin (channel 255, stream 0). v4 callers put input in the command line instead.
        ws.send(Buffer.from([255, 0]));
      },
      (error: Error) => {
        err.push(Buffer.from(error.message));
        finish();
      },
    );
  });
}
