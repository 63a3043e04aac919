// Open one SSH connection (ssh2) as OpenSSH would: settings from ~/.ssh/config, ProxyJump hops, the host
// key checked against known_hosts, keys from --identity, IdentityFile and ssh-agent. Every way it can
// fail becomes one clear TargetError (exit 3): DNS, refused, unreachable, host key, authentication.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Algorithms, AuthenticationType, Client, ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import { TargetError } from '../errors.js';
import {
  appendKnownHost,
  fingerprint,
  formatKnownHostLine,
  type HostKeyVerdict,
  keyTypeLabel,
  keyTypeOf,
  knownHostsName,
  readKnownHosts,
  recordedKeyTypes,
  verifyHostKey,
} from './known-hosts.js';
import { resolveSshHost, type SshHostConfig } from './ssh-config.js';
import { type LoadedKey, loadPrivateKey } from './ssh-keys.js';
import { hostLineToUri, parseSshUri } from './ssh-uri.js';
import { loadSsh2 } from './ssh2-module.js';

export interface SshConnectOptions {
  /** --identity: a private key file tried first. */
  identity?: string;
  /** --known-hosts: the one known_hosts file to read and write. */
  knownHostsFile?: string;
  /** --accept-new-host-key: trust a host seen for the first time and record its key. */
  acceptNewHostKey?: boolean;
  /** HOME, SSH_AUTH_SOCK, AILAB_SSH_PASSPHRASE (default: process.env). */
  env?: Record<string, string | undefined>;
  askSecret?: (question: string) => Promise<string>;
  /** ssh_config files to read (default: ~/.ssh/config, /etc/ssh/ssh_config). */
  configFiles?: string[];
  /** Time allowed for TCP connect and SSH handshake (default: ConnectTimeout, else 20 s). */
  readyTimeoutMs?: number;
  /** Seconds between keepalives (default 15; three unanswered drop the connection). */
  keepaliveIntervalMs?: number;
}

export type SshFailure = 'dns' | 'refused' | 'unreachable' | 'host-key' | 'auth' | 'key' | 'other';

/** A connection that could not be made, with why (`reason`), for messages and the fleet table. */
export class SshConnectError extends TargetError {
  constructor(
    readonly reason: SshFailure,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export interface SshConnection {
  client: Client;
  host: SshHostConfig;
  /** `user@alias` (with `:port` when not 22), for messages and `via`. */
  label: string;
  /** Ends the connection and its jump hosts. */
  end(): void;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function hostLabel(host: SshHostConfig): string {
  return `${host.user}@${host.alias}${host.port === 22 ? '' : `:${host.port}`}`;
}

/** Connect to `ssh://…` (or an alias), through its ProxyJump hops. */
export async function connectSsh(uri: string, options: SshConnectOptions = {}): Promise<SshConnection> {
  const env = options.env ?? process.env;
  const home = env.HOME || homedir();
  const address = parseSshUri(uri);
  const host = await resolveSshHost(address, { home, files: options.configFiles });
  const keys = await collectKeys(host, options, env, home);
  const hops: Client[] = [];
  const endAll = () => {
    for (const hop of hops.reverse()) hop.end();
  };
  try {
    let sock: ClientChannel | undefined;
    let previous: SshHostConfig | undefined;
    for (const jump of host.proxyJump) {
      const jumpAddress = parseSshUri(hostLineToUri(jump));
      const jumpHost = await resolveSshHost(jumpAddress, { home, files: options.configFiles });
      if (previous) sock = await forwardFrom(hops[hops.length - 1], previous, jumpHost);
      const jumpKeys = await collectKeys(jumpHost, options, env, home);
      hops.push(await connectOne(jumpHost, jumpKeys, options, home, sock, `jump host ${jumpHost.alias}`));
      previous = jumpHost;
    }
    if (previous) sock = await forwardFrom(hops[hops.length - 1], previous, host);
    const client = await connectOne(host, keys, options, home, sock);
    client.once('close', endAll);
    return {
      client,
      host,
      label: hostLabel(host),
      end: () => {
        client.end();
        endAll();
      },
    };
  } catch (error) {
    endAll();
    throw error;
  }
}

/** A tunnel from a jump host to the next hop. */
function forwardFrom(jump: Client, jumpHost: SshHostConfig, next: SshHostConfig): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, next.hostname, next.port, (err, channel) => {
      if (!err) return resolve(channel);
      const refused = /refused/i.test(err.message);
      reject(
        new SshConnectError(
          refused ? 'refused' : 'unreachable',
          `jump host ${jumpHost.alias} cannot reach ${next.hostname}:${next.port} (${err.message.replace(/^\(SSH\) /, '')})`,
          'check the address after ProxyJump in ~/.ssh/config, and that sshd runs there',
        ),
      );
    });
  });
}

