import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSshHost } from './ssh-config.js';
import { hostLineToUri, parseSshUri } from './ssh-uri.js';

const home = mkdtempSync(join(tmpdir(), 'ailab-ssh-config-'));
mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
const config = join(home, '.ssh', 'config');
writeFileSync(
  config,
  [
    'Include conf.d/*.conf',
    'Host gpu-box',
    '  HostName 10.0.0.5',
    '  User ubuntu',
    '  Port 2222',
    '  IdentityFile ~/.ssh/course_%r.pem',
    '  ProxyJump bastion,admin@jump2:2200',
    'Host *.lab',
    '  HostName %h.example.org',
    'Host *',
    '  IdentitiesOnly yes',
    '  HashKnownHosts yes',
    '  ConnectTimeout 7',
    '',
  ].join('\n'),
);
writeFileSync(
  join(home, '.ssh', 'conf.d', 'extra.conf'),
  'Host included\n  HostName 192.168.1.9\n  UserKnownHostsFile ~/.ssh/lab_hosts\n',
);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('~/.ssh/config', () => {
  it('resolves an alias: HostName, User, Port, IdentityFile with tokens, ProxyJump hops', async () => {
    const host = await resolveSshHost({ host: 'gpu-box' }, { home, files: [config] });
    expect(host).toMatchObject({
      alias: 'gpu-box',
      hostname: '10.0.0.5',
      user: 'ubuntu',
      port: 2222,
      identityFiles: [join(home, '.ssh', 'course_ubuntu.pem')],
      identitiesOnly: true,
      proxyJump: ['bastion', 'admin@jump2:2200'],
      hashKnownHosts: true,
      connectTimeoutMs: 7000,
    });
  });

  it('lets the URI user and port win over the file, as on the ssh command line', async () => {
    const host = await resolveSshHost({ host: 'gpu-box', user: 'root', port: 22 }, { home, files: [config] });
    expect(host).toMatchObject({
      user: 'root',
      port: 22,
      identityFiles: [join(home, '.ssh', 'course_root.pem')],
    });
  });

  it('expands %h in HostName, and reads Include files', async () => {
    expect((await resolveSshHost({ host: 'gpu1.lab' }, { home, files: [config] })).hostname).toBe(
      'gpu1.lab.example.org',
    );
    const included = await resolveSshHost({ host: 'included' }, { home, files: [config] });
    expect(included.hostname).toBe('192.168.1.9');
    expect(included.userKnownHostsFiles).toEqual([join(home, '.ssh', 'lab_hosts')]);
  });

  it('uses the name as is when no Host matches, with port 22', async () => {
    const host = await resolveSshHost({ host: '203.0.113.7' }, { home, files: [] });
    expect(host).toMatchObject({ hostname: '203.0.113.7', port: 22, proxyJump: [], identityFiles: [] });
  });
});

describe('SSH target URIs', () => {
  it('parses ssh:// URIs with user, port, IPv6 and shell=login', () => {
    expect(parseSshUri('ssh://ubuntu@gpu-box:2222')).toEqual({
      host: 'gpu-box',
      user: 'ubuntu',
      port: 2222,
      shell: 'bash',
    });
    expect(parseSshUri('ssh://gpu-box?shell=login')).toEqual({
      host: 'gpu-box',
      user: undefined,
      port: undefined,
      shell: 'login',
    });
    expect(parseSshUri('ssh://root@[::1]:22').host).toBe('::1');
    expect(() => parseSshUri('ssh://gpu-box/path')).toThrow(/invalid SSH target/);
    expect(() => parseSshUri('ssh://gpu-box?shell=zsh')).toThrow(/shell=zsh/);
  });

  it('turns user@host[:port] lines into URIs', () => {
    expect(hostLineToUri('ubuntu@10.0.0.5')).toBe('ssh://ubuntu@10.0.0.5');
    expect(hostLineToUri('root@127.0.0.1:2201')).toBe('ssh://root@127.0.0.1:2201');
    expect(hostLineToUri('gpu-box')).toBe('ssh://gpu-box');
    expect(hostLineToUri('root@[::1]:22')).toBe('ssh://root@[::1]:22');
    expect(() => hostLineToUri('a b')).toThrow(/not user@host/);
  });
});
