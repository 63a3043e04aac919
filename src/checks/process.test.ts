import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../test/helpers/check-context.js';
import { check, isNamed, parseProcessList } from './process.js';

const children: ChildProcess[] = [];
// A unique argv, so the pattern finds only our sleepers.
const seconds = `1234.${process.pid}`;
const pattern = `^sleep ${seconds.replace('.', '\\.')}$`;
const longName = 'ailab-long-name-sleeper';

const start = (command: string, args: string[]) => {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
};

beforeAll(async () => {
  const ctx = makeCheckContext();
  const sleeper = join(ctx.workDir, longName);
  await copyFile((await ctx.sh('command -v sleep')).stdout.trim(), sleeper);
  await ctx.sh(`chmod +x ${sleeper}`);
  await start('sleep', [seconds]);
  await start('sleep', [seconds]);
  await start(sleeper, ['60']);
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  removeCheckContexts();
});

const runProcess = (options: unknown) => check.run(makeCheckContext(), check.schema.parse(options));

describe('process check', () => {
  it('finds a process by pattern on its command line', async () => {
    const outcome = await runProcess({ pattern });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe(`process /${pattern}/ running`);
    expect(outcome.observed).toMatch(new RegExp(`2 running: \\d+ sleep ${seconds}; \\d+ sleep ${seconds}`));
  });

  it('fails when nothing matches', async () => {
    const outcome = await runProcess({ pattern: '^sleep 999999\\.1$' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('process /^sleep 999999\\.1$/ not running, expected running');
    expect(outcome.observed).toBe('process /^sleep 999999\\.1$/: none running');
  });

  it('running: false', async () => {
    expect((await runProcess({ name: 'no-such-daemon', running: false })).status).toBe('pass');
    const outcome = await runProcess({ pattern, running: false });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(`process /${pattern}/ running, expected not running`);
  });

  it('finds a process by name, also one Linux cut to 15 characters', async () => {
    expect((await runProcess({ name: 'sleep' })).status).toBe('pass');
    expect((await runProcess({ name: longName })).status).toBe('pass');
    expect((await runProcess({ name: 'sle' })).status).toBe('fail');
  });

  it('count', async () => {
    expect((await runProcess({ pattern, count: 2 })).status).toBe('pass');
    const outcome = await runProcess({ pattern, count: '>= 3' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(`process /${pattern}/ count 2, expected >= 3`);
    expect((await runProcess({ pattern: '^nothing-like-this$', count: 0 })).status).toBe('pass');
  });

  it("does not count the probe's own shell or ps", async () => {
    const outcome = await runProcess({ pattern: 'ps -eo pid=|echo "\\$\\$', running: false });
    expect(outcome.status).toBe('pass');
  });

  it('needs exactly one of name and pattern', async () => {
    const neither = await runProcess({});
    expect(neither).toMatchObject({ status: 'error', message: 'give exactly one of name or pattern' });
    expect((await runProcess({ name: 'a', pattern: 'b' })).status).toBe('error');
  });
});

describe('parseProcessList', () => {
  const listing = [
    '500 500',
    '    1     0 systemd',
    '  500    10 bash',
    '  501   500 ps',
    '  502     1 Web Content',
    '  503     1 python3',
    '---',
    '    1 /sbin/init',
    '  502 /usr/lib/firefox -contentproc',
    '  503 python3 -m http.server 8000',
    '',
  ].join('\n');

  it('parses comm with spaces, joins args by pid, drops the probe', () => {
    expect(parseProcessList(listing)).toEqual([
      { pid: 1, ppid: 0, comm: 'systemd', args: '/sbin/init' },
      { pid: 502, ppid: 1, comm: 'Web Content', args: '/usr/lib/firefox -contentproc' },
      { pid: 503, ppid: 1, comm: 'python3', args: 'python3 -m http.server 8000' },
    ]);
  });

  it('isNamed: exact, basename (BSD ps) and cut at 15', () => {
    const row = (comm: string) => ({ pid: 1, ppid: 0, comm, args: comm });
    expect(isNamed(row('nginx'), 'nginx')).toBe(true);
    expect(isNamed(row('/usr/sbin/sshd'), 'sshd')).toBe(true);
    expect(isNamed(row('ailab-long-nam'), 'ailab-long-name-x')).toBe(false);
    expect(isNamed(row('ailab-long-name'), 'ailab-long-name-x')).toBe(true);
    expect(isNamed(row('nginx'), 'ngin')).toBe(false);
  });
});
