// Private keys for SSH authentication: read once per file (a fleet of hosts shares them), refused when
// others can read them (OpenSSH's warning, the week-01 `chmod 400` lesson), and decrypted with a
// passphrase from AILAB_SSH_PASSPHRASE or a prompt on the terminal.
import { readFile, stat } from 'node:fs/promises';
import { TargetError } from '../errors.js';
import { fingerprint } from './known-hosts.js';
import { loadSsh2 } from './ssh2-module.js';

export interface LoadedKey {
  path: string;
  /** ssh2's parsed private key. */
  key: unknown;
  fingerprint: string;
}

export interface KeySources {
  env: Record<string, string | undefined>;
  /** Ask on the terminal (absent when not interactive). */
  askSecret?: (question: string) => Promise<string>;
}

/** OpenSSH's refusal, word for word, for a key file that group or others may read. */
export function unprotectedKeyMessage(path: string, mode: number): string {
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `Permissions 0${(mode & 0o777).toString(8)} for '${path}' are too open.`,
    'It is required that your private key files are NOT accessible by others.',
    'This private key will be ignored.',
  ].join('\n');
}

const cache = new Map<string, Promise<LoadedKey>>();

/** Load a private key file. Throws TargetError when it is unreadable, unprotected, or encrypted with no passphrase to be had. */
export function loadPrivateKey(path: string, sources: KeySources): Promise<LoadedKey> {
  let loaded = cache.get(path);
  if (!loaded) {
    loaded = readPrivateKey(path, sources);
    cache.set(path, loaded);
    loaded.catch(() => cache.delete(path));
  }
  return loaded;
}

async function readPrivateKey(path: string, sources: KeySources): Promise<LoadedKey> {
  let info: Awaited<ReturnType<typeof stat>>;
  let data: Buffer;
  try {
    info = await stat(path);
    data = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TargetError(
      `cannot read the SSH key ${path} (${code === 'ENOENT' ? 'no such file' : code})`,
      'give the private key file with --identity FILE',
    );
  }
  // As OpenSSH's sshkey_perm_ok: only the owner's own key is judged, and any group/other bit refuses it.
  const uid = process.getuid?.();
  if ((uid === undefined || info.uid === uid) && (info.mode & 0o077) !== 0) {
    throw new TargetError(unprotectedKeyMessage(path, info.mode), `fix it with: chmod 400 ${path}`);
  }
  const { utils } = await loadSsh2();
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message)) {
    const passphrase =
      sources.env.AILAB_SSH_PASSPHRASE ??
      (sources.askSecret ? await sources.askSecret(`Passphrase for ${path}:`) : undefined);
    if (passphrase === undefined) {
      throw new TargetError(
        `the SSH key ${path} is encrypted and there is no passphrase to open it`,
        'set AILAB_SSH_PASSPHRASE, run on a terminal to be asked, or load the key into ssh-agent (ssh-add)',
      );
    }
    parsed = utils.parseKey(data, passphrase);
    if (parsed instanceof Error) throw new TargetError(`wrong passphrase for the SSH key ${path}`);
  }
  if (parsed instanceof Error) throw new TargetError(`${path} is not an SSH private key (${parsed.message})`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key.isPrivateKey()) throw new TargetError(`${path} holds a public key; give the private key file`);
  return { path, key, fingerprint: fingerprint(key.getPublicSSH()) };
}
