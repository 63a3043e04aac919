import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { normalizeLab } from '../spec/normalize.js';
import { parseLabText } from '../spec/parse.js';
import type { Lab } from '../spec/types.js';
import { parseEnvFile, parseSets, type ResolveOptions, resolveValues } from './values.js';

const dir = mkdtempSync(join(tmpdir(), 'ailab-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(body: string): Lab {
  const parsed = parseLabText(`id: lab\ntitle: A lab\n${body}`, 'lab.yaml');
  expect(parsed.problems).toEqual([]);
  return normalizeLab(parsed.lab!, '/labs/lab.yaml', '/labs/templates');
}

function varsFile(text: string): string {
  const file = join(dir, `env-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

/** The UsageError a promise rejects with (the test fails on success or another error). */
async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const course = lab(`vars:
  port: 8080
  model: { default: gpt2, description: The model to serve }
  region: { description: Optional region }
choices:
  cloud:
    prompt: Which cloud?
    options: [{ value: aws, label: Path A (AWS) }, gcp]
`);

const resolve = (target: Lab, options: Partial<ResolveOptions> = {}) =>
  resolveValues(target, { sets: [], ...options });

describe('resolveValues: where values come from', () => {
  it('takes defaults, and the first option of a choice', async () => {
    expect(await resolve(course)).toEqual({
      values: { port: '8080', model: 'gpt2', cloud: 'aws' },
      secrets: [],
    });
  });

  it('takes a vars file over defaults, ignoring names the lab does not have', async () => {
    const file = varsFile('# shared .env\nport=9000\nexport cloud=gcp\nregion="eu-west-1"\nOTHER_TOOL=1\n');
    const { values } = await resolve(course, { varsFile: file });
    expect(values).toEqual({ port: '9000', model: 'gpt2', region: 'eu-west-1', cloud: 'gcp' });
  });

  it('takes --set over the env file and defaults', async () => {
    const file = varsFile('port=9000\nmodel=bert\n');
    const { values } = await resolve(course, { varsFile: file, sets: ['port=7000', 'cloud=gcp'] });
    expect(values).toEqual({ port: '7000', model: 'bert', cloud: 'gcp' });
  });

  it('keeps = signs and spaces after the first = of --set', async () => {
    const { values } = await resolve(course, { sets: ['model=a=b c'] });
    expect(values.model).toBe('a=b c');
  });

  it('asks for a choice on a terminal, offering its default, unless it was given', async () => {
    const asked: unknown[] = [];
    const ask: ResolveOptions['ask'] = async (question, options, fallback) => {
      asked.push({ question, options, fallback });
      return 'gcp';
    };
    expect((await resolve(course, { ask })).values.cloud).toBe('gcp');
    expect(asked).toEqual([
      {
        question: 'Which cloud?',
        options: [
          { value: 'aws', label: 'Path A (AWS)' },
          { value: 'gcp', label: 'gcp' },
        ],
        fallback: 'aws',
      },
    ]);
    asked.length = 0;
    expect((await resolve(course, { ask, sets: ['cloud=aws'] })).values.cloud).toBe('aws');
    expect(asked).toEqual([]);
  });
});

describe('resolveValues: refusals', () => {
  it('refuses an unknown --set key, naming the known ones', async () => {
    const error = await usageError(resolve(course, { sets: ['prot=1'] }));
    expect(error.message).toBe('--set prot: lab lab has no var or choice "prot"');
    expect(error.hint).toBe('known: port, model, region, cloud');
    expect(error.exitCode).toBe(2);
    const bare = await usageError(resolve(lab(''), { sets: ['x=1'] }));
    expect(bare.hint).toBe('this lab has no vars');
  });

  it.each(['port', '=8080', ''])('refuses --set %j without key=value', async (set) => {
    const error = await usageError(resolve(course, { sets: [set] }));
    expect(error.message).toBe(`--set ${set}: expected key=value`);
  });

  it('refuses a choice that is not among the options, from --set or a vars file', async () => {
    const error = await usageError(resolve(course, { sets: ['cloud=azure'] }));
    expect(error.message).toBe('--set cloud=azure: choose one of aws, gcp');
    const fromFile = await usageError(resolve(course, { varsFile: varsFile('cloud=azure\n') }));
    expect(fromFile.message).toContain('choose one of aws, gcp');
  });

  it('refuses a missing env file and a line that is not KEY=VALUE', async () => {
    const missing = await usageError(resolve(course, { varsFile: join(dir, 'nope.env') }));
    expect(missing.message).toBe(`vars file not found: ${join(dir, 'nope.env')} (--vars-file)`);
    const file = varsFile('port=1\n\nthis is not an assignment\n');
    const bad = await usageError(resolve(course, { varsFile: file }));
    expect(bad.message).toBe(`${file}:3:1: expected KEY=VALUE (--vars-file)`);
  });

  it('wants a value for a required var', async () => {
    const target = lab('vars:\n  api_key: { required: true, description: Your API key }\n');
    const error = await usageError(resolve(target));
    expect(error.message).toBe('var "api_key" needs a value: --set api_key=... or a --vars-file');
    expect(error.hint).toBe('Your API key');
    expect((await resolve(target, { sets: ['api_key=k'] })).values.api_key).toBe('k');
  });

  it('checks a value against the var pattern, wherever it came from', async () => {
    const target = lab("vars:\n  port: { default: 8080, pattern: '^[0-9]+$' }\n");
    expect((await resolve(target)).values.port).toBe('8080');
    const error = await usageError(resolve(target, { sets: ['port=80a'] }));
    expect(error.message).toBe('var "port": "80a" does not match ^[0-9]+$');
    await usageError(resolve(target, { varsFile: varsFile('port=http\n') }));
  });
});

describe('resolveValues: secrets', () => {
  const target = lab("vars:\n  token: { secret: true, required: true, pattern: '^tk-' }\n  user: alice\n");

  it('collects secret values for redaction, from --set or a vars file', async () => {
    expect(await resolve(target, { sets: ['token=tk-123'] })).toEqual({
      values: { token: 'tk-123', user: 'alice' },
      secrets: ['tk-123'],
    });
    expect((await resolve(target, { varsFile: varsFile('token=tk-456\n') })).secrets).toEqual(['tk-456']);
  });

  it('asks for a missing required secret on a terminal', async () => {
    const prompts: string[] = [];
    const askSecret = async (question: string) => {
      prompts.push(question);
      return 'tk-typed';
    };
    const result = await resolve(target, { askSecret });
    expect(prompts).toEqual(['token']);
    expect(result.secrets).toEqual(['tk-typed']);
  });

  it('never prints a secret that fails its pattern', async () => {
    const error = await usageError(resolve(target, { sets: ['token=hunter2'] }));
    expect(error.message).toBe('var "token": the value does not match ^tk-');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines with comments, export, quotes and CRLF', () => {
    const text =
      '# comment\r\n\r\nA=1\r\nexport B = two words \r\nC=\'single\'\nD="double"\nE=\nF="mixed\'\n';
    expect(parseEnvFile(text, '.env')).toEqual({
      A: '1',
      B: 'two words',
      C: 'single',
      D: 'double',
      E: '',
      F: `"mixed'`,
    });
  });

  it('names the file and line of a bad line', () => {
    expect(() => parseEnvFile('A=1\n1BAD=2\n', 'my.env')).toThrow(
      'my.env:2:1: expected KEY=VALUE (--vars-file)',
    );
  });
});

describe('parseSets', () => {
  it('splits at the first =, the last --set of a key winning', () => {
    expect(parseSets(['a=1', 'b==', 'a=2'])).toEqual({ a: '2', b: '=' });
  });
});
