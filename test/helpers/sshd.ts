// A real OpenSSH sshd on loopback for the SSH target tests: throwaway host and user keys in a temp folder,
// a free port, `-D -e` in the foreground under `timeout` (so a crashed test run cannot leave it behind).
// Root logs in with a key; `SetEnv SHLVL=1` keeps bash from sourcing root's ~/.bashrc for each command
// (bash does that for sshd's children at shell level 1), which would add ~90 ms of pyenv per command.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dirs.js';

const SSHD = '/usr/sbin/sshd';
/** sshd stops itself after this long, whatever happens to the test run. */
const LIFETIME_S = 600;

export interface Sshd {
  /** Where it listens: `127.0.0.1` and the port (or several addresses, one port). */
  host: string;
  port: number;
  addresses: string[];
  dir: string;
  /** The host key's public half (`ssh-ed25519 AAAA…`). */
  hostKeyPublic: string;
  /** The known_hosts line for host:port. */
  knownHostsLine(host?: string): string;
  /** `ssh://root@host:port`. */
  uri(host?: string): string;
  /** sshd's pid (the listener; sessions are its children). */
  pid: number;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Public keys allowed to log in as root. */
  authorizedKeys: string[];
  /** Listen on these addresses (default 127.0.0.1), all on one port. */
  addresses?: string[];
  port?: number;
  /** Extra sshd_config lines. */
  config?: string[];
  /** Reuse a host key (to test a changed one, pass a different key). */
  hostKey?: string;
  /** More environment for sessions (sshd takes only its first SetEnv line, so they join SHLVL's). */
  env?: Record<string, string>;
}

/** Make an ed25519 key pair; returns the private key's path (the public one is `${path}.pub`). */
export function makeKey(dir: string, name: string, passphrase = ''): string {
  const path = join(dir, name);
  // Few KDF rounds for encrypted test keys: the default 16 take ~0.5 s to open in JavaScript.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-a', '2', '-C', name, '-f', path]);
  chmodSync(path, 0o600);
  return path;
}

export function publicKey(privatePath: string): string {
  return readFileSync(`${privatePath}.pub`, 'utf8').trim();
}

/** The SHA256 fingerprint ssh-keygen prints for a public key file. */
export function sshKeygenFingerprint(publicPath: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicPath], { encoding: 'utf8' }).split(
    ' ',
  )[1];
}

function freePort(): Promise<number> {
  return import('./net.js').then((m) => m.freePort());
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true });
  const dir = makeTempDir('ailab-sshd-');
  const hostKey = options.hostKey ?? makeKey(dir, 'host_ed25519');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `${options.authorizedKeys.join('\n')}\n`);
  const addresses = options.addresses ?? ['127.0.0.1'];
  const port = options.port ?? (await freePort());
  const config = [
    ...addresses.map((a) => `ListenAddress ${a}:${port}`),
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${authorized}`,
    'PidFile none',
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'Subsystem sftp internal-sftp',
    'AllowTcpForwarding yes',
    ['SetEnv SHLVL=1', ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)].join(' '),
    // Fleet tests open many connections at once; the default 10:30:100 drops some of them.
    'MaxStartups 200',
    'LogLevel ERROR',
    ...(options.config ?? []),
  ];
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const child: ChildProcess = spawn('timeout', [String(LIFETIME_S), SSHD, '-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitListening(addresses, port, child, () => log);
  const hostKeyPublic = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const name = (host: string) => (port === 22 ? host : `[${host}]:${port}`);
  return {
    host: addresses[0],
    port,
    addresses,
    dir,
    hostKeyPublic,
    knownHostsLine: (host = addresses[0]) => `${name(host)} ${hostKeyPublic}`,
    uri: (host = addresses[0]) => `ssh://root@${host}:${port}`,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitListening(addresses: string[], port: number, child: ChildProcess, log: () => string) {
  const { connect } = await import('node:net');
  const open = (host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited at start (${child.exitCode}): ${log()}`);
    if ((await Promise.all(addresses.map(open))).every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on port ${port} within 10 s: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A real ssh-agent holding `keys`, on a socket in a temp folder; stop() ends it. */
export async function startAgent(keys: string[]): Promise<{ socket: string; stop(): void }> {
  const dir = makeTempDir('ailab-agent-');
  const socket = join(dir, 'agent.sock');
  const child = spawn('timeout', [String(LIFETIME_S), 'ssh-agent', '-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  const { existsSync } = await import('node:fs');
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const key of keys)
    execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  return { socket, stop: () => child.kill('SIGTERM') };
}
