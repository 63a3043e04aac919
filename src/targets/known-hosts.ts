// Host keys, checked as OpenSSH checks them: known_hosts lines (plain, wildcard, negated, `[host]:port`
// and hashed `|1|salt|hmac` entries, @revoked), SHA256 fingerprints, and the loud refusal of a key that
// changed. Pure functions on text, plus a serialised append for --accept-new-host-key.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';

export interface KnownHostEntry {
  /** The file and 1-based line it came from (for messages). */
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: `a,b,[c]:2222`, or `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** The key blob, base64 (SSH wire format). */
  key: string;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; recorded: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/** The name known_hosts files use: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:…` as `ssh-keygen -l` prints it: base64 of the key blob's SHA-256, without padding. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa` …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** `ED25519`, `ECDSA`, `RSA`: the name OpenSSH's messages give a key type. */
export function keyTypeLabel(keyType: string): string {
  if (keyType.includes('ed25519')) return 'ED25519';
  if (keyType.startsWith('ecdsa')) return 'ECDSA';
  if (keyType.includes('rsa')) return 'RSA';
  if (keyType.includes('dss')) return 'DSA';
  return keyType;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift()!.slice(1) as KnownHostEntry['marker'];
    } else if (fields[0].startsWith('@')) continue;
    if (fields.length < 3) continue;
    entries.push({ file, line: index + 1, marker, hosts: fields[0], keyType: fields[1], key: fields[2] });
  }
  return entries;
}

/** `*` and `?` wildcards, as OpenSSH's match_pattern. */
function globMatch(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** Does a known_hosts host field name this host? Handles hashed entries, lists, wildcards and negation. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

/** Check the key a host offered against the entries (from every known_hosts file read). */
export function verifyHostKey(entries: KnownHostEntry[], name: string, keyBlob: Buffer): HostKeyVerdict {
  const offered = keyBlob.toString('base64');
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === offered);
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key === offered);
  if (match) return { status: 'known', entry: match };
  if (plain.length === 0) return { status: 'unknown' };
  return { status: 'changed', recorded: plain };
}

/** Key types recorded for a host, to ask the server for one of those first (as OpenSSH orders them). */
export function recordedKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** One known_hosts line for a host key; `hash` writes the name as `|1|salt|hmac` (HashKnownHosts yes). */
export function formatKnownHostLine(name: string, keyBlob: Buffer, hash = false): string {
  let field = name;
  if (hash) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** Read and parse known_hosts files; a missing file is an empty one. */
export async function readKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

// Appends from concurrent connections (a fleet with --accept-new-host-key) go one at a time.
let appending: Promise<void> = Promise.resolve();

/** Record a host key at the end of a known_hosts file (made, with ~/.ssh, when missing). */
export function appendKnownHost(file: string, line: string): Promise<void> {
  const next = appending.then(async () => {
    makeDirs(dirname(file), 0o700);
    const text = await readFile(file, 'utf8').catch(() => '');
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(file, `${sep}${line}\n`, { mode: 0o600 });
  });
  appending = next.catch(() => {});
  return next;
}
