import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../test/helpers/check-context.js';
import { check, formatMode, parseMode } from './file.js';
import type { CheckContext } from './types.js';

let ctx: CheckContext;

beforeAll(async () => {
  ctx = makeCheckContext();
  await writeFile(join(ctx.cwd, 'key.pem'), 'secret\n');
  await chmod(join(ctx.cwd, 'key.pem'), 0o400);
  await writeFile(join(ctx.cwd, 'open.txt'), 'hello\nworld ✓\nversion: 12.4\n');
  await chmod(join(ctx.cwd, 'open.txt'), 0o644);
  await writeFile(join(ctx.cwd, 'config.json'), JSON.stringify({ model: { replicas: 2, name: 'resnet' } }));
  await writeFile(join(ctx.cwd, 'deploy.yaml'), 'spec:\n  replicas: 3\n  image: "app:v1"\n');
  await writeFile(join(ctx.cwd, 'broken.json'), '{"a": ');
  await mkdir(join(ctx.cwd, 'models'));
});

afterAll(removeCheckContexts);

const runFile = (options: unknown) => check.run(ctx, check.schema.parse(options));

describe('file check', () => {
  it('exists by default, relative to the current folder', async () => {
    const outcome = await runFile({ path: 'open.txt' });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe(`${join(ctx.cwd, 'open.txt')} exists (file)`);
  });

  it('fails when missing', async () => {
    const outcome = await runFile({ path: 'missing.txt', type: 'file' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(`${join(ctx.cwd, 'missing.txt')} does not exist, expected it to exist`);
    expect(outcome.observed).toContain('does not exist');
  });

  it('exists: false', async () => {
    expect((await runFile({ path: 'missing.txt', exists: false })).status).toBe('pass');
    const outcome = await runFile({ path: 'open.txt', exists: false });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/open\.txt exists \(file\), expected it not to exist$/);
  });

  it('absolute paths and ~ (the target home)', async () => {
    expect((await runFile({ path: join(ctx.cwd, 'open.txt') })).status).toBe('pass');
    const outcome = await runFile({ path: '~', type: 'directory' });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toContain(homedir());
  });

  it('type', async () => {
    expect((await runFile({ path: 'models', type: 'directory' })).status).toBe('pass');
    const outcome = await runFile({ path: 'models', type: 'file' });
    expect(outcome.message).toMatch(/models is a directory, expected a file$/);
    expect(outcome.observed).toContain('type: directory');
  });

  it('mode, exact, from a string or a YAML number', async () => {
    expect((await runFile({ path: 'key.pem', mode: '0400' })).status).toBe('pass');
    expect((await runFile({ path: 'key.pem', mode: '400' })).status).toBe('pass');
    expect((await runFile({ path: 'key.pem', mode: 400 })).status).toBe('pass');
    const outcome = await runFile({ path: 'open.txt', mode: '0600' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('mode 0644, expected 0600');
    expect(outcome.observed).toBe('mode: 0644');
  });

  it('mode_max allows no bits beyond it', async () => {
    expect((await runFile({ path: 'key.pem', mode_max: '0600' })).status).toBe('pass');
    const outcome = await runFile({ path: 'open.txt', mode_max: '0600' });
    expect(outcome.message).toBe('mode 0644 has bits 0044 beyond 0600');
  });

  it('a mode that is not octal is an error', async () => {
    const outcome = await runFile({ path: 'open.txt', mode: 384 });
    expect(outcome).toMatchObject({
      status: 'error',
      message: 'mode 384 is not an octal mode such as "0600"',
    });
    expect(check.schema.safeParse({ path: 'x', mode: '0800' }).success).toBe(false);
  });

  it('size', async () => {
    expect((await runFile({ path: 'key.pem', size: 7 })).status).toBe('pass');
    expect((await runFile({ path: 'key.pem', size: '> 100' })).message).toBe('size 7, expected > 100');
  });

  it('content, with unicode and captures as facts', async () => {
    const pass = await runFile({
      path: 'open.txt',
      content: { contains: 'world ✓', matches: 'version: (?<v>[\\d.]+)' },
    });
    expect(pass.status).toBe('pass');
    expect(pass.facts).toEqual({ v: 12.4 });
    const fail = await runFile({ path: 'open.txt', content: 'goodbye' });
    expect(fail.message).toBe('content does not contain "goodbye"');
    expect(fail.observed).toContain('"hello\\nworld ✓');
  });

  it('content of a directory fails', async () => {
    const outcome = await runFile({ path: 'models', content: 'x' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/models is a directory, so it has no content to check$/);
  });

  it('parses json and yaml', async () => {
    expect((await runFile({ path: 'config.json', parses: 'json' })).status).toBe('pass');
    expect((await runFile({ path: 'deploy.yaml', parses: 'yaml' })).status).toBe('pass');
    const outcome = await runFile({ path: 'broken.json', parses: 'json' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^content is not JSON \(/);
  });

  it('json on JSON content, and on YAML by extension', async () => {
    expect(
      (await runFile({ path: 'config.json', json: { 'model.replicas': 2, '$.model.name': 'resnet' } }))
        .status,
    ).toBe('pass');
    expect((await runFile({ path: 'deploy.yaml', json: { 'spec.replicas': '>= 3' } })).status).toBe('pass');
    const outcome = await runFile({
      path: 'deploy.yaml',
      json: { 'spec.image': 'app:v2', 'spec.gpu': { exists: true } },
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('content $.spec.image app:v1, expected app:v2 (and 1 more)');
    expect(outcome.observed).toContain('nothing at $.spec.gpu');
  });

  it('json on unparsable content fails', async () => {
    const outcome = await runFile({ path: 'broken.json', json: { a: 1 } });
    expect(outcome.message).toMatch(/^content is not JSON/);
  });

  it('several failing options each count', async () => {
    const outcome = await runFile({ path: 'open.txt', mode: '0600', size: 0, content: 'nope' });
    expect(outcome.assertions?.map((a) => a.ok)).toEqual([true, false, false, false]);
  });
});

describe('parseMode and formatMode', () => {
  it.each([
    ['0400', 0o400],
    ['400', 0o400],
    [600, 0o600],
    ['4755', 0o4755],
    ['0800', undefined],
    [384, undefined],
  ])('%j → %j', (mode, bits) => {
    expect(parseMode(mode)).toBe(bits);
  });

  it('formats four digits', () => {
    expect(formatMode(0o44)).toBe('0044');
    expect(formatMode(0o4755)).toBe('4755');
  });
});
