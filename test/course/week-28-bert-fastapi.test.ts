// Week 28 (Deploy a BERT Model with FastAPI), run through the `ailab` CLI on this CPU machine with Debian's
// python3-torch, fastapi, uvicorn and pydantic under /usr/bin/python3, install=none (PyPI cannot be reached).
// What is real: the lab's model.py and server.py (uvicorn on a free port), latency.py, and every check of the
// lab run against them. What is a stand-in: the model. transformers is not in Debian and the Hugging Face Hub
// cannot be reached, so model=tiny trains tiny_bert.py (a lab template: a one-layer transformer built in torch
// with the tokenizer/model API model.py calls, trained in seconds on a sentiment lexicon) in place of DistilBERT.
// The course's own model.py and server.py (test/course/fixtures-w28, verbatim) are served too, with only their
// `from transformers import` line pointed at the stand-in: with a checkpoint that orders its classes
// POSITIVE, NEGATIVE its hard-coded labels call a happy sentence negative (the fixed model.py, reading
// config.id2label, does not), and it has no /batch/; `ailab verify` grades both down. With nothing served,
// verify fails and says "connection refused".
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { ensureBuilt, REPO_ROOT, runCli } from '../helpers/cli.js';
import { freePort, isPortOpen } from '../helpers/net.js';
import {
  verifyResult as check,
  failureLines as failures,
  stepResult as step,
} from '../helpers/run-result.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const PYTHON = '/usr/bin/python3';
const LAB = join(REPO_ROOT, 'labs', 'week-28.yaml');
const PROJECT = 'bert-fastapi-lab';
const FIXTURES = join(import.meta.dirname, 'fixtures-w28');
const OFFLINE = ['--set', 'install=none', '--set', 'model=tiny', '--set', `python=${PYTHON}`];

interface Graded {
  code: number | null;
  result: RunResult;
}

