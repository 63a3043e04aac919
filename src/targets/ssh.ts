// The SSH target (`ssh://user@host:port`): one ssh2 connection per host, each command an exec channel on
// it (queued to the server's MaxSessions), files over one SFTP session, probes through forwarded
// channels. Same semantics as the local target: bash runs each command, a timeout kills the remote
// process group, background services run in their own group until stopped. A dropped connection turns
// the running command into `connectionLost`; the next call reconnects with backoff, and `notes` say so.
import { constants } from 'node:os';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { TargetError } from '../errors.js';
import { shellQuote } from '../spec/interpolate.js';
import { formatDuration } from '../util/duration.js';
import { makeRemoteTempDir, printPidMarker, removeRemotePath } from './remote-command.js';
import { connectSsh, SshConnectError, type SshConnection } from './ssh-connect.js';
import {
  type ChannelHost,
  type ChannelRunOptions,
  lostResult,
  runOnChannel,
  SessionSlots,
} from './ssh-exec.js';
import { openForward } from './ssh-forward.js';
import { isNoSuchFile, sftpRead, sftpStat, sftpWrite } from './ssh-sftp.js';
import { askpassScript, SUDO_PROBE, sudoFunction, usesSudo } from './ssh-sudo.js';
import { parseSshUri, type SshAddress } from './ssh-uri.js';
import type {
  BackgroundProcess,
  Endpoint,
  ExecOptions,
  ExecResult,
  FileStat,
  Target,
  TargetOptions,
} from './types.js';

const KILL_GRACE_MS = 2000;
/** Waits before each reconnect attempt (about 16 s in all). */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
const RECONNECT_READY_TIMEOUT_MS = 10_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SshTargetOptions extends TargetOptions {
  /** ssh_config files (tests; default ~/.ssh/config and /etc/ssh/ssh_config). */
  configFiles?: string[];
  /** Handshake deadline for the first connection (default: ConnectTimeout, else 20 s). */
  readyTimeoutMs?: number;
  /** Waits before each reconnect attempt after a lost connection (default about 16 s in all). */
  reconnectDelaysMs?: number[];
}

interface Live {
  ssh: SshConnection;
  slots: SessionSlots;
  lost: boolean;
  lostAt?: number;
  lastError?: string;
  /** The login shell is bash: send scripts to it directly (one exec fewer per command). */
  direct: boolean;
  sftp?: Promise<SFTPWrapper>;
}

/** Open an SSH target and connect, so that an unreachable host fails before a run starts. */
export async function createSshTarget(uri: string, options: SshTargetOptions = {}): Promise<SshTarget> {
  const target = new SshTarget(uri, options);
  await target.connect();
  return target;
}

export class SshTarget implements Target {
  readonly kind = 'ssh';
  readonly notes: string[] = [];
  private readonly address: SshAddress;
  private live?: Live;
  private opening?: Promise<Live>;
  private gaveUp?: Error;
  private closed = false;
  private sudo?: Promise<string>;
  private sudoDir?: string;
  private readonly forwards = new Set<Endpoint>();
  /** `user@host[:port]`, known once connected. */
  label: string;

  constructor(
    readonly uri: string,
    private readonly options: SshTargetOptions = {},
  ) {
    this.address = parseSshUri(uri);
    this.label = this.address.host;
  }

  async connect(): Promise<void> {
    await this.connection();
  }

  private get env(): Record<string, string | undefined> {
    return this.options.env ?? process.env;
  }

  private connection(): Promise<Live> {
    if (this.live && !this.live.lost) return Promise.resolve(this.live);
    if (this.closed) return Promise.reject(new TargetError(`the SSH connection to ${this.label} is closed`));
    if (this.gaveUp) return Promise.reject(this.gaveUp);
    this.opening ??= (this.live ? this.reconnect(this.live) : this.open()).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(readyTimeoutMs = this.options.readyTimeoutMs): Promise<Live> {
    const ssh = await connectSsh(this.uri, {
      identity: this.options.identity,
      knownHostsFile: this.options.knownHosts,
      acceptNewHostKey: this.options.acceptNewHostKey,
      env: this.env,
      askSecret: this.options.askSecret,
      configFiles: this.options.configFiles,
      readyTimeoutMs,
    });
    const live: Live = { ssh, slots: new SessionSlots(), lost: false, direct: false };
    this.label = ssh.label;
    const markLost = () => {
      if (live.lost || this.closed) return;
      live.lost = true;
      live.lostAt = Date.now();
      this.notes.push(
        `the connection to ${this.label} was lost at ${new Date().toISOString()}${live.lastError ? ` (${live.lastError})` : ''}`,
      );
    };
    ssh.client.on('error', (err: Error) => {
      live.lastError = err.message;
    });
    ssh.client.on('close', markLost);
    ssh.client.on('end', markLost);
    this.live = live;
    if (this.address.shell === 'bash') {
      // A bash login shell runs our scripts itself; any other shell is asked to exec bash.
      const probe = await runOnChannel(this.channelHost(live), 'printf %s "${BASH_VERSION:-}"', {
        timeoutMs: 15_000,
      });
      live.direct = probe.exitCode === 0 && probe.stdout.trim() !== '';
    }
    return live;
  }

  private async reconnect(old: Live): Promise<Live> {
    const lostAt = old.lostAt ?? Date.now();
    let lastError: Error | undefined;
    for (const [attempt, delay] of (this.options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS).entries()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.closed) break;
      try {
        const live = await this.open(RECONNECT_READY_TIMEOUT_MS);
        this.notes.push(
          `reconnected to ${this.label} after ${formatDuration(Date.now() - lostAt)} (attempt ${attempt + 1})`,
        );
        return live;
      } catch (error) {
        lastError = error as Error;
        // A host key or key problem will not mend itself by waiting.
        if (error instanceof SshConnectError && ['host-key', 'auth', 'key'].includes(error.reason)) break;
      }
    }
    this.gaveUp = new TargetError(
      `lost the connection to ${this.label} and could not reconnect: ${lastError?.message ?? 'closed'}`,
    );
    this.notes.push(`could not reconnect to ${this.label}: ${lastError?.message ?? 'closed'}`);
    throw this.gaveUp;
  }

