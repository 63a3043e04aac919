// Connecting as OpenSSH users do, against real sshd: key files, ssh-agent, ~/.ssh/config aliases and
// ProxyJump; host keys checked against known_hosts (hashed too), unknown and changed keys refused,
// --accept-new-host-key recorded; and each way of failing with its own clear message.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../src/errors.js';
import { createSshTarget } from '../../src/targets/ssh.js';
import type { SshConnectError } from '../../src/targets/ssh-connect.js';
import { freePort } from '../helpers/net.js';
import {
  makeKey,
  publicKey,
  type Sshd,
  sshKeygenFingerprint,
  startAgent,
  startSshd,
} from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

let dir: string;
let key: string;
let otherKey: string;
let sshd: Sshd;
let bastion: Sshd;
let knownHosts: string;

beforeAll(async () => {
  dir = makeTempDir('ailab-ssh-connect-');
  key = makeKey(dir, 'id_good');
  otherKey = makeKey(dir, 'id_other');
  [sshd, bastion] = await Promise.all([
    startSshd({ authorizedKeys: [publicKey(key)] }),
    startSshd({ authorizedKeys: [publicKey(key)] }),
  ]);
  knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n${bastion.knownHostsLine()}\n`);
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), bastion?.stop()]);
  removeTempDirs();
});

/** Connect, run `id -un`, close; the error (a TargetError) when it cannot. */
async function whoami(uri: string, options: Parameters<typeof createSshTarget>[1]): Promise<string> {
  const target = await createSshTarget(uri, { configFiles: [], env: { HOME: dir }, ...options });
  try {
    return (await target.exec('id -un')).stdout.trim();
  } finally {
    await target.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<SshConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as SshConnectError;
}

describe('authentication', () => {
  it('logs in with a key file', async () => {
    expect(await whoami(sshd.uri(), { identity: key, knownHosts })).toBe('root');
  });

  it('logs in with a key held by ssh-agent', async () => {
    const agent = await startAgent([key]);
    try {
      expect(await whoami(sshd.uri(), { knownHosts, env: { HOME: dir, SSH_AUTH_SOCK: agent.socket } })).toBe(
        'root',
      );
    } finally {
      agent.stop();
    }
  });

  it('says which keys the server refused', async () => {
    const error = await failure(whoami(sshd.uri(), { identity: otherKey, knownHosts }));
    expect(error.reason).toBe('auth');
    expect(error.message).toContain('authentication failed for root@127.0.0.1');
    expect(error.message).toContain(`key ${otherKey} (${sshKeygenFingerprint(`${otherKey}.pub`)})`);
    expect(error.exitCode).toBe(3);
  });

  it("refuses a key file others can read, with OpenSSH's warning", async () => {
    const loose = join(dir, 'id_loose');
    copyFileSync(key, loose);
    chmodSync(loose, 0o644);
    const error = await failure(whoami(sshd.uri(), { identity: loose, knownHosts }));
    expect(error.message).toContain('WARNING: UNPROTECTED PRIVATE KEY FILE!');
    expect(error.message).toContain(`Permissions 0644 for '${loose}' are too open.`);
    expect(error.hint).toContain('chmod 400');
  });

  it('opens an encrypted key with AILAB_SSH_PASSPHRASE or a prompt, and refuses without one', async () => {
    const locked = makeKey(dir, 'id_locked', 'correct horse');
    const asked = makeKey(dir, 'id_asked', 'battery staple');
    writeFileSync(
      join(sshd.dir, 'authorized_keys'),
      `${publicKey(key)}\n${publicKey(locked)}\n${publicKey(asked)}\n`,
    );
    expect(
      await whoami(sshd.uri(), {
        identity: locked,
        knownHosts,
        env: { HOME: dir, AILAB_SSH_PASSPHRASE: 'correct horse' },
      }),
    ).toBe('root');
    // On a terminal the CLI asks (askSecret), once per key file; a wrong answer is its own message.
    const questions: string[] = [];
    const askSecret = async (question: string) => {
      questions.push(question);
      return 'battery staple';
    };
    expect(await whoami(sshd.uri(), { identity: asked, knownHosts, askSecret })).toBe('root');
    expect(await whoami(sshd.uri(), { identity: asked, knownHosts, askSecret })).toBe('root');
    expect(questions).toEqual([`Passphrase for ${asked}:`]);
    const wrong = makeKey(dir, 'id_wrong_pass', 'something else');
    expect((await failure(whoami(sshd.uri(), { identity: wrong, knownHosts, askSecret }))).message).toBe(
      `wrong passphrase for the SSH key ${wrong}`,
    );
    const error = await failure(
      whoami(sshd.uri(), { identity: makeKey(dir, 'id_locked2', 'pw'), knownHosts }),
    );
    expect(error.message).toContain('is encrypted and there is no passphrase');
  });
});

describe('host keys', () => {
  it('refuses an unknown host with its SHA256 fingerprint and a hint', async () => {
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const error = await failure(whoami(sshd.uri(), { identity: key, knownHosts: empty }));
    expect(error.reason).toBe('host-key');
    expect(error.message).toContain(`the host key of [127.0.0.1]:${sshd.port} is not known`);
    expect(error.message).toContain(sshKeygenFingerprint(join(sshd.dir, 'host_ed25519.pub')));
    expect(error.hint).toContain('--accept-new-host-key');
  });

  it('records a new host with --accept-new-host-key, then knows it', async () => {
    const file = join(makeTempDir(), 'ssh', 'known_hosts');
    expect(await whoami(sshd.uri(), { identity: key, knownHosts: file, acceptNewHostKey: true })).toBe(
      'root',
    );
    const recorded = readFileSync(file, 'utf8');
    expect(recorded).toBe(`${sshd.knownHostsLine()}\n`);
    // OpenSSH agrees with what was recorded.
    expect(
      execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], { encoding: 'utf8' }),
    ).toContain('ssh-ed25519');
    expect(await whoami(sshd.uri(), { identity: key, knownHosts: file })).toBe('root');
  });

  it('matches hashed known_hosts entries', async () => {
    const hashed = join(dir, 'hashed_known_hosts');
    writeFileSync(hashed, `${sshd.knownHostsLine()}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    expect(await whoami(sshd.uri(), { identity: key, knownHosts: hashed })).toBe('root');
  });

  it('refuses a changed host key loudly, with both fingerprints, even with --accept-new-host-key', async () => {
    const stale = join(dir, 'stale_known_hosts');
    const oldKey = makeKey(dir, 'old_host_key');
    writeFileSync(stale, `[127.0.0.1]:${sshd.port} ${publicKey(oldKey).split(' ').slice(0, 2).join(' ')}\n`);
    const error = await failure(
      whoami(sshd.uri(), { identity: key, knownHosts: stale, acceptNewHostKey: true }),
    );
    expect(error.message).toContain('WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!');
    expect(error.message).toContain(
      `recorded: ED25519 ${sshKeygenFingerprint(`${oldKey}.pub`)} (${stale}:1)`,
    );
    expect(error.message).toContain(
      `offered:  ED25519 ${sshKeygenFingerprint(join(sshd.dir, 'host_ed25519.pub'))}`,
    );
    expect(error.hint).toContain('ssh-keygen -R');
    expect(readFileSync(stale, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('~/.ssh/config', () => {
  it('reaches a Host alias with its HostName, User, Port and IdentityFile', async () => {
    const home = makeTempDir('ailab-home-');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    copyFileSync(key, join(home, '.ssh', 'lab_key'));
    chmodSync(join(home, '.ssh', 'lab_key'), 0o600);
    writeFileSync(join(home, '.ssh', 'known_hosts'), `${sshd.knownHostsLine()}\n`);
    writeFileSync(
      join(home, '.ssh', 'config'),
      `Host gpu-box\n  HostName 127.0.0.1\n  User root\n  Port ${sshd.port}\n  IdentityFile ~/.ssh/lab_key\n`,
    );
    const target = await createSshTarget('ssh://gpu-box', {
      env: { HOME: home },
      configFiles: [join(home, '.ssh', 'config')],
    });
    try {
      expect((await target.exec('id -un')).stdout).toBe('root\n');
      expect(target.label).toBe(`root@gpu-box:${sshd.port}`);
    } finally {
      await target.close();
    }
  });

  it('goes through a ProxyJump bastion (a second sshd), and says so when the bastion will not forward', async () => {
    const home = makeTempDir('ailab-home-');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    const closed = await startSshd({ authorizedKeys: [publicKey(key)], config: ['DisableForwarding yes'] });
    writeFileSync(
      join(home, '.ssh', 'known_hosts'),
      `${sshd.knownHostsLine()}\n${bastion.knownHostsLine()}\n${closed.knownHostsLine()}\n`,
    );
    const config = join(home, '.ssh', 'config');
    writeFileSync(
      config,
      [
        'Host bastion',
        '  HostName 127.0.0.1',
        `  Port ${bastion.port}`,
        'Host closed-bastion',
        '  HostName 127.0.0.1',
        `  Port ${closed.port}`,
        'Host behind',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        '  ProxyJump bastion',
        'Host behind-closed',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        '  ProxyJump closed-bastion',
        'Host *',
        '  User root',
        '',
      ].join('\n'),
    );
    const options = { identity: key, env: { HOME: home }, configFiles: [config] };
    try {
      const target = await createSshTarget('ssh://behind', options);
      try {
        expect((await target.exec('id -un')).stdout).toBe('root\n');
      } finally {
        await target.close();
      }
      // The same host behind a bastion that refuses to forward: the connection really goes through it.
      const error = await failure(createSshTarget('ssh://behind-closed', options));
      expect(error.message).toContain(`jump host closed-bastion cannot reach 127.0.0.1:${sshd.port}`);
    } finally {
      await closed.stop();
    }
  });
});

describe('failures, each with its own message', () => {
  it('refused', async () => {
    const port = await freePort();
    const error = await failure(whoami(`ssh://root@127.0.0.1:${port}`, { identity: key, knownHosts }));
    expect(error.reason).toBe('refused');
    expect(error.message).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(error.hint).toContain('is sshd running there');
  });

  it('DNS', async () => {
    const error = await failure(whoami('ssh://root@no-such-host.invalid', { identity: key, knownHosts }));
    expect(error.reason).toBe('dns');
    expect(error.message).toContain('cannot resolve the host name "no-such-host.invalid"');
  });

  it('unreachable (no SSH answer in time)', async () => {
    // A TCP listener that never speaks SSH: the handshake times out.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await failure(
        whoami(`ssh://root@127.0.0.1:${port}`, { identity: key, knownHosts, readyTimeoutMs: 300 }),
      );
      expect(error.reason).toBe('unreachable');
      expect(error.message).toBe(`127.0.0.1:${port} is unreachable (no SSH answer in time)`);
    } finally {
      silent.close();
    }
  });
});