async function ailab(args: string[]): Promise<Graded> {
  const run = await runCli([...args, '--yes', '--json'], { timeoutMs: 60_000 });
  try {
    return { code: run.code, result: JSON.parse(run.stdout) as RunResult };
  } catch {
    throw new Error(`ailab ${args.join(' ')} printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100 && !(await isPortOpen(port)); i++) await new Promise((r) => setTimeout(r, 200));
  expect(await isPortOpen(port)).toBe(true);
}

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-28 on a CPU machine: the fixed service under uvicorn, with the tiny stand-in model', () => {
  let port: number;
  let work: string;
  let run: Graded;

  beforeAll(async () => {
    port = await freePort();
    work = makeTempDir('ailab-w28-');
    run = await ailab(['run', LAB, '--workdir', work, ...OFFLINE, '--set', `port=${port}`]);
  }, 60_000);

  it('runs every local step and passes every graded check (100%)', () => {
    expect(run.result.status, failures(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of [
      'project',
      'check-deps',
      'stand-in',
      'load-model',
      'serve',
      'classify',
      'batch',
      'latency',
    ])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['install', 'build-image', 'run-container'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['image', 'container']) expect(check(run.result, id).status, id).toBe('skip');
    expect(run.result.score).toMatchObject({ earned: 13, possible: 13, passed: true });
  });

  it('trained the stand-in, and the course steps printed real answers from the lab code', () => {
    expect(step(run.result, 'stand-in').outputTail).toMatch(
      /Stand-in model saved to tiny-sst2: .*accuracy 1\.000/,
    );
    const config = JSON.parse(readFileSync(join(work, PROJECT, 'tiny-sst2', 'tiny_bert.json'), 'utf8'));
    expect(config.id2label).toEqual({ '0': 'NEGATIVE', '1': 'POSITIVE' });
    // Step 1 in Python, step 4 with the course's curl, step 5 the batch.
    const positive = (text: string) => Number(/'?"?positive'?"?: ([0-9.e-]+)/.exec(text)?.[1]);
    expect(positive(step(run.result, 'load-model').outputTail ?? '')).toBeGreaterThan(0.9);
    const answer = JSON.parse(step(run.result, 'classify').outputTail ?? '{}');
    expect(answer.input).toBe('I really enjoyed this movie');
    expect(Object.keys(answer.prediction).sort()).toEqual(['negative', 'positive']);
    const batch = JSON.parse(step(run.result, 'batch').outputTail ?? '{}');
    expect(batch.predictions).toHaveLength(2);
    expect(batch.predictions[1].negative).toBeGreaterThan(0.5);
    expect(step(run.result, 'latency').outputTail).toMatch(/20 requests: p50=[0-9.]+ ms p95=[0-9.]+ ms p99=/);
  });

  it('stopped uvicorn at cleanup: the port is closed again', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-serve', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });

  describe("the course's model.py and server.py", () => {
    let uvicorn: ChildProcess | undefined;
    afterAll(() => {
      uvicorn?.kill('SIGTERM');
    });

    it('verify grades them down: swapped labels fail the required check, and there is no /batch/', async () => {
      const project = join(makeTempDir('ailab-w28-course-'), PROJECT);
      cpSync(join(work, PROJECT), project, { recursive: true });
      const coursePort = await freePort();
      const args = [
        'verify',
        LAB,
        '--workdir',
        project,
        '--set',
        `port=${coursePort}`,
        '--set',
        `python=${PYTHON}`,
      ];

      // Nothing served yet: the checks say connection refused, the required check fails the lab.
      const nothing = await ailab(args);
      expect(nothing.code).toBe(1);
      expect(check(nothing.result, 'health').message).toMatch(/refused/i);
      expect(check(nothing.result, 'classify').status).toBe('fail');
      expect(nothing.result.score?.passed).toBe(false);

      // A checkpoint whose classes are in the other order (id2label 0 POSITIVE, 1 NEGATIVE).
      execFileSync(PYTHON, ['tiny_bert.py', 'tiny-swapped', 'POSITIVE,NEGATIVE'], { cwd: project });
      const env = { ...process.env, BERT_MODEL: join(project, 'tiny-swapped') };
      const fixed = execFileSync(
        PYTHON,
        [
          '-c',
          'import json; from model import predict, labels; print(json.dumps([labels, predict("I really enjoyed this movie")]))',
        ],
        { cwd: project, env, encoding: 'utf8' },
      );
      const [fixedLabels, fixedAnswer] = JSON.parse(fixed);
      expect(fixedLabels).toEqual(['positive', 'negative']);
      expect(fixedAnswer.positive).toBeGreaterThan(0.9);

      // The course's files, verbatim but for the import of the stand-in and the checkpoint's folder.
      const courseModel = readFileSync(join(FIXTURES, 'course_model.py'), 'utf8')
        .replace('from transformers import', 'from tiny_bert import')
        .replace(
          '"distilbert-base-uncased-finetuned-sst-2-english"',
          JSON.stringify(join(project, 'tiny-swapped')),
        );
      expect(courseModel).toContain('labels = ["negative", "positive"]');
      writeFileSync(join(project, 'model.py'), courseModel);
      cpSync(join(FIXTURES, 'course_server.py'), join(project, 'server.py'));
      uvicorn = spawn(
        PYTHON,
        ['-m', 'uvicorn', 'server:app', '--host', '127.0.0.1', '--port', String(coursePort)],
        {
          cwd: project,
          stdio: 'ignore',
        },
      );
      await waitForPort(coursePort);

      const graded = await ailab(args);
      expect(graded.code).toBe(1);
      const classify = check(graded.result, 'classify');
      expect(classify.status).toBe('fail');
      expect(JSON.stringify(classify)).toMatch(/prediction\.positive/);
      expect(classify.hint).toMatch(/id2label/);
      expect(check(graded.result, 'negative').status).toBe('fail');
      expect(check(graded.result, 'batch').message).toMatch(/404/);
      expect(check(graded.result, 'health').status).toBe('fail');
      for (const id of ['docs', 'openapi', 'probabilities', 'validation', 'latency'])
        expect(check(graded.result, id).status, id).toBe('pass');
      expect(graded.result.score?.passed).toBe(false);
    }, 60_000);
  });
});