  private channelHost(live: Live): ChannelHost {
    return {
      client: live.ssh.client,
      slots: live.slots,
      isLost: () => live.lost,
      killGroup: async (pid, signal) => {
        await runOnChannel(
          this.channelHost(live),
          `kill -${signal} -${pid} 2>/dev/null || kill -${signal} ${pid} 2>/dev/null; true`,
          { priority: true, killable: false, timeoutMs: 10_000 },
        );
      },
    };
  }

  /** The command line for the remote login shell: bash runs `script` (as a login shell if asked). */
  private shellLine(live: Live, script: string): string {
    if (live.direct) return script;
    return `exec bash ${this.address.shell === 'login' ? '-lc' : '-c'} ${shellQuote(script)}`;
  }

  private prelude(options: Pick<ExecOptions, 'cwd' | 'env'>, sudo: string): string[] {
    const lines: string[] = [];
    if (options.cwd) lines.push(`builtin cd -- ${shellQuote(options.cwd)} || exit 1`);
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (ENV_NAME.test(name)) lines.push(`export ${name}=${shellQuote(value)}`);
    }
    if (sudo) lines.push(sudo);
    return lines;
  }

  /** Run a command of ailab's own (mktemp, rm, the sudo probe) with no timeout kill. */
  private async run(
    script: string,
    options: ChannelRunOptions & Pick<ExecOptions, 'env'> = {},
  ): Promise<ExecResult> {
    const live = await this.connection();
    const body = [...this.prelude({ env: options.env }, ''), script].join('\n');
    return runOnChannel(this.channelHost(live), this.shellLine(live, body), {
      timeoutMs: 60_000,
      ...options,
    });
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    let live: Live;
    try {
      live = await this.connection();
    } catch (error) {
      return lostResult(started, `connection lost: ${(error as Error).message}`);
    }
    const sudo = usesSudo(command) ? await this.sudoPrelude(options.env) : '';
    const script = [printPidMarker(), ...this.prelude(options, sudo), command].join('\n');
    return runOnChannel(this.channelHost(live), this.shellLine(live, script), options);
  }

  async spawnBackground(
    command: string,
    options: ExecOptions & { logPath: string },
  ): Promise<BackgroundProcess> {
    const live = await this.connection();
    const sudo = usesSudo(command) ? await this.sudoPrelude(options.env) : '';
    const inner = [...this.prelude(options, sudo), command].join('\n');
    const shell = this.address.shell === 'login' ? 'bash -lc' : 'bash -c';
    const log = shellQuote(options.logPath);
    const script = [
      `mkdir -p -- ${shellQuote(posix.dirname(options.logPath))} || exit 1`,
      // Job control puts the service in a process group of its own, so stop() reaches all it starts.
      'set -m',
      `${shell} ${shellQuote(inner)} >> ${log} 2>&1 < /dev/null &`,
      printPidMarker('$!'),
      'wait $!',
    ].join('\n');
    const started = Date.now();
    let running = true;
    let unknown = false;
    let pid: number | undefined;
    let pidKnown: (pid: number | undefined) => void = () => {};
    const pidPromise = new Promise<number | undefined>((resolve) => {
      pidKnown = resolve;
    });
    const exited = runOnChannel(this.channelHost(live), this.shellLine(live, script), {
      killable: false,
      onPid: (p) => pidKnown(p),
    }).then((r): ExecResult => {
      running = false;
      unknown = Boolean(r.connectionLost);
      pidKnown(undefined);
      const signal = r.exitCode !== null && r.exitCode > 128 ? signalName(r.exitCode - 128) : undefined;
      return {
        ...r,
        exitCode: signal ? null : r.exitCode,
        signal: signal ?? r.signal,
        stdout: '',
        stderr: '',
        durationMs: Date.now() - started,
      };
    });
    pid = await pidPromise;
    return {
      pid,
      logPath: options.logPath,
      exited,
      isRunning: () => running,
      stop: async (graceMs = KILL_GRACE_MS) => {
        // After a lost connection the service may well still run on the host: stop it all the same.
        if (pid === undefined || (!running && !unknown)) return;
        const steps = Math.max(1, Math.ceil(graceMs / 50));
        const result = await this.run(
          `kill -TERM -${pid} 2>/dev/null || exit 0; i=0; while kill -0 -${pid} 2>/dev/null && [ $i -lt ${steps} ]; do sleep 0.05; i=$((i+1)); done; kill -KILL -${pid} 2>/dev/null; true`,
          { priority: true, killable: false, timeoutMs: graceMs + 10_000 },
        );
        if (result.connectionLost) throw new Error(`could not stop pid ${pid}: the connection was lost`);
        if (running)
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      },
    };
  }

  private async sftp(): Promise<SFTPWrapper> {
    const live = await this.connection();
    if (!live.sftp) {
      let opened: Promise<SFTPWrapper> | undefined;
      opened = live.sftp = (async () => {
        const release = await live.slots.acquire();
        return new Promise<SFTPWrapper>((resolve, reject) =>
          live.ssh.client.sftp((err, sftp) => {
            if (err) {
              release();
              return reject(new Error(`SFTP is not available on ${this.label}: ${err.message}`));
            }
            sftp.once('close', () => {
              release();
              if (live.sftp === opened) live.sftp = undefined;
            });
            resolve(sftp);
          }),
        );
      })();
      opened.catch(() => {
        if (live.sftp === opened) live.sftp = undefined;
      });
    }
    return live.sftp;
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    return sftpRead(await this.sftp(), path, options.maxBytes);
  }

  async writeFile(path: string, data: string | Buffer, mode?: number): Promise<void> {
    const sftp = await this.sftp();
    try {
      await sftpWrite(sftp, path, data, mode);
    } catch (error) {
      if (!isNoSuchFile(error)) throw error;
      const made = await this.run(`mkdir -p -- ${shellQuote(posix.dirname(path))}`);
      if (made.exitCode !== 0)
        throw new Error(`cannot make ${posix.dirname(path)} on ${this.label}: ${made.stderr.trim()}`);
      await sftpWrite(sftp, path, data, mode);
    }
  }

  async stat(path: string): Promise<FileStat> {
    return sftpStat(await this.sftp(), path);
  }

  mkdtemp(prefix: string): Promise<string> {
    return makeRemoteTempDir((command) => this.run(command), `on ${this.label}`, prefix);
  }

  remove(path: string): Promise<void> {
    return removeRemotePath((command) => this.run(command), `on ${this.label}`, path);
  }

  async connectTo(host: string, port: number): Promise<Endpoint> {
    const live = await this.connection();
    const endpoint = await openForward(live.ssh.client, host, port, `through SSH to ${this.label}`);
    this.forwards.add(endpoint);
    const close = endpoint.close;
    return {
      ...endpoint,
      close: async () => {
        this.forwards.delete(endpoint);
        await close();
      },
    };
  }

  /** Lines that let `sudo` read a password; empty when sudo needs none (or there is none to give). */
  private sudoPrelude(env?: Record<string, string>): Promise<string> {
    this.sudo ??= this.prepareSudo(env).catch(() => '');
    return this.sudo;
  }

  private async prepareSudo(env?: Record<string, string>): Promise<string> {
    const probe = await this.run(SUDO_PROBE, { env, timeoutMs: 20_000 });
    if (probe.stdout.trim() !== 'password') return '';
    const password =
      this.env.AILAB_SUDO_PASSWORD ??
      (this.options.askSecret ? await this.options.askSecret(`sudo password for ${this.label}:`) : undefined);
    if (!password) return '';
    this.options.onSecret?.(password);
    const dir = await this.mkdtemp('ailab-sudo-');
    this.sudoDir = dir;
    await this.writeFile(`${dir}/password`, `${password}\n`, 0o600);
    await this.writeFile(`${dir}/askpass`, askpassScript(`${dir}/password`), 0o700);
    return sudoFunction(`${dir}/askpass`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const endpoint of [...this.forwards]) await endpoint.close().catch(() => {});
    const live = this.live;
    if (live && !live.lost && this.sudoDir) await this.remove(this.sudoDir).catch(() => {});
    this.closed = true;
    if (live) {
      const sftp = await live.sftp?.catch(() => undefined);
      sftp?.end();
      live.ssh.end();
    }
  }
}

function signalName(number: number): string | undefined {
  const entry = Object.entries(constants.signals).find(([, n]) => n === number);
  return entry?.[0];
}