interface KeyPlan {
  keys: LoadedKey[];
  agent?: string;
  /** Keys passed over, and why (shown when authentication fails). */
  notes: string[];
}

/** Keys to offer, in OpenSSH's spirit: --identity, then IdentityFile (or the default ~/.ssh/id_*), then the agent. */
async function collectKeys(
  host: SshHostConfig,
  options: SshConnectOptions,
  env: Record<string, string | undefined>,
  home: string,
): Promise<KeyPlan> {
  const sources = { env, askSecret: options.askSecret };
  const keys: LoadedKey[] = [];
  const notes: string[] = [];
  // The key named on the command line must work: an unprotected or unreadable one stops here, loudly.
  if (options.identity) keys.push(await loadPrivateKey(options.identity, sources));
  const configured = host.identityFiles.length > 0;
  const candidates = configured ? host.identityFiles : DEFAULT_KEYS.map((name) => join(home, '.ssh', name));
  for (const path of candidates) {
    if (path === options.identity) continue;
    try {
      keys.push(await loadPrivateKey(path, sources));
    } catch (error) {
      const message = (error as Error).message;
      if (!configured && /no such file/.test(message)) continue;
      notes.push(message.includes('UNPROTECTED') ? message : `skipped ${path}: ${message}`);
    }
  }
  const agent =
    env.SSH_AUTH_SOCK && !(host.identitiesOnly && keys.length > 0) ? env.SSH_AUTH_SOCK : undefined;
  if (keys.length === 0 && !agent) {
    throw new SshConnectError(
      'key',
      `no SSH key to log in to ${hostLabel(host)} with${notes.length ? `:\n${notes.join('\n')}` : ''}`,
      'give one with --identity FILE, load one into ssh-agent (ssh-add), or set IdentityFile in ~/.ssh/config',
    );
  }
  return { keys, agent, notes };
}

/** Host key algorithms with the types known_hosts holds for this host first (as OpenSSH orders them). */
function hostKeyOrder(recorded: string[]): ServerHostKeyAlgorithm[] {
  const all: ServerHostKeyAlgorithm[] = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
  ];
  const family = (algo: string) => (algo.startsWith('rsa-sha2') ? 'ssh-rsa' : algo);
  const first = all.filter((a) => recorded.includes(family(a)));
  return [...first, ...all.filter((a) => !first.includes(a))];
}

async function connectOne(
  host: SshHostConfig,
  plan: KeyPlan,
  options: SshConnectOptions,
  home: string,
  sock: ClientChannel | undefined,
  role?: string,
): Promise<Client> {
  const { Client } = await loadSsh2();
  const name = knownHostsName(host.hostname, host.port);
  const knownFiles = options.knownHostsFile
    ? [options.knownHostsFile]
    : (host.userKnownHostsFiles ?? [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')]);
  const readFiles = options.knownHostsFile ? knownFiles : [...knownFiles, '/etc/ssh/ssh_known_hosts'];
  const entries = await readKnownHosts(readFiles);
  let verdict: HostKeyVerdict | undefined;
  let offered: Buffer | undefined;
  let recordError: Error | undefined;

  const tried: string[] = [];
  const methods: Array<{ label: string; auth: Record<string, unknown> }> = [
    ...plan.keys.map((k) => ({
      label: `key ${k.path} (${k.fingerprint})`,
      auth: { type: 'publickey', username: host.user, key: k.key },
    })),
    ...(plan.agent
      ? [
          {
            label: `ssh-agent (${plan.agent})`,
            auth: { type: 'agent', username: host.user, agent: plan.agent },
          },
        ]
      : []),
  ];
  let next = 0;

  const client = new Client();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once('ready', () => {
      settled = true;
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (!settled) fail(describeFailure(err, host, { verdict, offered, recordError, tried, plan, role }));
    });
    client.once('close', () => {
      if (!settled)
        fail(
          new SshConnectError('other', `${hostLabel(host)} closed the connection during the SSH handshake`),
        );
    });
    const algorithms: Algorithms = { serverHostKey: hostKeyOrder(recordedKeyTypes(entries, name)) };
    client.connect({
      host: host.hostname,
      port: host.port,
      username: host.user,
      sock,
      algorithms,
      readyTimeout: host.connectTimeoutMs ?? options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        offered = key;
        verdict = verifyHostKey(entries, name, key);
        if (verdict.status === 'known') return verify(true);
        if (verdict.status === 'unknown' && options.acceptNewHostKey) {
          appendKnownHost(knownFiles[0], formatKnownHostLine(name, key, host.hashKnownHosts)).then(
            () => verify(true),
            (error: Error) => {
              recordError = error;
              verify(false);
            },
          );
          return;
        }
        verify(false);
      },
      authHandler: (
        methodsLeft: AuthenticationType[] | null,
        _partial: boolean | null,
        callback: (next: unknown) => void,
      ) => {
        if (methodsLeft && !methodsLeft.includes('publickey')) return callback(false);
        const method = methods[next++];
        if (!method) return callback(false);
        tried.push(method.label);
        callback(method.auth);
      },
    } as Parameters<Client['connect']>[0]);
  });
}

