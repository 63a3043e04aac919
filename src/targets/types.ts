// The Target seam: where commands run. Local today; SSH and Kubernetes pods implement the same interface.

/** What one command did. A non-zero exit is data, never an exception. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr hit the capture cap and was cut. */
  truncated: boolean;
  timedOut: boolean;
  /** True when the caller's AbortSignal (Ctrl-C, a deadline) stopped the command. */
  aborted: boolean;
  durationMs: number;
  /** True when the connection to a remote target dropped while the command ran (its outcome is unknown). */
  connectionLost?: boolean;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Kill the whole process tree after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each chunk of output as it arrives (live view, --verbose). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Text piped to the command's standard input (otherwise it reads nothing). */
  input?: string;
  /** Cap on captured bytes per stream (the rest is dropped and `truncated` set). */
  maxOutputBytes?: number;
}

/** A long-running process (a `background` step), stopped at cleanup. */
export interface BackgroundProcess {
  readonly pid: number | undefined;
  /** Where its output goes, on the target. */
  readonly logPath: string;
  /** Resolves when it exits on its own or is stopped. */
  readonly exited: Promise<ExecResult>;
  isRunning(): boolean;
  stop(graceMs?: number): Promise<void>;
}

export interface FileStat {
  exists: boolean;
  isFile: boolean;
  isDirectory: boolean;
  mode: number;
  size: number;
}

/** A TCP endpoint reachable from the machine ailab runs on (for probes). */
export interface Endpoint {
  host: string;
  port: number;
  /** Where the probe really ran from, for the report ("this machine", "through SSH to gpu-box"). */
  via: string;
  close(): Promise<void>;
}

export interface Target {
  /** `local`, `ssh://user@host:22`, … as the user named it. */
  readonly uri: string;
  readonly kind: string;
  /** Run one command with bash -c on the target. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  spawnBackground(command: string, options: ExecOptions & { logPath: string }): Promise<BackgroundProcess>;
  readFile(path: string, options?: { maxBytes?: number }): Promise<Buffer>;
  writeFile(path: string, data: string | Buffer, mode?: number): Promise<void>;
  stat(path: string): Promise<FileStat>;
  mkdtemp(prefix: string): Promise<string>;
  remove(path: string): Promise<void>;
  /** A way for ailab to reach `host:port` as seen from the target. */
  connectTo(host: string, port: number): Promise<Endpoint>;
  /** What happened to the connection during the run (a remote target that lost and regained it), for the report. */
  readonly notes?: readonly string[];
  /**
   * A pod target's cluster as ailab reached it: `kubernetes` checks read this machine's kubeconfig
   * (`kubeconfig`, a KUBECONFIG list, else ~/.kube/config) and use `context` unless told otherwise.
   */
  readonly cluster?: { context: string; kubeconfig?: string };
  close(): Promise<void>;
}

/** What the CLI knows that a target may need: keys and host keys for SSH, a way to ask for secrets. */
export interface TargetOptions {
  /** --identity: a private key file. */
  identity?: string;
  /** --known-hosts: the known_hosts file to check host keys against (and record new ones in). */
  knownHosts?: string;
  /** --accept-new-host-key: trust a host seen for the first time, and record its key. */
  acceptNewHostKey?: boolean;
  /** Ask on the terminal (a key passphrase, a sudo password); absent when not interactive. */
  askSecret?: (question: string) => Promise<string>;
  /** Told each secret the target learns (a sudo password), so that reports redact it. */
  onSecret?: (value: string) => void;
  /** The environment to read HOME, SSH_AUTH_SOCK, AILAB_SSH_PASSPHRASE, AILAB_SUDO_PASSWORD from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Pod target (k8s://): --image, the container image (default python:3.11-slim). */
  image?: string;
  /** Pod target: --gpus, `nvidia.com/gpu` limits. */
  gpus?: number;
  /** Pod target: --node-selector key=value (repeatable). */
  nodeSelector?: string[];
  /** Pod target: --toleration key=value:effect (repeatable). */
  tolerations?: string[];
}
