// SSH target URIs: `ssh://[user@]host[:port][?shell=login]`, where host may be a Host alias of
// ~/.ssh/config; and the `user@host[:port]` lines of a --hosts file.
import { UsageError } from '../errors.js';

export interface SshAddress {
  /** As written: an alias of ~/.ssh/config or a host name or address. */
  host: string;
  user?: string;
  port?: number;
  /** `login`: commands run in a login shell (bash -lc), for hosts where conda or pyenv load only there. */
  shell: 'bash' | 'login';
}

export function parseSshUri(uri: string): SshAddress {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UsageError(
      `invalid SSH target "${uri}"`,
      'write it as ssh://user@host:port, e.g. ssh://ubuntu@gpu-box',
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol !== 'ssh:' || host === '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new UsageError(
      `invalid SSH target "${uri}"`,
      'write it as ssh://user@host:port, e.g. ssh://ubuntu@gpu-box',
    );
  }
  const shell = url.searchParams.get('shell') ?? 'bash';
  if (shell !== 'bash' && shell !== 'login') {
    throw new UsageError(`invalid SSH target "${uri}": shell=${shell}`, 'shell=login or leave it out');
  }
  return {
    host,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    port: url.port ? Number(url.port) : undefined,
    shell,
  };
}

/** `user@host`, `host:2222`, `[::1]:22` or an ssh:// URI, as an ssh:// URI. */
export function hostLineToUri(line: string): string {
  const text = line.trim();
  if (/^ssh:\/\//i.test(text)) return text;
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`"${text}" is not user@host[:port]`);
  const host = m[2].startsWith('[') || !m[2].includes(':') ? m[2] : `[${m[2]}]`;
  return `ssh://${m[1] ? `${encodeURIComponent(m[1])}@` : ''}${host}${m[3] ? `:${m[3]}` : ''}`;
}