interface FailureState {
  verdict?: HostKeyVerdict;
  offered?: Buffer;
  recordError?: Error;
  tried: string[];
  plan: KeyPlan;
  role?: string;
}

function describeFailure(
  err: Error & { level?: string; code?: string },
  host: SshHostConfig,
  state: FailureState,
): SshConnectError {
  const where = `${host.hostname}:${host.port}`;
  const who = state.role ? `${state.role} (${where})` : where;
  const { verdict, offered } = state;
  if (verdict && offered && verdict.status !== 'known') {
    const name = knownHostsName(host.hostname, host.port);
    const type = keyTypeLabel(keyTypeOf(offered));
    const seen = `${type} key fingerprint is ${fingerprint(offered)}`;
    if (verdict.status === 'unknown') {
      if (state.recordError)
        return new SshConnectError(
          'host-key',
          `could not record the host key of ${name}: ${state.recordError.message}`,
        );
      return new SshConnectError(
        'host-key',
        `the host key of ${name} is not known (${seen})`,
        "if that fingerprint is the host's (ask its owner, or read it on its console with ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), run again with --accept-new-host-key to trust it and record it",
      );
    }
    if (verdict.status === 'revoked') {
      return new SshConnectError(
        'host-key',
        `the host key of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line} (${seen})`,
      );
    }
    const recorded = verdict.recorded
      .map(
        (e) =>
          `  recorded: ${keyTypeLabel(e.keyType)} ${fingerprint(Buffer.from(e.key, 'base64'))} (${e.file}:${e.line})`,
      )
      .join('\n');
    return new SshConnectError(
      'host-key',
      [
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
        `The host key of ${name} has changed; ailab refuses to connect.`,
        recorded,
        `  offered:  ${type} ${fingerprint(offered)}`,
      ].join('\n'),
      `if the host was rebuilt and you trust the new key, remove the old one with: ssh-keygen -R '${name}' -f ${verdict.recorded[0].file}`,
    );
  }
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new SshConnectError(
      'dns',
      `cannot resolve the host name "${host.hostname}"${state.role ? ` of the ${state.role}` : ''} (DNS: ${code})`,
      host.alias === host.hostname
        ? 'check the spelling, or add a Host entry with its HostName to ~/.ssh/config'
        : `check HostName for ${host.alias} in ~/.ssh/config`,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new SshConnectError(
      'refused',
      `connection refused by ${who}`,
      `is sshd running there, and is ${host.port} its SSH port?`,
    );
  }
  if (
    ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ECONNABORTED'].includes(code) ||
    /timed out while waiting for handshake/i.test(err.message)
  ) {
    return new SshConnectError(
      'unreachable',
      `${who} is unreachable (${code || 'no SSH answer in time'})`,
      'check the address, that the machine is running, and that its firewall or security group allows SSH',
    );
  }
  if (err.level === 'client-authentication') {
    const tried = state.tried.length > 0 ? state.tried.join(', ') : 'nothing';
    const notes = state.plan.notes.length > 0 ? `\n${state.plan.notes.join('\n')}` : '';
    return new SshConnectError(
      'auth',
      `authentication failed for ${host.user}@${who}: the server accepted none of: ${tried}${notes}`,
      `check the user name (${host.user}) and that your public key is in ~/.ssh/authorized_keys on the host; give the key with --identity FILE`,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new SshConnectError(
      'unreachable',
      `${who} dropped the connection during the SSH handshake (${code})`,
    );
  }
  return new SshConnectError('other', `SSH connection to ${who} failed: ${err.message}`);
}
