// Week 25 (Deploy a Simple RAG Pipeline), run through the real `ailab` CLI on this CPU machine with no
// network and no LLM.
//
// Real: the lab's own pipeline code under /usr/bin/python3 with Debian's python3-faiss, numpy, fastapi and
// uvicorn: the documents chunked, embedded (embedder=local: the lab's deterministic hashing embedder),
// indexed with FAISS, pickled and loaded back, the nearest chunks retrieved, the prompt built, the answers
// cached, the API served by uvicorn on a free port and probed by every check of the lab.
//
// Stand-ins, and only for what cannot run here: the LLM API is fixtures-w25/fake-openai.ts, an
// OpenAI-compatible server on 127.0.0.1 (/v1/models, /v1/embeddings, /v1/chat/completions with OpenAI's
// shapes and error bodies; its "model" answers extractively from the prompt's context, and it records every
// request); the `openai` client package (not in Debian) is fixtures-w25/python/openai, which speaks that REST
// protocol; for embedder=openai (the course's path, embeddings from the API) tiktoken (not in Debian, and it
// downloads its BPE file) is fixtures-w25/python/tiktoken, a word-level encoder with the same encode/decode.
//
// The course's own build_index.py, rag.py and server.py (fixtures-w25/course_*.py, verbatim) are run too and
// fail the checks their mistakes break.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
import { EMBED_DIM, type FakeOpenAI, startFakeOpenAI } from './fixtures-w25/fake-openai.js';

const PYTHON = '/usr/bin/python3';
const LAB = join(REPO_ROOT, 'labs', 'week-25.yaml');
const FIXTURES = join(import.meta.dirname, 'fixtures-w25');
const STAND_IN_ENV = { PYTHONPATH: join(FIXTURES, 'python'), PYTHONDONTWRITEBYTECODE: '1' };
const KAFKA = 'Explain Kafka streaming for AI systems';

interface Graded {
  code: number | null;
  stdout: string;
  stderr: string;
  result: RunResult;
}

