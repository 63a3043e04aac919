import { afterAll, describe, expect, it } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../test/helpers/check-context.js';
import { check, tailOutput } from './command.js';

afterAll(removeCheckContexts);

const runCommand = (options: unknown) => check.run(makeCheckContext(), check.schema.parse(options));

describe('command check', () => {
  it('passes on exit code 0 by default', async () => {
    const outcome = await runCommand({ run: 'true' });
    expect(outcome).toMatchObject({ status: 'pass', message: 'exit code 0' });
  });

  it('fails on another exit code, with the reason first and the output tail in details', async () => {
    const outcome = await runCommand({ run: 'echo working; echo oops >&2; exit 3' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('exit code 3, expected 0');
    expect(outcome.observed).toBe('exit code: 3');
    expect(outcome.details).toBe('stdout:\nworking\nstderr:\noops');
  });

  it('exit_code takes any value matcher', async () => {
    expect((await runCommand({ run: 'exit 2', exit_code: '!= 0' })).status).toBe('pass');
    expect((await runCommand({ run: 'exit 2', exit_code: [0, 1] })).message).toBe(
      'exit code 2, expected one of 0, 1',
    );
  });

  it('runs in the context folder', async () => {
    const ctx = makeCheckContext();
    const outcome = await check.run(ctx, check.schema.parse({ run: 'pwd', stdout: { equals: ctx.cwd } }));
    expect(outcome.status).toBe('pass');
  });

  it('stdout and stderr matchers', async () => {
    const run = 'echo "Server Ready"; echo "warning: slow" >&2';
    expect((await runCommand({ run, stdout: 'Ready', stderr: { contains: 'warning' } })).status).toBe('pass');
    const outcome = await runCommand({ run, stdout: 'Started', stderr: { empty: true } });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('stdout does not contain "Started" (and 1 more)');
    expect(outcome.observed).toContain('stdout contains "Started": "Server Ready\\n"');
  });

  it('output matches stdout and stderr together', async () => {
    const run = 'echo one; echo two >&2';
    expect((await runCommand({ run, output: ['one', 'two'] })).status).toBe('pass');
    expect((await runCommand({ run, output: { not_contains: 'two' } })).message).toBe(
      'output contains "two"',
    );
  });

  it('json matches stdout parsed as JSON', async () => {
    const run = `echo '{"status": {"readyReplicas": 4}, "items": [1, 2]}'`;
    const pass = await runCommand({ run, json: { 'status.readyReplicas': '>= 4', '$.items.length': 2 } });
    expect(pass.status).toBe('pass');
    const fail = await runCommand({ run, json: { 'status.readyReplicas': 5 } });
    expect(fail.message).toBe('stdout $.status.readyReplicas 4, expected 5');
  });

  it('json fails when stdout is not JSON', async () => {
    const outcome = await runCommand({ run: 'echo not json', json: { a: 1 } });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^stdout is not JSON \(/);
  });

  it('captures compare named groups as numbers and return them as facts', async () => {
    const run = 'echo "speedup: 2.7x"; echo "loss 0.031" >&2';
    const options = {
      run,
      stdout: { matches: 'speedup: (?<speedup>[\\d.]+)x' },
      stderr: { matches: 'loss (?<loss>[\\d.]+)' },
      captures: { speedup: '>= 2', loss: { lt: 0.05 } },
    };
    const pass = await runCommand(options);
    expect(pass.status).toBe('pass');
    expect(pass.facts).toEqual({ speedup: 2.7, loss: 0.031 });
    const fail = await runCommand({ ...options, captures: { speedup: '>= 3' } });
    expect(fail.message).toBe('speedup 2.7, expected >= 3');
    expect(fail.facts).toEqual({ speedup: 2.7, loss: 0.031 });
  });

  it('a capture that never matched fails', async () => {
    const outcome = await runCommand({
      run: 'echo nothing here',
      output: { matches: 'speedup: (?<speedup>\\d+)' },
      captures: { speedup: '>= 2' },
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('does not match');
    expect(outcome.assertions?.at(-1)).toMatchObject({ name: 'speedup', ok: false, actual: 'not captured' });
  });

  it('a timed-out command is an error', async () => {
    const ctx = makeCheckContext();
    const sh: typeof ctx.sh = (command, options) => ctx.target.exec(command, { ...options, timeoutMs: 100 });
    const outcome = await check.run({ ...ctx, sh }, check.schema.parse({ run: 'sleep 5' }));
    expect(outcome.status).toBe('error');
    expect(outcome.message).toMatch(/^timed out after \d+ms: sleep 5$/);
  });

  it('a killed command reports the signal', async () => {
    const outcome = await runCommand({ run: 'kill -TERM $$' });
    expect(outcome.message).toBe('exit code killed by SIGTERM, expected 0');
  });
});

describe('tailOutput', () => {
  it('keeps the last lines of each stream', () => {
    const stdout = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const tail = tailOutput({ stdout, stderr: '', truncated: false } as never, 3);
    expect(tail).toBe('stdout, last 3 of 30 lines:\nline 28\nline 29\nline 30');
    expect(tailOutput({ stdout: '', stderr: '', truncated: false } as never)).toBeUndefined();
  });
});
