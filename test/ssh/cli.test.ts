// The real CLI over SSH: week-00 end to end on a loopback sshd, a class of 16 hosts with two down graded
// in one command, and connection failures as one clear message with exit code 3.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import type { FleetSummary } from '../../src/report/fleet.js';
import { ensureBuilt, runCli, STACK_FRAME } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const LABS = join(import.meta.dirname, 'labs');
let sshd: Sshd;
let fleet: Sshd;
let dir: string;
let key: string;
/** 127.0.0.11 … 127.0.0.24 answer on fleet.port; .25 and .26 are down (nothing listens). */
const UP = Array.from({ length: 14 }, (_, i) => `127.0.0.${11 + i}`);
const DOWN = ['127.0.0.25', '127.0.0.26'];

beforeAll(async () => {
  dir = makeTempDir('ailab-ssh-cli-');
  key = makeKey(dir, 'id_test');
  [sshd, fleet] = await Promise.all([
    startSshd({ authorizedKeys: [publicKey(key)] }),
    startSshd({ authorizedKeys: [publicKey(key)], addresses: UP }),
    ensureBuilt(),
  ]);
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), fleet?.stop()]);
  removeTempDirs();
});

// The CLI must not read the user's ~/.ssh: HOME is a fresh folder.
const env = () => ({ HOME: makeTempDir('ailab-home-'), SSH_AUTH_SOCK: undefined });

describe('one host', () => {
  it('runs week-00 end to end over SSH, trusting the new host key and recording it', async () => {
    const knownHosts = join(dir, 'week00_known_hosts');
    const port = await freePort();
    const r = await runCli(
      [
        'run',
        'week-00',
        '--target',
        `ssh://root@127.0.0.1:${sshd.port}`,
        '--identity',
        key,
        '--accept-new-host-key',
        '--known-hosts',
        knownHosts,
        '--set',
        `port=${port}`,
        '--json',
      ],
      { env: env(), timeoutMs: 60_000 },
    );
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.target).toMatchObject({ uri: `ssh://root@127.0.0.1:${sshd.port}`, kind: 'ssh' });
    expect(result.steps.filter((s) => s.status === 'fail' || s.status === 'error')).toEqual([]);
    const probe = result.verify.find((c) => c.id === 'server-port')!;
    expect(probe).toMatchObject({ status: 'pass' });
    expect(probe.message).toContain(`via through SSH to root@127.0.0.1:${sshd.port}`);
    expect(result.verify.find((c) => c.id === 'server-health')?.message).toContain('via through SSH');
    expect(result.cleanup.every((c) => c.status === 'pass')).toBe(true);
    expect(r.code).toBe(result.status === 'passed' ? 0 : 1);
    expect(readFileSync(knownHosts, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('reports an unreachable host in one line, exit 3, no stack trace', async () => {
    const port = await freePort();
    const r = await runCli(
      ['verify', join(LABS, 'fleet.yaml'), '--target', `ssh://root@127.0.0.1:${port}`, '--identity', key],
      { env: env() },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`ailab: connection refused by 127.0.0.1:${port}`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('a class of 16 hosts, two of them down', () => {
  it('grades every host it can reach and reports exactly the two down as unreachable (--json)', async () => {
    const inventory = join(dir, 'class.yaml');
    const hosts = [...UP, ...DOWN].map((address, i) => ({
      name: `student-${String(i + 1).padStart(2, '0')}`,
      target: `ssh://root@${address}:${fleet.port}`,
      labels: { section: i % 2 ? 'B' : 'A' },
    }));
    writeFileSync(inventory, JSON.stringify({ identity: key, hosts }));
    const r = await runCli(
      [
        'verify',
        join(LABS, 'fleet.yaml'),
        '--hosts',
        inventory,
        '--known-hosts',
        join(dir, 'fleet_known_hosts'),
        '--accept-new-host-key',
        '--json',
      ],
      { env: env(), timeoutMs: 60_000 },
    );
    const report = JSON.parse(r.stdout) as { summary: FleetSummary; hosts: RunResult[] };
    expect(report.summary).toMatchObject({ total: 16, passed: 14, failed: 0, unreachable: 2 });
    const down = report.summary.hosts.filter((h) => h.status === 'unreachable').map((h) => h.name);
    expect(down).toEqual(['student-15', 'student-16']);
    for (const h of report.hosts.filter(
      (x) => x.target.name === 'student-15' || x.target.name === 'student-16',
    )) {
      expect(h.status).toBe('error');
      expect(h.message).toMatch(/^unreachable: connection refused by 127\.0\.0\.2[56]:\d+$/);
    }
    expect(report.hosts.filter((h) => h.status === 'passed')).toHaveLength(14);
    expect(new Set(report.hosts.map((h) => h.target.uri)).size).toBe(16);
    expect(r.code).toBe(3);
  });

  it('takes user@host:port lines and prints the summary table', async () => {
    const lines = join(dir, 'hosts.txt');
    writeFileSync(
      lines,
      `# the class\n${[...UP.slice(0, 3), DOWN[0]].map((a) => `root@${a}:${fleet.port}`).join('\n')}\n`,
    );
    const knownHosts = join(dir, 'lines_known_hosts');
    writeFileSync(
      knownHosts,
      UP.slice(0, 3)
        .map((a) => fleet.knownHostsLine(a))
        .join('\n'),
    );
    const r = await runCli(
      [
        'run',
        join(LABS, 'fleet.yaml'),
        '--hosts',
        lines,
        '--identity',
        key,
        '--known-hosts',
        knownHosts,
        '--concurrency',
        '2',
      ],
      { env: env(), timeoutMs: 60_000 },
    );
    expect(r.stdout).toMatch(/HOST\s+STATUS\s+SCORE\s+FAILURES/);
    expect(r.stdout).toMatch(new RegExp(`root@127\\.0\\.0\\.11:${fleet.port}\\s+passed\\s+3/3 \\(100%\\)`));
    expect(r.stdout).toMatch(/root@127\.0\.0\.25:\d+\s+unreachable\s+-\s+unreachable: connection refused/);
    expect(r.stdout).toContain('4 hosts: 3 passed, 0 failed, 1 unreachable');
    expect(r.code).toBe(3);
  });
});
