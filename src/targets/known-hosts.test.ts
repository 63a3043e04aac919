import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  formatKnownHostLine,
  hostFieldMatches,
  keyTypeLabel,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
  recordedKeyTypes,
  verifyHostKey,
} from './known-hosts.js';

// Real keys from ssh-keygen; the hashed line is what `ssh-keygen -H` wrote for [example.com]:2222.
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAINJe9CFgkA00Yai0+ZUoEAL48fe4f9YCVPwy+GWD1eG/';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIChLNgctKRrFYLLYykh5CQzXmVDJxv96J9UZAOtpuCHY';
const HASHED = `|1|/R++sJmV85iyx2OSk4ksUa6lOwk=|MALBR4XiFuiKyEPvMpTF3O4Rkf8= ssh-ed25519 ${KEY}`;
const blob = (b64: string) => Buffer.from(b64, 'base64');

describe('known_hosts', () => {
  it('names a host as ssh does: bare on 22, [host]:port otherwise', () => {
    expect(knownHostsName('gpu-box', 22)).toBe('gpu-box');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it("prints ssh-keygen's SHA256 fingerprint and the key type", () => {
    expect(fingerprint(blob(KEY))).toBe('SHA256:mX3/tKFWM7HVKlPrGgeTbOZzVOPJwp4QUEtq1eJH2gc');
    expect(keyTypeOf(blob(KEY))).toBe('ssh-ed25519');
    expect(keyTypeLabel('ecdsa-sha2-nistp256')).toBe('ECDSA');
    expect(keyTypeLabel('rsa-sha2-512')).toBe('RSA');
  });

  it('parses lines, comments, markers and skips what it cannot read', () => {
    const entries = parseKnownHosts(
      `# comment\n\ngpu-box,10.0.0.5 ssh-ed25519 ${KEY} me@laptop\n@revoked * ssh-ed25519 ${OTHER}\n@cert-authority *.lab ssh-ed25519 ${OTHER}\n@bogus x y z\nbroken\n`,
      'kh',
    );
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, undefined, 'gpu-box,10.0.0.5'],
      [4, 'revoked', '*'],
      [5, 'cert-authority', '*.lab'],
    ]);
  });

  it('matches hashed entries, lists, wildcards and negation', () => {
    expect(hostFieldMatches(HASHED.split(' ')[0], '[example.com]:2222')).toBe(true);
    expect(hostFieldMatches(HASHED.split(' ')[0], 'example.com')).toBe(false);
    expect(hostFieldMatches('a,b,[c]:2222', '[c]:2222')).toBe(true);
    expect(hostFieldMatches('*.lab,!bad.lab', 'gpu1.lab')).toBe(true);
    expect(hostFieldMatches('*.lab,!bad.lab', 'bad.lab')).toBe(false);
    expect(hostFieldMatches('gpu?', 'gpu7')).toBe(true);
    expect(hostFieldMatches('GPU-box', 'gpu-box')).toBe(true);
  });

  it('knows a key, calls a new host unknown, and a different key for a known host changed', () => {
    const entries = parseKnownHosts(`${HASHED}\n`, 'kh');
    expect(verifyHostKey(entries, '[example.com]:2222', blob(KEY)).status).toBe('known');
    expect(verifyHostKey(entries, 'other.com', blob(KEY)).status).toBe('unknown');
    const changed = verifyHostKey(entries, '[example.com]:2222', blob(OTHER));
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.recorded[0].line).toBe(1);
  });

  it('refuses a revoked key even where it is listed as known', () => {
    const entries = parseKnownHosts(`gpu-box ssh-ed25519 ${KEY}\n@revoked * ssh-ed25519 ${KEY}\n`, 'kh');
    expect(verifyHostKey(entries, 'gpu-box', blob(KEY)).status).toBe('revoked');
  });

  it('writes lines it can read back, plain or hashed', () => {
    for (const hash of [false, true]) {
      const line = formatKnownHostLine('[10.0.0.5]:2222', blob(KEY), hash);
      expect(line.startsWith(hash ? '|1|' : '[10.0.0.5]:2222 ')).toBe(true);
      const entries = parseKnownHosts(line, 'kh');
      expect(verifyHostKey(entries, '[10.0.0.5]:2222', blob(KEY)).status).toBe('known');
      expect(recordedKeyTypes(entries, '[10.0.0.5]:2222')).toEqual(['ssh-ed25519']);
    }
  });
});