async function ailab(args: string[], env: Record<string, string> = {}): Promise<Graded> {
  const run = await runCli([...args, '--yes', '--json'], {
    timeoutMs: 90_000,
    env: { ...STAND_IN_ENV, ...env },
  });
  try {
    return { ...run, result: JSON.parse(run.stdout) as RunResult };
  } catch {
    throw new Error(`ailab ${args.join(' ')} printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
}

/** The user prompts the chat endpoint received. */
const prompts = (fake: FakeOpenAI) =>
  fake.requests
    .filter((r) => r.path === '/v1/chat/completions' && r.status === 200)
    .map((r) => (r.body as { messages: { content: string }[] }).messages.at(-1)!.content);

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-25 with embedder=local and a stand-in OpenAI-compatible API', () => {
  const apiKey = `sk-test-${randomBytes(18).toString('hex')}`;
  let fake: FakeOpenAI;
  let port: number;
  let work: string;
  let run: Graded;

  beforeAll(async () => {
    fake = await startFakeOpenAI(apiKey);
    port = await freePort();
    work = makeTempDir('ailab-w25-');
    run = await ailab([
      'run',
      LAB,
      '--workdir',
      work,
      '--set',
      'install=none',
      '--set',
      'embedder=local',
      '--set',
      `python=${PYTHON}`,
      '--set',
      `port=${port}`,
      '--set',
      `openai_base_url=${fake.baseUrl}`,
      '--set',
      `openai_api_key=${apiKey}`,
      '--report',
      `md:${join(work, 'report.md')}`,
    ]);
  }, 100_000);

  afterAll(async () => {
    await fake?.close();
  });

  it('runs every local step and passes every graded check, the cache bonus included', () => {
    expect(run.result.status, failures(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['documents', 'check-deps', 'api-key', 'build-index', 'ask-repl', 'serve', 'ask-api'])
      expect(step(run.result, id).status, id).toBe('pass');
    expect(step(run.result, 'install').status).toBe('skip');
    expect(run.result.score).toMatchObject({ earned: 13, possible: 12, passed: true });
    expect(check(run.result, 'cache').status).toBe('pass');
  });

  it('built a FAISS index of the three documents with the 384-dimension local embedder', () => {
    const log = readFileSync(join(work, 'rag-lab', 'build_index.log'), 'utf8');
    expect(log).toMatch(/dim=384/);
    expect(log).toMatch(/Index built with 3 chunks/);
    const index = step(run.result, 'build-index').checks[1];
    expect(index.observed).toContain('vectors=3 chunks=3 metadatas=3 dim=384 sources=3');
    // Nothing was sent to the embeddings API: the local embedder ran here.
    expect(fake.requests.filter((r) => r.path === '/v1/embeddings')).toEqual([]);
  });

  it('retrieved the right document for each question and sent its chunks to the chat model', () => {
    const answer = JSON.parse(readFileSync(join(work, 'rag-lab', 'ask_kafka.json'), 'utf8'));
    expect(answer.question).toBe(KAFKA);
    expect(answer.sources.map((s: { source: string }) => s.source)).toEqual([
      'docs/kafka_streaming.txt',
      'docs/ai_infra.txt',
      'docs/etl_vs_elt.txt',
    ]);
    expect(answer.answer).toMatch(/Kafka/);
    expect(readFileSync(join(work, 'rag-lab', 'etl_answer.txt'), 'utf8')).toMatch(/\bELT\b/);
    for (const id of ['retrieval', 'etl', 'no-repeats', 'validation', 'index', 'api-key'])
      expect(check(run.result, id).status, id).toBe('pass');

    // The prompt: the chunks joined by separators, not the Python list repr of the course.
    const kafkaPrompts = prompts(fake).filter((p) => p.includes(`Question: ${KAFKA}`));
    expect(kafkaPrompts).toHaveLength(1); // asked 5 times: the cache answered the other 4
    expect(kafkaPrompts[0]).toContain('\n\n---\n\n');
    expect(kafkaPrompts[0]).not.toMatch(/\['|'\]/);
    expect(kafkaPrompts[0]).toContain('Apache Kafka is a distributed event streaming platform.');
    const chat = fake.requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(chat.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0 });
    expect(chat.auth).toBe(`Bearer ${apiKey}`);
  });

  it('never shows the API key: not in the output, the report file or the plan', async () => {
    for (const [name, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
      ['report.md', readFileSync(join(work, 'report.md'), 'utf8')],
    ])
      expect(text.includes(apiKey), `${name} holds the key`).toBe(false);
    const plan = await runCli(['run', LAB, '--dry-run', '--set', `openai_api_key=${apiKey}`], {
      timeoutMs: 30_000,
    });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('export OPENAI_API_KEY=***');
    expect(`${plan.stdout}${plan.stderr}`.includes(apiKey)).toBe(false);
    // And without a key the lab will not start.
    const none = await runCli(['run', LAB, '--yes'], { timeoutMs: 30_000 });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/var "openai_api_key" needs a value/);
  });

  it('stopped uvicorn at cleanup', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-serve', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });

  describe("the course's scripts, and a wrong key", () => {
    let uvicorn: ChildProcess | undefined;
    afterAll(() => {
      uvicorn?.kill('SIGTERM');
    });

    it("stops at build-index with the course's NameError (numpy never imported)", async () => {
      const tree = makeTempDir('ailab-w25-course-');
      mkdirSync(join(tree, 'labs'));
      cpSync(LAB, join(tree, 'labs', 'week-25.yaml'));
      cpSync(join(REPO_ROOT, 'templates', 'week-25'), join(tree, 'templates', 'week-25'), {
        recursive: true,
      });
      cpSync(join(FIXTURES, 'course_build_index.py'), join(tree, 'templates', 'week-25', 'build_index.py'));
      const failed = await ailab([
        'run',
        join(tree, 'labs', 'week-25.yaml'),
        '--workdir',
        makeTempDir('ailab-w25-cw-'),
        '--only',
        'documents,check-deps,api-key,build-index',
        '--set',
        'install=none',
        '--set',
        `python=${PYTHON}`,
        '--set',
        `openai_base_url=${fake.baseUrl}`,
        '--set',
        `openai_api_key=${apiKey}`,
      ]);
      expect(failed.code).toBe(1);
      const build = step(failed.result, 'build-index');
      expect(build.status).toBe('fail');
      expect(build.outputTail).toMatch(/NameError: name 'np' is not defined/);
      expect(check(failed.result, 'index').status).toBe('fail');
      expect(check(failed.result, 'index').hint).toMatch(/import numpy as np/);
    }, 60_000);

    it("grades the course's rag.py and server.py down: no /health, repeated chunks, empty questions, no sources", async () => {
      // The index comes from the lab's fixed build_index.py (the course's cannot build one); the course's
      // rag.py embeds queries with the API, so the index is built with embedder=openai against the stand-in.
      const project = join(makeTempDir('ailab-w25-verify-'), 'rag-lab');
      cpSync(join(work, 'rag-lab'), project, { recursive: true });
      const env = {
        ...process.env,
        ...STAND_IN_ENV,
        EMBEDDER: 'openai',
        OPENAI_API_KEY: apiKey,
        OPENAI_BASE_URL: fake.baseUrl,
      };
      const built = await new Promise<string>((resolve, reject) => {
        const p = spawn(PYTHON, ['build_index.py'], { cwd: project, env });
        let out = '';
        p.stdout.on('data', (d) => {
          out += d;
        });
        p.stderr.on('data', (d) => {
          out += d;
        });
        p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
      });
      expect(built).toContain(`dim=${EMBED_DIM}`);
      cpSync(join(FIXTURES, 'course_rag.py'), join(project, 'rag.py'));
      cpSync(join(FIXTURES, 'course_server.py'), join(project, 'server.py'));
      const coursePort = await freePort();
      uvicorn = spawn(
        PYTHON,
        ['-m', 'uvicorn', 'server:app', '--host', '127.0.0.1', '--port', String(coursePort)],
        { cwd: project, stdio: 'ignore', env },
      );
      for (let i = 0; i < 100 && !(await isPortOpen(coursePort)); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await isPortOpen(coursePort)).toBe(true);

      const args = [
        'verify',
        LAB,
        '--workdir',
        project,
        '--set',
        `port=${coursePort}`,
        '--set',
        `python=${PYTHON}`,
        '--set',
        'embedder=openai',
        '--set',
        `openai_base_url=${fake.baseUrl}`,
      ];
      const graded = await ailab([...args, '--set', `openai_api_key=${apiKey}`]);
      for (const id of ['ask', 'index', 'api-key']) expect(check(graded.result, id).status, id).toBe('pass');
      expect(check(graded.result, 'health').message).toMatch(/404/);
      const repeats = check(graded.result, 'no-repeats');
      expect(repeats.status).toBe('fail');
      expect(repeats.observed).toContain('returned=8 distinct=3 chunks=3');
      expect(repeats.hint).toMatch(/min\(k, index.ntotal\)/);
      // The course's Query takes "" and "   ": a 200 and an LLM call for nothing.
      expect(check(graded.result, 'validation').observed).toContain('422 200 200');
      expect(check(graded.result, 'retrieval').status).toBe('fail');
      expect(check(graded.result, 'cache').status).toBe('fail');
      // Its prompt holds the Python list of chunks.
      expect(prompts(fake).at(-1)).toMatch(/Answer based on context:\n\['/);
      // The course's pipeline does answer (it is "a working RAG API"), so it is graded down, not failed.
      expect(graded.result.score?.earned).toBeLessThanOrEqual(graded.result.score!.possible - 2.5);

      // A wrong key in var openai_api_key (the server keeps its own): the key check and the Python calls
      // fail, and say why with OpenAI's 401 invalid_api_key.
      const wrongKey = await ailab([...args, '--set', 'openai_api_key=sk-wrong-key-1234']);
      expect(wrongKey.code).toBe(1);
      expect(check(wrongKey.result, 'api-key').observed).toMatch(/HTTP 401/);
      expect(check(wrongKey.result, 'no-repeats').details).toMatch(
        /AuthenticationError: Error code: 401 .*invalid_api_key/,
      );
    }, 80_000);

    it('fails with "connection refused" when nothing is served', async () => {
      const nothing = await ailab([
        'verify',
        LAB,
        '--workdir',
        join(work, 'rag-lab'),
        '--set',
        `port=${await freePort()}`,
        '--set',
        `python=${PYTHON}`,
        '--set',
        'embedder=local',
        '--set',
        `openai_base_url=${fake.baseUrl}`,
        '--set',
        `openai_api_key=${apiKey}`,
      ]);
      expect(nothing.code).toBe(1);
      expect(check(nothing.result, 'ask')).toMatchObject({ status: 'fail' });
      expect(check(nothing.result, 'ask').message).toMatch(/refused/i);
      expect(check(nothing.result, 'index').status).toBe('pass');
      expect(nothing.result.score?.passed).toBe(false);
    }, 60_000);
  });
});

describe('week-25 with embedder=openai (the course path) against the stand-in API', () => {
  const apiKey = `sk-test-${randomBytes(12).toString('hex')}`;
  let fake: FakeOpenAI;
  let run: Graded;
  let work: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI(apiKey);
    work = makeTempDir('ailab-w25-openai-');
    // Small chunks (8 tokens, 2 shared), so there are more than 100 of them: the fixed batching shows.
    run = await ailab([
      'run',
      LAB,
      '--workdir',
      work,
      '--set',
      'install=none',
      '--set',
      `python=${PYTHON}`,
      '--set',
      `port=${await freePort()}`,
      '--set',
      'chunk_size=8',
      '--set',
      'chunk_overlap=2',
      '--set',
      `openai_base_url=${fake.baseUrl}`,
      '--set',
      `openai_api_key=${apiKey}`,
    ]);
  }, 100_000);

  afterAll(async () => {
    await fake?.close();
  });

  it('passes, with the embeddings from the API in batches of at most 100 and 1536 dimensions', () => {
    expect(run.result.status, failures(run.result)).toBe('passed');
    const chunks = Number(
      /Index built with (\d+) chunks/.exec(step(run.result, 'build-index').outputTail ?? '')?.[1],
    );
    expect(chunks).toBeGreaterThan(100);
    const batches = fake.requests
      .filter((r) => r.path === '/v1/embeddings')
      .map((r) => r.body as { input: string[]; model: string; encoding_format: string });
    const indexing = batches.filter((b) => b.input.length > 1);
    expect(indexing.map((b) => b.input.length).reduce((a, b) => a + b)).toBe(chunks);
    for (const b of indexing) {
      expect(b.input.length).toBeLessThanOrEqual(100);
      expect(b.model).toBe('text-embedding-3-small');
    }
    expect(indexing.length).toBe(Math.ceil(chunks / 100));
    expect(readFileSync(join(work, 'rag-lab', 'build_index.log'), 'utf8')).toContain(`dim=${EMBED_DIM}`);
    // The files the run wrote in the work folder: nothing the course did not ask for, besides the logs.
    expect(readdirSync(join(work, 'rag-lab')).sort()).toEqual(
      expect.arrayContaining(['ask_kafka.json', 'build_index.log', 'etl_answer.txt', 'faiss_index.pkl']),
    );
  });
});
