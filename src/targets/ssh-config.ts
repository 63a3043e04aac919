// What ~/.ssh/config says about a host (the ssh-config parser): HostName, User, Port, IdentityFile,
// IdentitiesOnly, ProxyJump, UserKnownHostsFile, HashKnownHosts, ConnectTimeout. Values given in the
// target URI win over the file, as they do on ssh's command line; in the file the first value wins.
import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../errors.js';

export interface SshHostConfig {
  /** The name the user gave (an alias, or the host itself). */
  alias: string;
  hostname: string;
  user: string;
  port: number;
  /** IdentityFile entries, expanded (~, %d, %u, %h, %r, %p). */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** ProxyJump hops, in order: `[user@]host[:port]` or aliases. */
  proxyJump: string[];
  /** UserKnownHostsFile entries, expanded; absent: the default ~/.ssh/known_hosts. */
  userKnownHostsFiles?: string[];
  hashKnownHosts: boolean;
  connectTimeoutMs?: number;
}

export interface SshConfigContext {
  home: string;
  /** Config files, first wins (default: ~/.ssh/config then /etc/ssh/ssh_config). */
  files?: string[];
}

type Computed = Record<string, string | string[]>;

/** Inline `Include` files (paths relative to ~/.ssh, `*` in the last part), as ssh does. */
async function readWithIncludes(file: string, home: string, depth = 0): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (depth > 8 || !/^\s*include\s/im.test(text)) return text;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*include\s+(.+)$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    for (const pattern of m[1].trim().split(/\s+/)) {
      let path = pattern.replace(/^~(?=\/|$)/, home);
      if (!isAbsolute(path)) path = join(home, '.ssh', path);
      const names = basename(path).includes('*')
        ? (await readdir(dirname(path)).catch(() => [] as string[]))
            .filter((n) =>
              new RegExp(
                `^${basename(path)
                  .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                  .replace(/\*/g, '.*')}$`,
              ).test(n),
            )
            .sort()
            .map((n) => join(dirname(path), n))
        : [path];
      for (const name of names) out.push(await readWithIncludes(name, home, depth + 1));
    }
  }
  return out.join('\n');
}

async function computeFor(host: string, ctx: SshConfigContext): Promise<Computed> {
  const { default: SSHConfig } = await import('ssh-config');
  const files = ctx.files ?? [join(ctx.home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
  const merged: Computed = {};
  for (const file of files) {
    const text = await readWithIncludes(file, ctx.home);
    if (text.trim() === '') continue;
    // Match exec would run commands from the file; ailab does not.
    const computed = SSHConfig.parse(text).compute(host, { ignoreCase: true, matchExec: false }) as Computed;
    for (const [key, value] of Object.entries(computed)) {
      if (key === 'identityfile' || key === 'userknownhostsfile') {
        const list = Array.isArray(value) ? value : String(value).split(/\s+/);
        merged[key] = [...((merged[key] as string[] | undefined) ?? []), ...list];
      } else if (!(key in merged)) merged[key] = value;
    }
  }
  return merged;
}

function expandTokens(value: string, tokens: Record<string, string>): string {
  return value
    .replace(/^~(?=\/|$)/, tokens.d)
    .replace(/%([%dhpru])/g, (_, t: string) => (t === '%' ? '%' : (tokens[t] ?? '')));
}

function single(computed: Computed, key: string): string | undefined {
  const value = computed[key];
  return Array.isArray(value) ? value[0] : value;
}

/** The settings for `host` (with the URI's user and port, which win). */
export async function resolveSshHost(
  address: { host: string; user?: string; port?: number },
  ctx: SshConfigContext,
): Promise<SshHostConfig> {
  const computed = await computeFor(address.host, ctx);
  const localUser = safeLocalUser();
  const hostname = expandTokens(single(computed, 'hostname') ?? address.host, {
    d: ctx.home,
    h: address.host,
    u: localUser,
  }).replace(/^\[|\]$/g, '');
  const user = address.user ?? single(computed, 'user') ?? localUser;
  const port = address.port ?? Number(single(computed, 'port') ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`~/.ssh/config gives ${address.host} an invalid Port`);
  if (
    single(computed, 'proxycommand') &&
    single(computed, 'proxycommand') !== 'none' &&
    !single(computed, 'proxyjump')
  ) {
    throw new UsageError(
      `~/.ssh/config reaches ${address.host} through a ProxyCommand, which ailab does not run`,
      'use ProxyJump for a bastion host (ailab supports it)',
    );
  }
  const tokens = { d: ctx.home, h: hostname, u: localUser, r: user, p: String(port) };
  const jump = single(computed, 'proxyjump');
  const knownHosts = computed.userknownhostsfile as string[] | undefined;
  const timeout = Number(single(computed, 'connecttimeout'));
  return {
    alias: address.host,
    hostname,
    user,
    port,
    identityFiles: ((computed.identityfile as string[] | undefined) ?? []).map((f) =>
      expandTokens(f, tokens),
    ),
    identitiesOnly: single(computed, 'identitiesonly')?.toLowerCase() === 'yes',
    proxyJump:
      !jump || jump === 'none'
        ? []
        : jump
            .split(',')
            .map((j) => j.trim())
            .filter(Boolean),
    userKnownHostsFiles: knownHosts?.length ? knownHosts.map((f) => expandTokens(f, tokens)) : undefined,
    hashKnownHosts: single(computed, 'hashknownhosts')?.toLowerCase() === 'yes',
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : undefined,
  };
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
